//! How an `rds-db:connect` resource must be written:
//! `arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId|cluster-…|prx-…|*>/<db-user>`.
//! IAM accepts any string as a resource, so a mistyped ARN is no error at policy time —
//! it just never matches, and the login fails with a bare "PAM authentication failed".

use crate::policy::split_arn;

const SHAPE: &str = "arn:aws:rds-db:REGION:ACCOUNT:dbuser:DbiResourceId/DB_USER";

fn wild(s: &str) -> bool {
    s.contains(['*', '?']) || s.contains("${")
}

/// The first problem in how `resource` is written: byte offset in it and message.
/// `rds_db_only`: the statement's actions are all `rds-db:` ones, so a resource of
/// another service is a mistake rather than meant for another action.
pub fn problem(resource: &str, rds_db_only: bool) -> Option<(usize, String)> {
    if resource == "*" {
        return None;
    }
    let parts = split_arn(resource);
    let at = |part: &str| part.as_ptr() as usize - resource.as_ptr() as usize;
    let related = rds_db_only || resource.to_ascii_lowercase().contains("rds");
    if parts[0] != "arn" || parts.len() < 6 {
        if !related || wild(resource) {
            return None;
        }
        return Some((
            0,
            format!("`{resource}` is not an ARN of a database user: {SHAPE}"),
        ));
    }
    let [_, partition, service, region, account, rest] =
        [parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]];
    if service != "rds-db" && !wild(service) {
        let message = if service.eq_ignore_ascii_case("rds-db") {
            format!("service `{service}` must be written `rds-db` (ARNs are case-sensitive)")
        } else if service == "rds" {
            "`rds:` is the RDS management service: database logins are allowed on `rds-db:` ARNs"
                .to_string()
        } else if related {
            format!("rds-db:connect needs an `rds-db` ARN, not `{service}`: {SHAPE}")
        } else {
            return None;
        };
        return Some((at(service), message));
    }
    if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") && !wild(partition) {
        return Some((
            at(partition),
            format!("partition `{partition}` is not aws, aws-cn or aws-us-gov"),
        ));
    }
    if !wild(region) && !is_region(region) {
        let message = if region.is_empty() {
            format!("the region is empty: rds-db ARNs name the database's region ({SHAPE})")
        } else {
            format!("`{region}` is not an AWS region")
        };
        return Some((at(region), message));
    }
    let account_id = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !wild(account) && !account_id {
        return Some((
            at(account),
            format!("account `{account}` is not a 12-digit account id"),
        ));
    }
    rest_problem(rest).map(|(offset, message)| (at(rest) + offset, message))
}

fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The part after the account: `dbuser:<id>/<user>`.
fn rest_problem(rest: &str) -> Option<(usize, String)> {
    if let Some(tail) = rest.strip_prefix("dbuser:") {
        let Some((id, user)) = tail.split_once('/') else {
            return (!wild(tail)).then(|| {
                (
                    rest.len(),
                    format!("no database user after `dbuser:{tail}`: {SHAPE}"),
                )
            });
        };
        if let Some(why) = id_problem(id) {
            return Some(("dbuser:".len(), why));
        }
        return user.is_empty().then(|| {
            (
                rest.len(),
                "the database user after `/` is empty".to_string(),
            )
        });
    }
    if rest.starts_with("dbuser/") {
        return Some((
            0,
            "`dbuser/` where AWS expects `dbuser:` (dbuser:DbiResourceId/DB_USER)".to_string(),
        ));
    }
    if let Some(name) = rest
        .strip_prefix("db:")
        .or_else(|| rest.strip_prefix("cluster:"))
    {
        return Some((
            0,
            format!(
                "`{rest}` names the DB instance or cluster `{name}` (an rds ARN): rds-db:connect needs dbuser:DbiResourceId/DB_USER"
            ),
        ));
    }
    if wild(rest) && "dbuser:".starts_with(&rest[..rest.find(['*', '?']).unwrap_or(0)]) {
        return None;
    }
    Some((0, format!("`{rest}` is not dbuser:DbiResourceId/DB_USER")))
}

/// A `DbiResourceId` (`db-` and uppercase letters and digits), an Aurora cluster's
/// resource id (`cluster-…`), a proxy's (`prx-…`) or a wildcard; an instance name is
/// the common mistake, and it never matches.
fn id_problem(id: &str) -> Option<String> {
    if wild(id) {
        return None;
    }
    let upper = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let proxy = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let ok = id.strip_prefix("db-").is_some_and(upper)
        || id.strip_prefix("cluster-").is_some_and(upper)
        || id.strip_prefix("prx-").is_some_and(proxy);
    if ok {
        return None;
    }
    let lowered_id = ["db-", "cluster-"].iter().any(|p| {
        id.strip_prefix(p)
            .is_some_and(|s| s.len() >= 16 && !s.contains('-') && upper(&s.to_ascii_uppercase()))
    });
    Some(if lowered_id {
        format!(
            "`{id}`: resource ids are uppercase (`{}`)",
            id.to_ascii_uppercase()
                .replacen("DB-", "db-", 1)
                .replacen("CLUSTER-", "cluster-", 1)
        )
    } else {
        format!(
            "`{id}` looks like a DB instance name, not its DbiResourceId (`db-` and 26 uppercase letters and digits: aws rds describe-db-instances --query 'DBInstances[].DbiResourceId'): the ARN never matches"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/${aws:PrincipalTag/Username}";

    fn p(r: &str) -> Option<(usize, String)> {
        problem(r, true)
    }

    #[test]
    fn well_formed_resources_pass() {
        for r in [
            GOOD,
            "*",
            "arn:aws:rds-db:*:*:dbuser:*/*",
            "arn:aws:rds-db:eu-west-1:111122223333:dbuser:*",
            "arn:aws:rds-db:us-gov-west-1:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY2/app",
            "arn:aws:rds-db:eu-west-1:111122223333:dbuser:prx-0123456789abcdef0/app",
            "arn:aws:rds-db:eu-west-1:${aws:PrincipalAccount}:dbuser:db-ABC/u",
            "arn:aws:rds-db:*",
        ] {
            assert_eq!(p(r), None, "{r}");
        }
        // Another service's resource in a statement with `*` actions is not ours.
        assert_eq!(problem("arn:aws:s3:::bucket/*", false), None);
    }

    #[test]
    fn near_misses_point_at_the_wrong_part() {
        let cases = [
            (
                "arn:aws:rds:eu-west-1:111122223333:dbuser:db-ABC/u",
                8,
                "`rds:` is the RDS management service",
            ),
            (
                "arn:aws:RDS-DB:eu-west-1:111122223333:dbuser:db-ABC/u",
                8,
                "service `RDS-DB` must be written `rds-db`",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser/db-ABC/u",
                38,
                "`dbuser/` where AWS expects `dbuser:`",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:shop-prod/u",
                45,
                "`shop-prod` looks like a DB instance name",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-shop-prod/u",
                45,
                "`db-shop-prod` looks like a DB instance name",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-abcdefghijklmnopqrstuvwxy1/u",
                45,
                "`db-abcdefghijklmnopqrstuvwxy1`: resource ids are uppercase (`db-ABCDEFGHIJKLMNOPQRSTUVWXY1`)",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:db:shop-prod",
                38,
                "`db:shop-prod` names the DB instance or cluster `shop-prod`",
            ),
            (
                "arn:aws:rds-db::111122223333:dbuser:db-ABC/u",
                15,
                "the region is empty",
            ),
            (
                "arn:aws:rds-db:euwest1:111122223333:dbuser:db-ABC/u",
                15,
                "`euwest1` is not an AWS region",
            ),
            (
                "arn:aws:rds-db:eu-west-1:1111:dbuser:db-ABC/u",
                25,
                "account `1111` is not a 12-digit account id",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABC",
                51,
                "no database user after `dbuser:db-ABC`",
            ),
            (
                "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABC/",
                52,
                "the database user after `/` is empty",
            ),
            (
                "rds-db:eu-west-1:111122223333:dbuser:db-ABC/u",
                0,
                "is not an ARN of a database user",
            ),
            (
                "arn:aws:s3:::bucket",
                8,
                "rds-db:connect needs an `rds-db` ARN, not `s3`",
            ),
        ];
        for (r, at, start) in cases {
            let (got_at, message) = p(r).unwrap_or_else(|| panic!("{r}: no problem"));
            assert_eq!(got_at, at, "{r}: {message}");
            assert!(message.contains(start), "{r}: {message}");
        }
    }
}
