//! Each link's evidence from the lake: one query per file under `queries/trace/`.

use datafusion::scalar::ScalarValue;

use super::TraceError;
use super::columns::{Row, rows};
use super::facts::{
    Assertion, DbAccount, Facts, Federation, FederationFailure, Grant, IdpEvent, Login, Micros,
    SamlAttribute,
};
use crate::engine::Engine;

macro_rules! query {
    ($name:literal) => {
        include_str!(concat!("../../queries/trace/", $name, ".sql"))
    };
}

fn text(s: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(s.to_string()))
}

fn ts(t: Micros) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(t), Some("UTC".into()))
}

/// The period a trace looks at.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub since: Micros,
    pub until: Micros,
}

async fn run(
    engine: &Engine,
    sql: &str,
    params: Vec<ScalarValue>,
) -> Result<Vec<arrow::record_batch::RecordBatch>, TraceError> {
    Ok(engine.sql_with(sql, params).await?)
}

async fn for_person(
    engine: &Engine,
    sql: &str,
    who: &str,
    p: Period,
) -> Result<Vec<arrow::record_batch::RecordBatch>, TraceError> {
    run(engine, sql, vec![text(who), ts(p.since), ts(p.until)]).await
}

/// Fills everything the lake knows about `subject`; files are added by the caller.
pub async fn load(
    engine: &Engine,
    subject: &str,
    p: Period,
    skew: Micros,
) -> Result<Facts, TraceError> {
    let mut f = Facts {
        subject: subject.to_string(),
        skew,
        ..Facts::default()
    };
    for r in rows(&run(engine, query!("persons"), vec![text(subject)]).await?) {
        f.persons.push(r.text_or_empty("person")?);
    }
    let persons = f.persons.clone();
    for person in &persons {
        for r in rows(&for_person(engine, query!("sign_ins"), person, p).await?) {
            f.sign_ins.push(idp_event(&r)?);
        }
        for r in rows(&for_person(engine, query!("sso"), person, p).await?) {
            f.sso.push(idp_event(&r)?);
        }
        for r in rows(&for_person(engine, query!("federations"), person, p).await?) {
            f.federations.push(federation(&r)?);
        }
        for r in rows(&for_person(engine, query!("federation_failures"), person, p).await?) {
            f.federation_failures.push(FederationFailure {
                id: r.text_or_empty("id")?,
                time: r.int("time")?.unwrap_or_default(),
                role_name: r.text_or_empty("role_name")?,
                error_code: r.text_or_empty("error_code")?,
                error_message: r.text("error_message")?,
            });
        }
        for r in rows(&for_person(engine, query!("assertions"), person, p).await?) {
            f.assertions.push(assertion(&r)?);
        }
    }
    let mut principals: Vec<(String, String)> = Vec::new();
    for s in &f.federations {
        let permission_set = s.role_name.strip_prefix("AWSReservedSSO_").map_or_else(
            || s.role_name.clone(),
            |rest| {
                rest.rsplit_once('_')
                    .map_or(rest, |(name, _)| name)
                    .to_string()
            },
        );
        let pair = (s.role_name.clone(), permission_set);
        if !principals.contains(&pair) {
            principals.push(pair);
        }
    }
    for (role, permission_set) in &principals {
        let batches = run(
            engine,
            query!("grants"),
            vec![text(role), text(permission_set)],
        )
        .await?;
        for r in rows(&batches) {
            f.grants.push(grant(&r)?);
        }
    }
    let seen = run(engine, query!("inventory_seen"), Vec::new()).await?;
    f.inventory_seen = rows(&seen)
        .next()
        .map(|r| r.bool("seen"))
        .transpose()?
        .flatten()
        .unwrap_or(false);
    let mut names: Vec<String> = super::diagnose::tag_values(&f);
    if !names.iter().any(|n| n.eq_ignore_ascii_case(subject)) && !subject.contains('@') {
        names.push(subject.to_string());
    }
    for name in &names {
        for r in rows(&run(engine, query!("accounts"), vec![text(name)]).await?) {
            let a = account(&r)?;
            if !f.accounts.contains(&a) {
                f.accounts.push(a);
            }
        }
    }
    for who in names.iter().chain(&persons) {
        for r in rows(&for_person(engine, query!("logins"), who, p).await?) {
            let l = login(&r)?;
            if !f.logins.iter().any(|x| x.at == l.at) {
                f.logins.push(l);
            }
        }
    }
    f.logins
        .sort_by(|a, b| (a.time, &a.at).cmp(&(b.time, &b.at)));
    Ok(f)
}

fn idp_event(r: &Row<'_>) -> Result<IdpEvent, TraceError> {
    Ok(IdpEvent {
        id: r.text_or_empty("id")?,
        time: r.int("time")?.unwrap_or_default(),
        success: r.bool("success")?.unwrap_or(false),
        reason: r.text("reason")?.filter(|s| !s.is_empty()),
    })
}

fn federation(r: &Row<'_>) -> Result<Federation, TraceError> {
    Ok(Federation {
        id: r.text_or_empty("id")?,
        time: r.int("time")?.unwrap_or_default(),
        role_name: r.text_or_empty("role_name")?,
        start: r.int("start")?.unwrap_or_default(),
        expiry: r.int("expiry")?.unwrap_or_default(),
        tag_key: r.text_or_empty("tag_key")?,
        tags: r
            .list("tag_keys")?
            .into_iter()
            .zip(r.list("tag_values")?)
            .collect(),
        mfa_status: r.text("mfa_status")?.unwrap_or_else(|| "unknown".into()),
        mfa_evidence: r.text("mfa_evidence")?,
    })
}

fn assertion(r: &Row<'_>) -> Result<Assertion, TraceError> {
    let id = r.text_or_empty("assertion_id")?;
    let at = format!("saml_assertions {id}");
    let mut attributes = Vec::new();
    for (ns, keys, values) in [
        ("PrincipalTag:", "tag_keys", "tag_values"),
        ("AccessControl:", "ac_keys", "ac_values"),
    ] {
        for (k, v) in r.list(keys)?.into_iter().zip(r.list(values)?) {
            attributes.push(SamlAttribute {
                name: format!("https://aws.amazon.com/SAML/Attributes/{ns}{k}"),
                values: vec![v],
                at: at.clone(),
            });
        }
    }
    let target = format!(
        "{} {}",
        r.text_or_empty("audience")?,
        r.text_or_empty("recipient")?
    );
    let roles = r.list("roles")?;
    Ok(Assertion {
        origin: at,
        name_id: None,
        to_identity_center: super::files::identity_center(&target, &roles),
        attributes,
        name_problems: Vec::new(),
    })
}

fn grant(r: &Row<'_>) -> Result<Grant, TraceError> {
    Ok(Grant {
        at: format!(
            "{} statement {} ({})",
            r.text_or_empty("policy_name")?,
            r.int("statement")?.unwrap_or_default(),
            file_name(&r.text_or_empty("source_uri")?)
        ),
        principal: r.text_or_empty("principal_name")?,
        db_user_pattern: r.text_or_empty("db_user_pattern")?,
        kind: r.text_or_empty("grant_kind")?,
        tag_key: r.text("tag_key")?,
    })
}

fn account(r: &Row<'_>) -> Result<DbAccount, TraceError> {
    Ok(DbAccount {
        instance: r.text_or_empty("instance")?,
        user_name: r.text_or_empty("user_name")?,
        auth_plugin: r.text("auth_plugin")?,
        iam: r.bool("iam")?,
    })
}

fn login(r: &Row<'_>) -> Result<Login, TraceError> {
    let instance = r.text_or_empty("instance")?;
    Ok(Login {
        at: format!(
            "{instance}:{}:{}",
            r.int("connection_id")?.unwrap_or_default(),
            r.int("session_seq")?.unwrap_or_default()
        ),
        instance,
        engine: r.text_or_empty("engine")?,
        time: r.int("connect_time")?.unwrap_or_default(),
        db_user: r.text_or_empty("db_user")?,
        success: r.bool("success")?.unwrap_or(false),
        failure_code: r.int("failure_code")?.map(|c| c as i32),
        failure_reason: r.text("failure_reason")?,
        auth_method: r.text("auth_method")?,
        statement_count: r.int("statement_count")?.unwrap_or_default(),
    })
}

/// The file's name only: the lake keeps absolute paths of wherever it was ingested from.
fn file_name(uri: &str) -> &str {
    uri.rsplit(['/', '\\']).next().unwrap_or(uri)
}
