//! `aws rds describe-db-instances` / `describe-db-clusters` JSON → `rds_instances`.
//!
//! The inventory says which endpoint belongs to which instance, whether IAM database
//! authentication is on, and which tags (ABAC keys) the instance carries. Exports are
//! small (one object per instance), so the whole document is read at once; one entry
//! that cannot be used becomes a [`Reject`] and the others are kept.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, MapBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use serde_json::Value;

use super::columns::{Cell, RowBuilder};
use super::{FileStats, Output, Reject, Sink, SourceError, tag_map_type, ts_type};

/// Schema of `rds_instances`: one row per instance or cluster per observation.
///
/// | column | type | meaning |
/// |---|---|---|
/// | resource_kind | utf8 | `instance` (an entry of `DBInstances`) or `cluster` (of `DBClusters`) |
/// | identifier | utf8 | `DBInstanceIdentifier` / `DBClusterIdentifier`: the name database logs carry as `instance` |
/// | cluster_identifier | utf8 | an instance's `DBClusterIdentifier` (Aurora members); null for clusters and standalone instances |
/// | engine | utf8 | `Engine` (`mysql`, `mariadb`, `postgres`, `aurora-mysql`, `aurora-postgresql`…) |
/// | engine_version | utf8 | `EngineVersion` |
/// | resource_id | utf8 | `DbiResourceId` / `DbClusterResourceId`: what `rds-db:connect` policies name |
/// | arn | utf8 | `DBInstanceArn` / `DBClusterArn` |
/// | account_id | utf8 | account from the ARN |
/// | region | utf8 | region from the ARN |
/// | endpoint | utf8 | `Endpoint.Address` (instance) or `Endpoint` (cluster writer endpoint) |
/// | port | int32 | `Endpoint.Port` (instance) or `Port` (cluster) |
/// | iam_auth | boolean | `IAMDatabaseAuthenticationEnabled`; null when the export omits it |
/// | status | utf8 | `DBInstanceStatus` / `Status` |
/// | master_username | utf8 | `MasterUsername` (a password login, whatever IAM says) |
/// | tags | map<utf8, utf8> | `TagList` as key → value; null when the export has no `TagList` |
/// | observed_at | timestamp(us, UTC) | when the inventory was taken: the file's modification time for local files, the ingest run's start otherwise |
/// | source_uri | utf8 | the file |
/// | source_offset | int64 | index (0-based) of the entry in its `DBInstances` / `DBClusters` array |
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let mut fields: Vec<Field> = scalar_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.insert(TAGS_AT, Field::new("tags", tag_map_type(), true));
        Arc::new(Schema::new(fields))
    });
    SCHEMA.clone()
}

/// Position of `tags` in [`schema`]; the other columns are built by a [`RowBuilder`].
const TAGS_AT: usize = 14;

fn scalar_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let req = |n: &str, t: DataType| Field::new(n, t, false);
        Arc::new(Schema::new(vec![
            req("resource_kind", DataType::Utf8),
            req("identifier", DataType::Utf8),
            s("cluster_identifier"),
            s("engine"),
            s("engine_version"),
            s("resource_id"),
            s("arn"),
            s("account_id"),
            s("region"),
            s("endpoint"),
            Field::new("port", DataType::Int32, true),
            Field::new("iam_auth", DataType::Boolean, true),
            s("status"),
            s("master_username"),
            req("observed_at", ts_type()),
            req("source_uri", DataType::Utf8),
            req("source_offset", DataType::Int64),
        ]))
    });
    SCHEMA.clone()
}

/// What the document does not say: where it came from and when it was taken.
pub struct Context<'a> {
    pub source_uri: &'a str,
    pub observed_at: i64,
}

/// Reads one describe-db-instances / describe-db-clusters document (both arrays may be
/// in one object) and emits one `rds_instances` batch.
pub fn parse(
    bytes: &[u8],
    ctx: &Context<'_>,
    sink: &mut Sink<'_>,
) -> Result<FileStats, SourceError> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| SourceError::NotRdsInventory(format!("not JSON: {e}")))?;
    let lists: Vec<(&str, &Vec<Value>)> = [("instance", "DBInstances"), ("cluster", "DBClusters")]
        .into_iter()
        .filter_map(|(kind, key)| match doc.get(key) {
            Some(Value::Array(items)) => Some((kind, items)),
            _ => None,
        })
        .collect();
    if lists.is_empty() {
        return Err(SourceError::NotRdsInventory(
            "no DBInstances or DBClusters array (expected the JSON of `aws rds describe-db-instances` or `describe-db-clusters`)".into(),
        ));
    }
    let mut stats = FileStats::default();
    let mut rows = Rows::new();
    for (kind, items) in lists {
        for (i, item) in items.iter().enumerate() {
            stats.records += 1;
            match rows.push(kind, item, ctx, i as i64) {
                Ok(()) => stats.kept += 1,
                Err(reason) => stats
                    .rejects
                    .push(Reject::new(i as i64, reason, &item.to_string())),
            }
        }
    }
    if rows.len() > 0 {
        sink(Output::RdsInstances, rows.finish()?)?;
    }
    Ok(stats)
}

struct Rows {
    scalars: RowBuilder,
    tags: MapBuilder<StringBuilder, StringBuilder>,
}

impl Rows {
    fn new() -> Self {
        Rows {
            scalars: RowBuilder::new(scalar_schema()),
            tags: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()),
        }
    }

    fn len(&self) -> usize {
        self.scalars.len()
    }

    fn push(
        &mut self,
        kind: &str,
        item: &Value,
        ctx: &Context<'_>,
        offset: i64,
    ) -> Result<(), String> {
        let obj = item
            .as_object()
            .ok_or_else(|| format!("{kind} entry is not a JSON object"))?;
        let text = |key: &str| {
            obj.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let cluster = kind == "cluster";
        let (id_key, arn_key, res_key) = if cluster {
            ("DBClusterIdentifier", "DBClusterArn", "DbClusterResourceId")
        } else {
            ("DBInstanceIdentifier", "DBInstanceArn", "DbiResourceId")
        };
        let identifier = text(id_key).ok_or_else(|| format!("{kind} entry has no {id_key}"))?;
        let arn = text(arn_key);
        let (account, region) = arn.map(arn_account_region).unwrap_or((None, None));
        let (endpoint, port) = if cluster {
            (text("Endpoint"), obj.get("Port"))
        } else {
            let ep = obj.get("Endpoint");
            (
                ep.and_then(|e| e.get("Address")).and_then(Value::as_str),
                ep.and_then(|e| e.get("Port")),
            )
        };
        let port = match port {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_i64()
                    .and_then(|p| i32::try_from(p).ok())
                    .ok_or_else(|| format!("port `{p}` is not a port number"))?,
            ),
        };
        let iam = match obj.get("IAMDatabaseAuthenticationEnabled") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(format!(
                    "IAMDatabaseAuthenticationEnabled `{other}` is not true or false"
                ));
            }
        };
        let tags = match obj.get("TagList") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => Some(
                list.iter()
                    .map(|t| {
                        let key = t.get("Key").and_then(Value::as_str);
                        let value = t.get("Value").and_then(Value::as_str);
                        key.map(|k| (k, value)).ok_or("a TagList entry has no Key")
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err("TagList is not an array".into()),
        };
        let status = text(if cluster {
            "Status"
        } else {
            "DBInstanceStatus"
        });
        // Validated in full before anything is appended, so a rejected entry leaves no
        // half-built row behind.
        self.scalars.push(&[
            Cell::Str(Some(kind)),
            Cell::Str(Some(identifier)),
            Cell::Str(if cluster {
                None
            } else {
                text("DBClusterIdentifier")
            }),
            Cell::Str(text("Engine")),
            Cell::Str(text("EngineVersion")),
            Cell::Str(text(res_key)),
            Cell::Str(arn),
            Cell::Str(account),
            Cell::Str(region),
            Cell::Str(endpoint),
            Cell::I32(port),
            Cell::Bool(iam),
            Cell::Str(status),
            Cell::Str(text("MasterUsername")),
            Cell::Time(Some(ctx.observed_at)),
            Cell::Str(Some(ctx.source_uri)),
            Cell::Int(Some(offset)),
        ]);
        match tags {
            Some(tags) => {
                for (k, v) in tags {
                    self.tags.keys().append_value(k);
                    self.tags.values().append_option(v);
                }
                self.tags.append(true)
            }
            None => self.tags.append(false),
        }
        .map_err(|e| e.to_string())
    }

    fn finish(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let scalars = self.scalars.finish()?;
        let mut cols: Vec<ArrayRef> = scalars.columns().to_vec();
        cols.insert(TAGS_AT, Arc::new(self.tags.finish()));
        RecordBatch::try_new(schema(), cols)
    }
}

/// `arn:<partition>:rds:<region>:<account>:db:<name>` → (account, region).
fn arn_account_region(arn: &str) -> (Option<&str>, Option<&str>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return (None, None);
    }
    fn pick(s: &str) -> Option<&str> {
        (!s.is_empty()).then_some(s)
    }
    (pick(parts[4]), pick(parts[3]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json_value;
    use serde_json::json;

    fn rows(doc: &str) -> (FileStats, Vec<Value>) {
        let ctx = Context {
            source_uri: "/inv/describe.json",
            observed_at: 1_763_251_200_000_000,
        };
        let mut batches = Vec::new();
        let stats = parse(doc.as_bytes(), &ctx, &mut |out, b| {
            assert_eq!(out, Output::RdsInstances);
            batches.push(b);
            Ok(())
        })
        .unwrap();
        let out = batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows())
                    .map(|r| {
                        let obj: serde_json::Map<String, Value> = b
                            .schema()
                            .fields()
                            .iter()
                            .enumerate()
                            .map(|(i, f)| (f.name().clone(), json_value(b.column(i).as_ref(), r)))
                            .collect();
                        Value::Object(obj)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (stats, out)
    }

    #[test]
    fn instances_and_clusters_with_arn_tags_and_iam() {
        let doc = r#"{
          "DBInstances": [
            {"DBInstanceIdentifier": "ledger-1", "DBClusterIdentifier": "ledger", "Engine": "aurora-postgresql",
             "EngineVersion": "15.4", "DBInstanceStatus": "available", "MasterUsername": "admin",
             "Endpoint": {"Address": "ledger-1.abc.eu-west-1.rds.amazonaws.com", "Port": 5432},
             "DbiResourceId": "db-ABC", "DBInstanceArn": "arn:aws:rds:eu-west-1:111122223333:db:ledger-1",
             "IAMDatabaseAuthenticationEnabled": true,
             "TagList": [{"Key": "Environment", "Value": "production"}, {"Key": "Team", "Value": "ledger"}]},
            {"Engine": "mysql"},
            "junk"
          ],
          "DBClusters": [
            {"DBClusterIdentifier": "ledger", "Engine": "aurora-postgresql", "Status": "available",
             "Endpoint": "ledger.cluster-abc.eu-west-1.rds.amazonaws.com", "Port": 5432,
             "DbClusterResourceId": "cluster-XYZ", "DBClusterArn": "arn:aws:rds:eu-west-1:111122223333:cluster:ledger",
             "IAMDatabaseAuthenticationEnabled": false, "TagList": []}
          ]
        }"#;
        let (stats, rows) = rows(doc);
        assert_eq!((stats.records, stats.kept, stats.rejects.len()), (4, 2, 2));
        assert_eq!(stats.rejects[0].offset, 1);
        assert_eq!(
            stats.rejects[0].reason,
            "instance entry has no DBInstanceIdentifier"
        );
        assert_eq!(
            stats.rejects[1].reason,
            "instance entry is not a JSON object"
        );
        assert_eq!(
            rows,
            vec![
                json!({"resource_kind": "instance", "identifier": "ledger-1", "cluster_identifier": "ledger",
                       "engine": "aurora-postgresql", "engine_version": "15.4", "resource_id": "db-ABC",
                       "arn": "arn:aws:rds:eu-west-1:111122223333:db:ledger-1", "account_id": "111122223333",
                       "region": "eu-west-1", "endpoint": "ledger-1.abc.eu-west-1.rds.amazonaws.com", "port": 5432,
                       "iam_auth": true, "status": "available", "master_username": "admin",
                       "tags": {"Environment": "production", "Team": "ledger"},
                       "observed_at": "2025-11-16T00:00:00Z", "source_uri": "/inv/describe.json", "source_offset": 0}),
                json!({"resource_kind": "cluster", "identifier": "ledger", "cluster_identifier": null,
                       "engine": "aurora-postgresql", "engine_version": null, "resource_id": "cluster-XYZ",
                       "arn": "arn:aws:rds:eu-west-1:111122223333:cluster:ledger", "account_id": "111122223333",
                       "region": "eu-west-1", "endpoint": "ledger.cluster-abc.eu-west-1.rds.amazonaws.com",
                       "port": 5432, "iam_auth": false, "status": "available", "master_username": null,
                       "tags": {}, "observed_at": "2025-11-16T00:00:00Z", "source_uri": "/inv/describe.json",
                       "source_offset": 0}),
            ]
        );
    }

    #[test]
    fn other_json_is_not_an_inventory() {
        let ctx = Context {
            source_uri: "x",
            observed_at: 0,
        };
        let mut sink = |_: Output, _: RecordBatch| Ok(());
        for doc in [r#"{"Records": []}"#, "[1]", "not json"] {
            let err = parse(doc.as_bytes(), &ctx, &mut sink).unwrap_err();
            assert!(
                matches!(err, SourceError::NotRdsInventory(_)),
                "{doc}: {err}"
            );
        }
    }

    #[test]
    fn arn_parts() {
        assert_eq!(
            arn_account_region("arn:aws-cn:rds:cn-north-1:123:db:x"),
            (Some("123"), Some("cn-north-1"))
        );
        assert_eq!(arn_account_region("db:x"), (None, None));
    }
}
