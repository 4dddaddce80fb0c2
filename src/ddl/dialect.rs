//! Rewrites tagtrail's SQL (DataFusion dialect, `queries/`) for Spark SQL or Athena
//! (Trino). The text is parsed into an AST, each construct whose spelling or meaning
//! differs is replaced, and the AST is printed again; everything else is printed as
//! written. The rules and the differences they paper over are listed in
//! `docs/portable-sql.md`; a tagtrail function with no equivalent is an error naming
//! it, never a silent pass-through.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    AccessExpr, BinaryOperator, DataType, DuplicateTreatment, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentClause, FunctionArguments, Ident, Join, JoinConstraint,
    JoinOperator, LateralView, ObjectName, Select, SelectItem, Statement, Subscript, TableAlias,
    TableAliasColumnDef, TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::{DdlError, SqlEngine};

/// The only timestamp-to-text format `queries/` uses: RFC 3339 in UTC with as many
/// fraction digits as needed (0, 3 or 6), the text DataFusion's `CAST(ts AS VARCHAR)`
/// gives.
pub const RFC3339_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.fZ";

/// The rewritten statement, with `$n` replaced by `:name` (Spark named parameter
/// markers, names from `params`) or `?` (Athena `EXECUTE … USING`, in the order
/// returned as the second value, one entry per marker).
pub fn rewrite(
    sql: &str,
    engine: SqlEngine,
    params: &[&str],
) -> Result<(String, Vec<String>), DdlError> {
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| DdlError::Unsupported(format!("cannot parse the query: {e}")))?;
    let [statement] = statements.as_mut_slice() else {
        return Err(DdlError::Unsupported(format!(
            "expected one statement, found {}",
            statements.len()
        )));
    };
    let mut rewriter = Rewriter {
        engine,
        params: params.iter().map(|p| p.to_string()).collect(),
        order: Vec::new(),
        unnests: 0,
    };
    if let ControlFlow::Break(e) = statement.visit(&mut rewriter) {
        return Err(e);
    }
    if !matches!(statement, Statement::Query(_)) {
        return Err(DdlError::Unsupported("not a query".into()));
    }
    Ok((statement.to_string(), rewriter.order))
}

struct Rewriter {
    engine: SqlEngine,
    params: Vec<String>,
    order: Vec<String>,
    unnests: usize,
}

/// Text printed as it is: rewritten expressions are built as SQL text of their
/// already-rewritten parts (the visit is post-order) and stored as an unquoted identifier,
/// which prints verbatim.
fn raw(text: String) -> Expr {
    Expr::Identifier(Ident::new(text))
}

fn unsupported<T>(what: String) -> ControlFlow<DdlError, T> {
    ControlFlow::Break(DdlError::Unsupported(what))
}

impl VisitorMut for Rewriter {
    type Break = DdlError;

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<DdlError> {
        self.lateral_unnest(select)
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<DdlError> {
        let new = match expr {
            Expr::Value(v) => match &v.value {
                Value::Placeholder(p) => Some(self.placeholder(p)?),
                Value::SingleQuotedString(s) => Some(raw(self.text_literal(s))),
                _ => None,
            },
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => self.cast(inner, data_type),
            Expr::BinaryOp { op, right, .. } => {
                // DataFusion and Trino divide integers as integers; Spark's `/` is always
                // fractional and `div` is its integer division. `queries/` divides by
                // integer literals only to truncate integers.
                let int_literal = matches!(right.as_ref(), Expr::Value(v)
                    if matches!(&v.value, Value::Number(n, _) if !n.contains(['.', 'e', 'E'])));
                if self.engine == SqlEngine::Spark && *op == BinaryOperator::Divide && int_literal {
                    *op = BinaryOperator::MyIntegerDivide;
                }
                None
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                Some(self.subscript(root, access_chain)?)
            }
            Expr::Function(f) => self.function(f)?,
            _ => None,
        };
        if let Some(new) = new {
            *expr = new;
        }
        ControlFlow::Continue(())
    }
}

impl Rewriter {
    fn placeholder(&mut self, p: &str) -> ControlFlow<DdlError, Expr> {
        let name = p
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.params.get(i));
        let Some(name) = name else {
            return ControlFlow::Break(DdlError::Unsupported(format!(
                "parameter {p} has no name (known: {})",
                self.params.join(", ")
            )));
        };
        self.order.push(name.clone());
        ControlFlow::Continue(raw(match self.engine {
            SqlEngine::Spark => format!(":{name}"),
            SqlEngine::Athena => "?".to_string(),
        }))
    }

    /// Spark reads `\` in a literal as an escape (`'\s'` is `s`), DataFusion and Trino
    /// do not: Spark gets the backslashes doubled and `'` escaped as `\'`.
    fn text_literal(&self, s: &str) -> String {
        match self.engine {
            SqlEngine::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            SqlEngine::Athena => format!("'{}'", s.replace('\'', "''")),
        }
    }

    fn cast(&self, inner: &Expr, data_type: &DataType) -> Option<Expr> {
        match (self.engine, data_type) {
            // Spark has no VARCHAR without a length.
            (SqlEngine::Spark, DataType::Varchar(None) | DataType::Text | DataType::String(_)) => {
                Some(raw(format!("CAST({inner} AS STRING)")))
            }
            // `queries/` casts timestamps to BIGINT for microseconds since the epoch
            // (DataFusion's meaning); Spark's cast gives seconds, Trino refuses.
            (_, DataType::BigInt(None)) => Some(raw(self.micros(&inner.to_string()))),
            // `VARCHAR[]` (a typed empty list) is spelled ARRAY<STRING> / array(varchar).
            (engine, DataType::Array(_)) if data_type.to_string() == "VARCHAR[]" => {
                Some(raw(match engine {
                    SqlEngine::Spark => format!("CAST({inner} AS ARRAY<STRING>)"),
                    SqlEngine::Athena => format!("CAST({inner} AS array(varchar))"),
                }))
            }
            _ => None,
        }
    }

    fn micros(&self, ts: &str) -> String {
        match self.engine {
            SqlEngine::Spark => format!("unix_micros({ts})"),
            SqlEngine::Athena => {
                format!("CAST(round(to_unixtime(with_timezone({ts}, 'UTC')) * 1000000) AS BIGINT)")
            }
        }
    }

    /// `regexp_match(s, p)[n]`: the n-th group of the first match, NULL without one.
    fn subscript(&self, root: &Expr, chain: &[AccessExpr]) -> ControlFlow<DdlError, Expr> {
        let (Expr::Function(f), [AccessExpr::Subscript(Subscript::Index { index })]) =
            (root, chain)
        else {
            return unsupported(format!(
                "{root} with a field access or subscript: only regexp_match(…)[n] is rewritten"
            ));
        };
        let name = f.name.to_string().to_lowercase();
        let args = plain_args(f);
        match (name.as_str(), args.as_deref()) {
            ("regexp_match", Some([s, p])) => ControlFlow::Continue(raw(match self.engine {
                // regexp_extract gives '' when nothing matches; the groups `queries/`
                // extracts are never empty, so '' means no match.
                SqlEngine::Spark => format!("nullif(regexp_extract({s}, {p}, {index}), '')"),
                SqlEngine::Athena => format!("regexp_extract({s}, {p}, {index})"),
            })),
            _ => unsupported(format!(
                "subscript of {root}: only regexp_match(…)[n] is rewritten"
            )),
        }
    }

    fn function(&mut self, f: &mut Function) -> ControlFlow<DdlError, Option<Expr>> {
        let name = f.name.to_string().to_lowercase();
        let spark = self.engine == SqlEngine::Spark;
        let Some(args) = plain_args(f) else {
            return ControlFlow::Continue(None);
        };
        let distinct = matches!(&f.args, FunctionArguments::List(l)
            if l.duplicate_treatment == Some(DuplicateTreatment::Distinct));
        let order_by = match &f.args {
            FunctionArguments::List(l) => l.clauses.iter().find_map(|c| match c {
                FunctionArgumentClause::OrderBy(keys) => Some(keys),
                _ => None,
            }),
            _ => None,
        };
        let text = match (name.as_str(), args.as_slice()) {
            // DataFusion's concat skips NULLs; Spark's and Trino's return NULL.
            ("concat", _) => {
                let ty = if spark { "STRING" } else { "VARCHAR" };
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| {
                        if a.starts_with('\'') {
                            a.clone()
                        } else {
                            format!("CAST({a} AS {ty})")
                        }
                    })
                    .collect();
                format!("concat_ws('', {})", parts.join(", "))
            }
            // DataFusion's array_agg keeps NULLs and gives NULL for no rows; Spark's
            // collect_list drops NULLs and gives []. Each value is wrapped in a struct
            // and unwrapped after, and no rows is NULL again.
            ("array_agg", [a]) if spark => {
                let filter = f
                    .filter
                    .as_ref()
                    .map(|c| format!(" FILTER (WHERE {c})"))
                    .unwrap_or_default();
                let d = if distinct { "DISTINCT " } else { "" };
                format!(
                    "CASE WHEN count(1){filter} = 0 THEN NULL \
                     ELSE transform(collect_list({d}named_struct('v', {a})){filter}, s_ -> s_.v) END"
                )
            }
            // DataFusion sorts NULLs first, Spark and Trino last.
            ("array_sort", [a]) => format!(
                "concat(filter({a}, e_ -> e_ IS NULL), array_sort(filter({a}, e_ -> e_ IS NOT NULL)))"
            ),
            ("make_array", _) if spark => format!("array({})", args.join(", ")),
            ("make_array", _) => format!("ARRAY[{}]", args.join(", ")),
            ("array_has", [a, v]) if spark => format!("array_contains({a}, {v})"),
            ("array_has", [a, v]) => format!("contains({a}, {v})"),
            ("array_to_string", [a, sep]) => format!("array_join({a}, {sep})"),
            ("strpos", [s, sub]) if spark => format!("instr({s}, {sub})"),
            ("starts_with", [s, p]) if spark => format!("startswith({s}, {p})"),
            ("to_timestamp_micros", [m]) if spark => format!("timestamp_micros({m})"),
            ("to_timestamp_micros", [m]) => format!(
                "CAST(from_unixtime_nanos(({m}) * 1000) AT TIME ZONE 'UTC' AS timestamp(6))"
            ),
            ("to_char", [ts, fmt]) if *fmt == format!("'{RFC3339_FORMAT}'") => self.rfc3339(ts),
            ("principal_tag", [m, k]) => {
                let get = if spark {
                    "try_element_at"
                } else {
                    "element_at"
                };
                format!(
                    "COALESCE({get}({m}, {k}), {get}(map_values(map_filter({m}, (tk_, tv_) -> lower(tk_) = lower({k}))), 1))"
                )
            }
            ("names_table", [s, db, object]) => self.names_table(s, db, object),
            // An ordered first_value / last_value aggregate is DataFusion's; Spark and
            // Trino pick the value of the least / greatest ordering key with
            // min_by / max_by, the keys compared as one struct (row).
            ("first_value" | "last_value", [x]) if order_by.is_some() => {
                let keys = order_by.into_iter().flatten();
                if keys.clone().any(|k| k.options != Default::default()) {
                    return unsupported(format!(
                        "{name}(… ORDER BY …) with DESC or NULLS: only ascending keys are rewritten"
                    ));
                }
                let keys: Vec<String> = keys.map(|k| k.expr.to_string()).collect();
                let pick = if name == "first_value" {
                    "min_by"
                } else {
                    "max_by"
                };
                let row = if spark { "struct" } else { "ROW" };
                format!("{pick}({x}, {row}({}))", keys.join(", "))
            }
            // DataFusion replaces every match only with the flag 'g' (else the first);
            // Spark and Trino always replace every match, and a 4th argument means
            // something else (Spark: a position). `queries/` uses the 3-argument form
            // only with a pattern anchored at `^`, which matches once.
            ("regexp_replace", [s, p, r, flags]) if flags.as_str() == "'g'" => {
                format!("regexp_replace({s}, {p}, {r})")
            }
            // DataFusion's array_slice takes the last index, Spark's and Trino's slice a
            // length.
            ("array_slice", [a, from, to]) => {
                format!("slice({a}, {from}, ({to}) - ({from}) + 1)")
            }
            ("array_pop_front", [a]) if spark => {
                format!("slice({a}, 2, greatest(size({a}) - 1, 0))")
            }
            ("array_pop_front", [a]) => format!("slice({a}, 2, greatest(cardinality({a}) - 1, 0))"),
            // Trino has no named_struct: a ROW of JSON values with the field names (the
            // evidence columns that use it are rendered as JSON anyway).
            ("named_struct", _) if !spark && args.len() % 2 == 0 => {
                let (mut values, mut fields) = (Vec::new(), Vec::new());
                for pair in args.chunks(2) {
                    let name = pair[0].trim_matches('\'');
                    values.push(format!("CAST({} AS JSON)", pair[1]));
                    fields.push(format!("\"{name}\" JSON"));
                }
                format!(
                    "CAST(ROW({}) AS ROW({}))",
                    values.join(", "),
                    fields.join(", ")
                )
            }
            ("unnest", [a]) if spark => format!("explode({a})"),
            (
                "names_table"
                | "principal_tag"
                | "to_char"
                | "get_field"
                | "json_string_at"
                | "rds_connect_grants"
                | "normalize_policy_document"
                | "policy_document_error"
                | "arrow_cast"
                | "unnest",
                _,
            ) => {
                return unsupported(format!(
                    "{name}(…) has no {} equivalent here",
                    self.engine.name()
                ));
            }
            _ => return ControlFlow::Continue(None),
        };
        ControlFlow::Continue(Some(raw(text)))
    }

    /// DataFusion prints a UTC timestamp as RFC 3339 with 0, 3 or 6 fraction digits.
    fn rfc3339(&self, ts: &str) -> String {
        let us = self.micros(ts);
        let (seconds, cast) = match self.engine {
            SqlEngine::Spark => (
                format!(
                    "date_format(to_utc_timestamp({ts}, current_timezone()), 'yyyy-MM-dd\\'T\\'HH:mm:ss')"
                ),
                "STRING",
            ),
            SqlEngine::Athena => (
                format!("format_datetime(with_timezone({ts}, 'UTC'), 'yyyy-MM-dd''T''HH:mm:ss')"),
                "VARCHAR",
            ),
        };
        let div = if self.engine == SqlEngine::Spark {
            "DIV"
        } else {
            "/"
        };
        format!(
            "concat({seconds}, CASE WHEN {us} % 1000000 = 0 THEN '' \
             WHEN {us} % 1000 = 0 THEN concat('.', lpad(CAST(({us} % 1000000) {div} 1000 AS {cast}), 3, '0')) \
             ELSE concat('.', lpad(CAST({us} % 1000000 AS {cast}), 6, '0')) END, 'Z')"
        )
    }

    /// `names_table(statement, default_db, 'db.table')` (`engine::udf`) as regular
    /// expressions over the parameter: Java's and Joni's `\Q…\E` quote the names.
    fn names_table(&self, s: &str, db: &str, object: &str) -> String {
        let (bs, matches) = match self.engine {
            SqlEngine::Spark => ("\\\\", "RLIKE"),
            SqlEngine::Athena => ("\\", "REGEXP_LIKE"),
        };
        let dot = format!("instr({object}, '.')");
        let dot = if self.engine == SqlEngine::Athena {
            format!("strpos({object}, '.')")
        } else {
            dot
        };
        let o_db = format!("substr({object}, 1, {dot} - 1)");
        let o_table =
            format!("CASE WHEN {dot} > 0 THEN substr({object}, {dot} + 1) ELSE {object} END");
        // `names_table`'s patterns (`engine::udf::table_name`) as SQL: their
        // backslashes doubled for Spark's string literals, each name (a placeholder
        // until then) quoted by `\Q…\E` and inserted by `concat`.
        use crate::engine::udf::table_name;
        let (db_at, table_at) = ("\u{1}db\u{1}", "\u{1}table\u{1}");
        let sql = |pattern: String| {
            let name = |part: &str| format!("', '{bs}Q', {part}, '{bs}E', '");
            let text = pattern
                .replace('\\', bs)
                .replace(db_at, &name(&o_db))
                .replace(table_at, &name(&o_table));
            format!("concat('(?iu)', '{text}')")
        };
        let qualified = sql(table_name::qualified(
            &table_name::ident(db_at, ""),
            table_at,
        ));
        let bare = sql(table_name::ident(table_at, table_name::END));
        let like = |pattern: &str| match self.engine {
            SqlEngine::Spark => format!("{s} {matches} {pattern}"),
            SqlEngine::Athena => format!("{matches}({s}, {pattern})"),
        };
        format!(
            "(CASE WHEN {s} IS NULL THEN false ELSE COALESCE(({dot} > 0 AND {}) OR ({} AND ({dot} = 0 OR lower({db}) = lower({o_db}))), false) END)",
            like(&qualified),
            like(&bare)
        )
    }

    /// DataFusion unnests in the select list (`unnest(x) AS a`; two of them over one
    /// map's keys and values walk the entries together). Spark takes one `explode` in
    /// the select list, or `LATERAL VIEW explode(map) t AS k, v`; Trino only
    /// `CROSS JOIN UNNEST(x) AS t(a)`.
    fn lateral_unnest(&mut self, select: &mut Select) -> ControlFlow<DdlError> {
        let unnested: Vec<(usize, Expr, Ident)> = select
            .projection
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                SelectItem::ExprWithAlias {
                    expr: Expr::Function(f),
                    alias,
                } if f.name.to_string().eq_ignore_ascii_case("unnest") => {
                    let arg = function_arg_exprs(f)?.into_iter().next()?;
                    Some((i, arg, alias.clone()))
                }
                _ => None,
            })
            .collect();
        let (source, aliases) = match unnested.as_slice() {
            [] => return ControlFlow::Continue(()),
            [(_, arg, alias)] => {
                if self.engine == SqlEngine::Spark {
                    return ControlFlow::Continue(());
                }
                (arg.clone(), vec![alias.clone()])
            }
            [(_, keys, k), (_, values, v)] => {
                match (map_arg(keys, "map_keys"), map_arg(values, "map_values")) {
                    (Some(a), Some(b)) if a.to_string() == b.to_string() => {
                        (a.clone(), vec![k.clone(), v.clone()])
                    }
                    _ => {
                        return unsupported(format!(
                            "two unnest() in one select list ({keys}, {values}) that are not a map's keys and values"
                        ));
                    }
                }
            }
            _ => return unsupported("more than two unnest() in one select list".into()),
        };
        self.unnests += 1;
        let table = Ident::new(format!("u{}_", self.unnests));
        let positions: Vec<usize> = unnested.iter().map(|(i, _, _)| *i).collect();
        for (n, (pos, alias)) in positions.iter().zip(&aliases).enumerate().rev() {
            let column = Expr::CompoundIdentifier(vec![table.clone(), alias.clone()]);
            let item = SelectItem::ExprWithAlias {
                expr: column,
                alias: alias.clone(),
            };
            if n == 0 {
                select.projection[*pos] = item;
            } else {
                select.projection.remove(*pos);
                select.projection.insert(positions[0] + n, item);
            }
        }
        let unnest_call = |arg: Expr| {
            let mut f = Function {
                name: ObjectName::from(vec![Ident::new("unnest")]),
                uses_odbc_syntax: false,
                parameters: FunctionArguments::None,
                args: FunctionArguments::None,
                filter: None,
                null_treatment: None,
                over: None,
                within_group: vec![],
            };
            f.args =
                FunctionArguments::List(datafusion::sql::sqlparser::ast::FunctionArgumentList {
                    duplicate_treatment: None,
                    args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
                    clauses: vec![],
                });
            Expr::Function(f)
        };
        match self.engine {
            SqlEngine::Spark => select.lateral_views.push(LateralView {
                lateral_view: unnest_call(source),
                lateral_view_name: ObjectName::from(vec![table]),
                lateral_col_alias: aliases,
                outer: false,
            }),
            SqlEngine::Athena => {
                let Some(from) = select.from.first_mut() else {
                    return unsupported("unnest() in a select without FROM".into());
                };
                from.joins.push(Join {
                    relation: TableFactor::UNNEST {
                        alias: Some(TableAlias {
                            explicit: true,
                            name: table,
                            columns: aliases
                                .into_iter()
                                .map(|name| TableAliasColumnDef {
                                    name,
                                    data_type: None,
                                })
                                .collect(),
                            at: None,
                        }),
                        array_exprs: vec![source],
                        with_offset: false,
                        with_offset_alias: None,
                        with_ordinality: false,
                    },
                    global: false,
                    join_operator: JoinOperator::CrossJoin(JoinConstraint::None),
                });
            }
        }
        ControlFlow::Continue(())
    }
}

/// `map_keys(x)` → `x` (and likewise for `map_values`).
fn map_arg<'a>(e: &'a Expr, name: &str) -> Option<&'a Expr> {
    match e {
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case(name) => {
            match function_arg_exprs_ref(f)?.as_slice() {
                [x] => Some(*x),
                _ => None,
            }
        }
        _ => None,
    }
}

fn function_arg_exprs_ref(f: &Function) -> Option<Vec<&Expr>> {
    match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn function_arg_exprs(f: &Function) -> Option<Vec<Expr>> {
    function_arg_exprs_ref(f).map(|v| v.into_iter().cloned().collect())
}

/// The arguments as (already rewritten) text, for functions without OVER; `None` for a
/// window function or named/wildcard arguments, which are left as they are.
fn plain_args(f: &Function) -> Option<Vec<String>> {
    if f.over.is_some() {
        return None;
    }
    function_arg_exprs_ref(f).map(|v| v.into_iter().map(|e| e.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::rewrite;
    use crate::ddl::SqlEngine::{self, Athena, Spark};

    fn sql(engine: SqlEngine, text: &str) -> String {
        rewrite(text, engine, &["object", "since"]).unwrap().0
    }

    #[test]
    fn parameters_are_named_for_spark_and_positional_for_athena() {
        let q = "SELECT a FROM t WHERE o = $1 AND t >= $2 AND p = $1";
        assert_eq!(
            rewrite(q, Spark, &["object", "since"]).unwrap(),
            (
                "SELECT a FROM t WHERE o = :object AND t >= :since AND p = :object".to_string(),
                vec!["object".to_string(), "since".into(), "object".into()]
            )
        );
        assert_eq!(
            sql(Athena, q),
            "SELECT a FROM t WHERE o = ? AND t >= ? AND p = ?"
        );
        let err = rewrite("SELECT $3", Spark, &["object"]).unwrap_err();
        assert_eq!(err.to_string(), "parameter $3 has no name (known: object)");
    }

    #[test]
    fn concat_skips_nulls_in_every_engine() {
        assert_eq!(
            sql(Spark, "SELECT concat(a, ':', b) FROM t"),
            "SELECT concat_ws('', CAST(a AS STRING), ':', CAST(b AS STRING)) FROM t"
        );
        assert_eq!(
            sql(Athena, "SELECT concat(a, ':', b) FROM t"),
            "SELECT concat_ws('', CAST(a AS VARCHAR), ':', CAST(b AS VARCHAR)) FROM t"
        );
    }

    #[test]
    fn sorted_distinct_aggregates_keep_nulls_first() {
        assert_eq!(
            sql(Spark, "SELECT array_sort(array_agg(DISTINCT x)) FROM t"),
            "SELECT concat(filter(CASE WHEN count(1) = 0 THEN NULL ELSE transform(collect_list(DISTINCT named_struct('v', x)), s_ -> s_.v) END, e_ -> e_ IS NULL), \
             array_sort(filter(CASE WHEN count(1) = 0 THEN NULL ELSE transform(collect_list(DISTINCT named_struct('v', x)), s_ -> s_.v) END, e_ -> e_ IS NOT NULL))) FROM t"
        );
        assert_eq!(
            sql(
                Spark,
                "SELECT array_agg(x) FILTER (WHERE x IS NOT NULL) FROM t"
            ),
            "SELECT CASE WHEN count(1) FILTER (WHERE x IS NOT NULL) = 0 THEN NULL \
             ELSE transform(collect_list(named_struct('v', x)) FILTER (WHERE x IS NOT NULL), s_ -> s_.v) END FROM t"
        );
        assert_eq!(
            sql(Athena, "SELECT array_sort(array_agg(DISTINCT x)) FROM t"),
            "SELECT concat(filter(array_agg(DISTINCT x), e_ -> e_ IS NULL), \
             array_sort(filter(array_agg(DISTINCT x), e_ -> e_ IS NOT NULL))) FROM t"
        );
    }

    #[test]
    fn timestamps_as_microseconds_and_text() {
        assert_eq!(
            sql(
                Spark,
                "SELECT to_timestamp_micros(CAST(s AS BIGINT) - k * 1000000), (CAST(a AS BIGINT) - CAST(b AS BIGINT)) / 60000000, CAST(n AS VARCHAR) FROM t"
            ),
            "SELECT timestamp_micros(unix_micros(s) - k * 1000000), (unix_micros(a) - unix_micros(b)) DIV 60000000, CAST(n AS STRING) FROM t"
        );
        assert_eq!(
            sql(
                Athena,
                "SELECT to_timestamp_micros(CAST(s AS BIGINT) + 1) FROM t"
            ),
            "SELECT CAST(from_unixtime_nanos((CAST(round(to_unixtime(with_timezone(s, 'UTC')) * 1000000) AS BIGINT) + 1) * 1000) AT TIME ZONE 'UTC' AS timestamp(6)) FROM t"
        );
        assert_eq!(
            sql(Spark, "SELECT to_char(t, '%Y-%m-%dT%H:%M:%S%.fZ') FROM x"),
            "SELECT concat(date_format(to_utc_timestamp(t, current_timezone()), 'yyyy-MM-dd\\'T\\'HH:mm:ss'), \
             CASE WHEN unix_micros(t) % 1000000 = 0 THEN '' \
             WHEN unix_micros(t) % 1000 = 0 THEN concat('.', lpad(CAST((unix_micros(t) % 1000000) DIV 1000 AS STRING), 3, '0')) \
             ELSE concat('.', lpad(CAST(unix_micros(t) % 1000000 AS STRING), 6, '0')) END, 'Z') FROM x"
        );
    }

    #[test]
    fn spark_literals_double_backslashes() {
        assert_eq!(
            sql(
                Spark,
                r"SELECT upper(regexp_match(s, '^\s*([A-Za-z]+)')[1]) FROM t"
            ),
            r"SELECT upper(nullif(regexp_extract(s, '^\\s*([A-Za-z]+)', 1), '')) FROM t"
        );
        assert_eq!(
            sql(Athena, r"SELECT regexp_match(s, '^\s*(x)')[1] FROM t"),
            r"SELECT regexp_extract(s, '^\s*(x)', 1) FROM t"
        );
    }

    #[test]
    fn ordered_first_and_last_values_pick_by_the_least_and_greatest_key() {
        let q = "SELECT first_value(u ORDER BY t, u, o), last_value(o ORDER BY t, u, o) FROM e";
        assert_eq!(
            sql(Spark, q),
            "SELECT min_by(u, struct(t, u, o)), max_by(o, struct(t, u, o)) FROM e"
        );
        assert_eq!(
            sql(Athena, q),
            "SELECT min_by(u, ROW(t, u, o)), max_by(o, ROW(t, u, o)) FROM e"
        );
        let err = rewrite("SELECT first_value(u ORDER BY t DESC) FROM e", Spark, &[]).unwrap_err();
        assert!(err.to_string().contains("only ascending keys"), "{err}");
    }

    #[test]
    fn array_slice_takes_a_length_elsewhere() {
        let q = "SELECT array_slice(a, 1, 100) FROM t";
        for engine in [Spark, Athena] {
            assert_eq!(sql(engine, q), "SELECT slice(a, 1, (100) - (1) + 1) FROM t");
        }
    }

    #[test]
    fn renamed_functions() {
        assert_eq!(
            sql(
                Spark,
                "SELECT array_has(a, 'x'), array_to_string(a, ', '), make_array(), strpos(s, 'm'), starts_with(s, 'p') FROM t"
            ),
            "SELECT array_contains(a, 'x'), array_join(a, ', '), array(), instr(s, 'm'), startswith(s, 'p') FROM t"
        );
        assert_eq!(
            sql(Athena, "SELECT array_has(a, 'x'), make_array() FROM t"),
            "SELECT contains(a, 'x'), ARRAY[] FROM t"
        );
        assert_eq!(
            sql(
                Spark,
                "SELECT CAST(make_array() AS VARCHAR[]), named_struct('a', x) FROM t"
            ),
            "SELECT CAST(array() AS ARRAY<STRING>), named_struct('a', x) FROM t"
        );
        assert_eq!(
            sql(
                Athena,
                "SELECT CAST(make_array() AS VARCHAR[]), named_struct('a', x, 'b', y) FROM t"
            ),
            "SELECT CAST(ARRAY[] AS array(varchar)), CAST(ROW(CAST(x AS JSON), CAST(y AS JSON)) AS ROW(\"a\" JSON, \"b\" JSON)) FROM t"
        );
        assert_eq!(
            sql(Spark, "SELECT principal_tag(tags, 'Username') FROM t"),
            "SELECT COALESCE(try_element_at(tags, 'Username'), try_element_at(map_values(map_filter(tags, (tk_, tv_) -> lower(tk_) = lower('Username'))), 1)) FROM t"
        );
    }

    #[test]
    fn select_list_unnest_becomes_a_lateral_view_or_cross_join() {
        let pair = "SELECT id, unnest(map_keys(m)) AS k, unnest(map_values(m)) AS v FROM t";
        assert_eq!(
            sql(Spark, pair),
            "SELECT id, u1_.k AS k, u1_.v AS v FROM t LATERAL VIEW explode(m) u1_ AS k, v"
        );
        assert_eq!(
            sql(Athena, pair),
            "SELECT id, u1_.k AS k, u1_.v AS v FROM t CROSS JOIN UNNEST(m) AS u1_ (k, v)"
        );
        let one = "SELECT id, unnest(c) AS p FROM t WHERE x";
        assert_eq!(sql(Spark, one), "SELECT id, explode(c) AS p FROM t WHERE x");
        assert_eq!(
            sql(Athena, one),
            "SELECT id, u1_.p AS p FROM t CROSS JOIN UNNEST(c) AS u1_ (p) WHERE x"
        );
    }

    #[test]
    fn global_regexp_replace_and_array_pop_front() {
        assert_eq!(
            sql(
                Spark,
                r"SELECT regexp_replace(s, '[ _-]+', '-', 'g'), array_pop_front(a) FROM t"
            ),
            "SELECT regexp_replace(s, '[ _-]+', '-'), slice(a, 2, greatest(size(a) - 1, 0)) FROM t"
        );
    }

    #[test]
    fn tagtrail_functions_without_equivalent_are_errors() {
        let err = rewrite("SELECT rds_connect_grants(d) FROM t", Spark, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rds_connect_grants(…) has no spark equivalent here"
        );
    }
}
