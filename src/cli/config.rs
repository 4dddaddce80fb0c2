//! The validated configuration: every value parsed and checked once, with messages
//! that say which flag is wrong and how to write it.

use std::path::PathBuf;

use crate::checks::{self, Check, CheckConfig, Severity};
use crate::engine::{AttributionSettings, SessionFilter, parse_duration, validate_tag_key};
use crate::fetch::AwsOptions;
use crate::fetch::s3::S3Url;
use crate::ingest::{IngestOptions, Input, Settings};
use crate::integrity::{Evidence, Period, PublicKeys};
use crate::inventory::Target;
use crate::lake::LakeLocation;
use crate::lake::compact::CompactOptions;
use crate::report::Format;
use crate::sources::SourceKind;
use crate::sources::cloudtrail::EventFilter;
use crate::sources::mysql_line::Dialect;
use crate::sources::pg::LinePrefix;
use crate::sources::timefmt::{parse_user_time, parse_zone};

use super::args::{RawArgs, RawAws, RawCommand, RawLint, RawRange};
pub use super::lint::LintKind;

#[derive(Debug)]
pub struct Config {
    pub lake: LakeLocation,
    /// How to reach AWS: s3:// inputs and an s3:// lake.
    pub aws: AwsOptions,
    pub attribution: AttributionSettings,
    /// tagtrail.toml (or the defaults).
    pub checks: CheckConfig,
    pub command: Command,
}

#[derive(Debug)]
pub enum Command {
    Ingest {
        opts: IngestOptions,
        /// Update the session index after the run.
        index: bool,
    },
    /// Build the session index (`force`: even when it is current).
    Index {
        force: bool,
    },
    Who {
        object: String,
        since: i64,
        until: i64,
        format: Format,
        explain: bool,
    },
    Sessions {
        filter: SessionFilter,
        since: i64,
        until: i64,
        format: Format,
    },
    Timeline {
        subject: String,
        since: i64,
        until: i64,
        format: Format,
    },
    Trace {
        options: crate::trace::TraceOptions,
        format: Format,
    },
    Query {
        sql: String,
        format: Format,
    },
    Ddl {
        engine: crate::ddl::SqlEngine,
        location: Option<String>,
        query: Option<String>,
    },
    Demo {
        format: Format,
    },
    Synth {
        out: PathBuf,
        /// `None`: the demo week.
        spec: Option<crate::synth::org::OrgSpec>,
    },
    VerifyDigests {
        evidence: Evidence,
        keys: PublicKeys,
        period: Period,
        aws: AwsOptions,
    },
    Inventory {
        targets: Vec<Target>,
    },
    Checks {
        /// One check's documentation; `None` lists them all.
        check: Option<&'static Check>,
    },
    Findings {
        checks: Vec<&'static Check>,
        since: i64,
        until: i64,
        min_severity: Severity,
        fail_on: Option<Severity>,
        format: Format,
    },
    Lint {
        kind: LintKind,
        files: Vec<PathBuf>,
    },
    Report(super::weekly_report::ReportOptions),
    Compact(CompactOptions),
}

#[derive(Debug, thiserror::Error)]
#[error("{flag}: {message}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub message: String,
}

fn bad(flag: &'static str) -> impl FnOnce(String) -> ConfigError {
    move |message| ConfigError { flag, message }
}

fn format(name: &str) -> Format {
    Format::from_name(name).expect("clap restricts --format to known names")
}

impl Config {
    pub fn from_args(raw: RawArgs) -> Result<Config, ConfigError> {
        let file = CheckConfig::discover(raw.config.as_deref())
            .map_err(|e| bad("--config")(e.to_string()))?;
        let lake = LakeLocation::parse(&raw.lake).map_err(bad("--lake"))?;
        let aws = aws_options(raw.aws);
        let command = match raw.command {
            RawCommand::Ingest {
                paths,
                instance,
                tz,
                kind,
                log_line_prefix,
                events,
                range,
                threads,
                mysql_dialect,
                no_index,
            } => {
                let (since, until) = optional_range(&range)?;
                let opts = IngestOptions {
                    inputs: paths
                        .iter()
                        .map(|p| parse_input(p))
                        .collect::<Result<_, _>>()
                        .map_err(bad("PATH"))?,
                    settings: Settings {
                        kind: kind
                            .as_deref()
                            .map(|k| SourceKind::from_name(k).expect("clap restricts --kind")),
                        instance: match instance {
                            Some(i) if i.trim().is_empty() => {
                                return Err(bad("--instance")("must not be empty".into()));
                            }
                            other => other,
                        },
                        tz: parse_zone(&tz).map_err(bad("--tz"))?,
                        events: EventFilter::parse(&events).map_err(bad("--events"))?,
                        mysql_dialect: mysql_dialect.as_deref().map(|d| {
                            Dialect::from_name(d).expect("clap restricts --mysql-dialect")
                        }),
                        log_line_prefix: LinePrefix::compile(&log_line_prefix)
                            .map_err(|e| bad("--log-line-prefix")(e.to_string()))?,
                    },
                    since,
                    until,
                    aws: aws.clone(),
                    threads: match threads {
                        Some(0) => return Err(bad("--threads")("must be at least 1".into())),
                        Some(n) => n,
                        None => crate::ingest::default_threads(),
                    },
                };
                Command::Ingest {
                    opts,
                    index: !no_index,
                }
            }
            RawCommand::Index { force } => Command::Index { force },
            RawCommand::Who {
                object,
                range,
                format: f,
                explain,
            } => {
                let (since, until) = range_bounds(&range)?;
                Command::Who {
                    object: validate_object(&object).map_err(bad("OBJECT"))?,
                    since,
                    until,
                    format: format(&f),
                    explain,
                }
            }
            RawCommand::Sessions {
                person,
                db_user,
                instance,
                unattributed,
                range,
                format: f,
            } => {
                let (since, until) = range_bounds(&range)?;
                Command::Sessions {
                    filter: SessionFilter {
                        person,
                        db_user,
                        instance,
                        unattributed,
                    },
                    since,
                    until,
                    format: format(&f),
                }
            }
            RawCommand::Timeline {
                subject,
                range,
                format: f,
            } => {
                let (since, until) = range_bounds(&range)?;
                if subject.trim().is_empty() {
                    return Err(bad("PERSON|DB_USER")("must not be empty".into()));
                }
                Command::Timeline {
                    subject,
                    since,
                    until,
                    format: format(&f),
                }
            }
            RawCommand::Trace {
                subject,
                assertions,
                policies,
                range,
                format: f,
            } => {
                let (since, until) = range_bounds(&range)?;
                if subject.trim().is_empty() {
                    return Err(bad("PERSON|DB_USER")("must not be empty".into()));
                }
                Command::Trace {
                    options: crate::trace::TraceOptions {
                        subject,
                        period: crate::trace::Period { since, until },
                        assertions,
                        policies,
                        tag_key: String::new(),
                        skew: 0,
                    },
                    format: format(&f),
                }
            }
            RawCommand::Checks { id } => Command::Checks {
                check: id.as_deref().map(check_by_id).transpose()?,
            },
            RawCommand::Findings {
                range,
                checks: ids,
                min_severity,
                fail_on,
                format: f,
            } => {
                let (since, until) = range_bounds(&range)?;
                let checks = if ids.is_empty() {
                    checks::ALL
                        .iter()
                        .copied()
                        .filter(|c| !file.disabled.iter().any(|d| d == c.id))
                        .collect()
                } else {
                    ids.iter()
                        .map(|id| check_by_id(id))
                        .collect::<Result<_, _>>()?
                };
                let severity = |s: Option<String>| {
                    s.map(|s| Severity::from_name(&s).expect("clap restricts severities"))
                };
                Command::Findings {
                    checks,
                    since,
                    until,
                    min_severity: severity(min_severity).unwrap_or(Severity::Info),
                    fail_on: severity(fail_on),
                    format: format(&f),
                }
            }
            RawCommand::Report {
                week,
                range,
                format: f,
                out,
                shared,
            } => Command::Report(super::weekly_report::options(
                week.as_deref(),
                optional_range(&range)?,
                f.as_deref(),
                (out, shared),
                &file,
            )?),
            RawCommand::Query { sql, format: f } => Command::Query {
                sql,
                format: format(&f),
            },
            RawCommand::Ddl {
                engine,
                location,
                query,
            } => ddl_command(&engine, location, query)?,
            RawCommand::Demo { format: f } => Command::Demo { format: format(&f) },
            RawCommand::Synth {
                out,
                people,
                days,
                seed,
                start,
                app_sessions_per_hour,
                demo,
            } => Command::Synth {
                out,
                spec: match (demo, people, days) {
                    (false, Some(people), Some(days)) => Some(super::synth::spec(
                        people,
                        days,
                        seed,
                        start.as_deref(),
                        app_sessions_per_hour,
                    )?),
                    _ => None,
                },
            },
            RawCommand::Compact {
                row_group_rows,
                fan_in,
            } => {
                if row_group_rows == 0 {
                    return Err(bad("--row-group-rows")("must be at least 1".into()));
                }
                if fan_in < 2 {
                    return Err(bad("--fan-in")(
                        "must be at least 2: a merge reads two parts or more".into(),
                    ));
                }
                Command::Compact(CompactOptions {
                    row_group_rows,
                    fan_in,
                    ..CompactOptions::default()
                })
            }
            RawCommand::Lint { what } => match what {
                RawLint::Saml { files } => Command::Lint {
                    kind: LintKind::Saml,
                    files,
                },
                RawLint::Policy { files } => Command::Lint {
                    kind: LintKind::Policy,
                    files,
                },
            },
            RawCommand::Inventory { urls, instance } => Command::Inventory {
                targets: inventory_targets(&urls, instance.as_deref())?,
            },
            RawCommand::VerifyDigests {
                dir,
                public_keys,
                range,
            } => {
                let evidence = match dir.to_str().filter(|d| d.starts_with("s3://")) {
                    Some(url) => Evidence::S3(S3Url::parse(url).map_err(bad("DIR"))?),
                    None if !dir.is_dir() => {
                        return Err(bad("DIR")(format!("{} is not a directory", dir.display())));
                    }
                    None => Evidence::Dir(dir),
                };
                if matches!(evidence, Evidence::Dir(_))
                    && matches!(lake, LakeLocation::Local(_))
                    && aws != AwsOptions::default()
                {
                    return Err(bad("DIR")(
                        "--profile, --region and --endpoint-url apply to an s3:// URL only".into(),
                    ));
                }
                let mut keys = PublicKeys::new();
                for path in &public_keys {
                    keys.load_file(path)
                        .map_err(|e| bad("--public-key")(e.to_string()))?;
                }
                let (since, until) = optional_range(&range)?;
                Command::VerifyDigests {
                    evidence,
                    keys,
                    period: Period { since, until },
                    aws: aws.clone(),
                }
            }
        };
        let defaults = AttributionSettings::default();
        let tag_key = match &raw.tag_key {
            Some(k) => validate_tag_key(k).map_err(bad("--tag-key"))?,
            None => file.tag_key.clone().unwrap_or(defaults.tag_key),
        };
        let skew_seconds = match &raw.skew {
            Some(s) => parse_duration(s).map_err(bad("--skew"))?,
            None => file.skew_seconds.unwrap_or(defaults.skew_seconds),
        };
        Ok(Config {
            lake,
            aws,
            attribution: AttributionSettings {
                tag_key,
                skew_seconds,
                ..defaults
            },
            checks: file,
            command,
        })
    }
}

fn check_by_id(id: &str) -> Result<&'static Check, ConfigError> {
    checks::by_id(id).ok_or_else(|| {
        bad("--check")(format!(
            "no check `{id}`; one of: {}",
            checks::ALL
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// `--instance` names one server, so it goes with one URL.
fn inventory_targets(urls: &[String], instance: Option<&str>) -> Result<Vec<Target>, ConfigError> {
    if let Some(i) = instance {
        if i.trim().is_empty() {
            return Err(bad("--instance")("must not be empty".into()));
        }
        if urls.len() > 1 {
            return Err(bad("--instance")(format!(
                "names one instance but {} URLs were given: run tagtrail inventory once per instance",
                urls.len()
            )));
        }
    }
    urls.iter()
        .map(|u| Target::parse(u, instance))
        .collect::<Result<_, _>>()
        .map_err(bad("URL"))
}

fn aws_options(aws: RawAws) -> AwsOptions {
    AwsOptions {
        profile: aws.profile,
        region: aws.region,
        endpoint_url: aws.endpoint_url,
    }
}

/// Unbounded ends become the widest representable range.
fn range_bounds(range: &RawRange) -> Result<(i64, i64), ConfigError> {
    let (since, until) = optional_range(range)?;
    Ok((since.unwrap_or(i64::MIN / 2), until.unwrap_or(i64::MAX / 2)))
}

/// The period as given; `--since` must come before `--until` when both are.
fn optional_range(range: &RawRange) -> Result<(Option<i64>, Option<i64>), ConfigError> {
    let since = range
        .since
        .as_deref()
        .map(parse_user_time)
        .transpose()
        .map_err(bad("--since"))?;
    let until = range
        .until
        .as_deref()
        .map(parse_user_time)
        .transpose()
        .map_err(bad("--until"))?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(bad("--since")("must be before --until".into()));
    }
    Ok((since, until))
}

/// `database.table`, with optional backticks: `shop.customers`, `` `shop`.`customers` ``.
fn validate_object(object: &str) -> Result<String, String> {
    let cleaned = object.replace('`', "");
    match cleaned.split_once('.') {
        Some((db, table)) if !db.is_empty() && !table.is_empty() && !table.contains('.') => {
            Ok(cleaned)
        }
        _ => Err(format!(
            "`{object}` is not database.table (for example shop.customers)"
        )),
    }
}

/// A local path, or an `s3://` URL.
fn parse_input(text: &str) -> Result<Input, String> {
    if text.starts_with("s3://") {
        S3Url::parse(text).map(Input::S3)
    } else if let Some(region) = text.strip_prefix("cloudtrail-api:") {
        if !region.is_empty()
            && !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!("`{region}` is not an AWS region name"));
        }
        Ok(Input::CloudTrailApi(
            (!region.is_empty()).then(|| region.to_string()),
        ))
    } else if text.contains("://") {
        Err(format!(
            "`{text}`: only local paths and s3:// URLs can be ingested"
        ))
    } else {
        Ok(Input::Local(PathBuf::from(text)))
    }
}

/// `--location` is a URI with a scheme (Athena: `s3://`), so the DDL never points an
/// engine at a path it would read relative to its own working directory.
fn ddl_command(
    engine: &str,
    location: Option<String>,
    query: Option<String>,
) -> Result<Command, ConfigError> {
    let engine = crate::ddl::SqlEngine::from_name(engine)
        .ok_or_else(|| bad("--engine")(format!("{engine}: expected athena or spark")))?;
    if let Some(l) = &location {
        let scheme = l.split_once("://").map(|(s, _)| s);
        match (engine, scheme) {
            (crate::ddl::SqlEngine::Athena, Some("s3")) => {}
            (crate::ddl::SqlEngine::Athena, _) => {
                return Err(bad("--location")(format!(
                    "{l}: Athena reads only S3; copy the lake there and pass s3://bucket/prefix"
                )));
            }
            (_, Some(s)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => {}
            _ => {
                return Err(bad("--location")(format!(
                    "{l}: expected a URI such as s3://bucket/prefix or file:///path/to/lake"
                )));
            }
        }
    } else if engine == crate::ddl::SqlEngine::Athena && query.is_none() {
        return Err(bad("--location")(
            "Athena reads only S3: pass --location s3://bucket/prefix (where the lake is copied)"
                .into(),
        ));
    }
    Ok(Command::Ddl {
        engine,
        location,
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        Config::from_args(RawArgs::try_parse_from(args).expect("clap accepts"))
    }

    #[test]
    fn the_lake_is_a_directory_or_an_s3_url_reached_with_the_aws_flags() {
        let c = parse(&[
            "tagtrail",
            "compact",
            "--lake",
            "s3://evidence/lake/",
            "--endpoint-url",
            "http://127.0.0.1:5000",
            "--row-group-rows",
            "1000",
            "--fan-in",
            "4",
        ])
        .unwrap();
        assert_eq!(
            c.lake,
            LakeLocation::S3(S3Url {
                bucket: "evidence".into(),
                prefix: "lake/".into()
            })
        );
        assert_eq!(c.aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert!(
            matches!(c.command, Command::Compact(o) if o.row_group_rows == 1000 && o.fan_in == 4)
        );
        let e = parse(&["tagtrail", "who", "a.b", "--lake", "gs://x/y"]).unwrap_err();
        assert_eq!(e.flag, "--lake");
        let e = parse(&["tagtrail", "compact", "--row-group-rows", "0"]).unwrap_err();
        assert_eq!(e.flag, "--row-group-rows");
        let e = parse(&["tagtrail", "compact", "--fan-in", "1"]).unwrap_err();
        assert_eq!(e.flag, "--fan-in");
        let c = parse(&["tagtrail", "compact"]).unwrap();
        assert!(matches!(c.command, Command::Compact(o) if o == CompactOptions::default()));
    }

    #[test]
    fn who_validates_object_and_range() {
        let c = parse(&[
            "tagtrail",
            "who",
            "`shop`.`customers`",
            "--since",
            "2026-11-17",
            "--lake",
            "/x",
        ])
        .unwrap();
        assert_eq!(c.lake, LakeLocation::Local(PathBuf::from("/x")));
        assert_eq!(c.attribution, AttributionSettings::default());
        match c.command {
            Command::Who {
                object,
                since,
                until,
                format,
                explain,
            } => {
                assert_eq!(object, "shop.customers");
                assert_eq!(since, parse_user_time("2026-11-17").unwrap());
                assert!(until > since);
                assert_eq!(format, Format::Table);
                assert!(!explain);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(&["tagtrail", "who", "customers"]).unwrap_err().flag,
            "OBJECT"
        );
        assert_eq!(
            parse(&["tagtrail", "who", "a.b", "--until", "yesterday"])
                .unwrap_err()
                .flag,
            "--until"
        );
        let e = parse(&[
            "tagtrail",
            "who",
            "a.b",
            "--since",
            "2026-11-18",
            "--until",
            "2026-11-17",
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "--since: must be before --until");
    }

    #[test]
    fn verify_digests_checks_dir_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let e = parse(&["tagtrail", "verify-digests", &format!("{d}/nope")]).unwrap_err();
        assert_eq!(e.flag, "DIR");
        let key = dir.path().join("key.pem");
        std::fs::write(&key, "garbage").unwrap();
        let e = parse(&[
            "tagtrail",
            "verify-digests",
            "--public-key",
            key.to_str().unwrap(),
            d,
        ])
        .unwrap_err();
        assert_eq!(e.flag, "--public-key");
        assert!(e.message.contains("key.pem"), "{}", e.message);
        match parse(&["tagtrail", "verify-digests", d]).unwrap().command {
            Command::VerifyDigests {
                evidence,
                keys,
                period,
                ..
            } => {
                assert_eq!(evidence, Evidence::Dir(dir.path().to_path_buf()));
                assert!(keys.is_empty());
                assert_eq!(period, Period::default());
            }
            other => panic!("{other:?}"),
        }
        let e = parse(&["tagtrail", "verify-digests", d, "--region", "eu-west-1"]).unwrap_err();
        assert_eq!(e.flag, "DIR");
    }

    #[test]
    fn verify_digests_takes_s3_urls_periods_and_aws_cli_flags() {
        let cmd = parse(&[
            "tagtrail",
            "verify-digests",
            "s3://trail-bucket/org/",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-17T12:00:00Z",
            "--endpoint-url",
            "http://127.0.0.1:5000",
            "--profile",
            "audit",
        ])
        .unwrap()
        .command;
        let Command::VerifyDigests {
            evidence,
            keys,
            period,
            aws,
        } = cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            evidence,
            Evidence::S3(S3Url {
                bucket: "trail-bucket".into(),
                prefix: "org/".into()
            })
        );
        assert!(keys.is_empty());
        assert_eq!(
            period,
            Period {
                since: crate::sources::timefmt::parse_iso("2026-11-16T00:00:00Z"),
                until: crate::sources::timefmt::parse_iso("2026-11-17T12:00:00Z"),
            }
        );
        assert_eq!(
            aws,
            AwsOptions {
                profile: Some("audit".into()),
                region: None,
                endpoint_url: Some("http://127.0.0.1:5000".into()),
            }
        );
        assert_eq!(
            parse(&["tagtrail", "verify-digests", "s3://"])
                .unwrap_err()
                .flag,
            "DIR"
        );
        assert_eq!(
            parse(&[
                "tagtrail",
                "verify-digests",
                "s3://b",
                "--since",
                "2026-11-17",
                "--until",
                "2026-11-16"
            ])
            .unwrap_err()
            .flag,
            "--since"
        );
    }

    #[test]
    fn ingest_validates_zone() {
        assert_eq!(
            parse(&["tagtrail", "ingest", "x", "--tz", "Nowhere/City"])
                .unwrap_err()
                .flag,
            "--tz"
        );
        match parse(&[
            "tagtrail",
            "ingest",
            "x",
            "--tz",
            "Europe/Berlin",
            "--kind",
            "mysql-audit",
            "--mysql-dialect",
            "aurora",
        ])
        .unwrap()
        .command
        {
            Command::Ingest { opts: o, .. } => {
                assert_eq!(o.settings.tz, chrono_tz::Europe::Berlin);
                assert_eq!(o.settings.kind, Some(SourceKind::MysqlAudit));
                assert_eq!(o.settings.mysql_dialect, Some(Dialect::Aurora));
                assert_eq!(o.settings.log_line_prefix.as_str(), "%t:%r:%u@%d:[%p]:");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ingest_compiles_the_log_line_prefix() {
        match parse(&[
            "tagtrail",
            "ingest",
            "x",
            "--kind",
            "pg-stderr",
            "--log-line-prefix",
            "%m [%p] %q%u@%d ",
        ])
        .unwrap()
        .command
        {
            Command::Ingest { opts: o, .. } => {
                assert_eq!(o.settings.kind, Some(SourceKind::PgStderr));
                assert_eq!(o.settings.log_line_prefix.as_str(), "%m [%p] %q%u@%d ");
            }
            other => panic!("{other:?}"),
        }
        for (prefix, message) in [
            ("%t %z ", "`%z` is not a log_line_prefix escape"),
            (
                "[%p] %u@%d ",
                "has no time escape (%t, %m or %n), so its lines cannot be placed in time",
            ),
            ("%t %", "ends with a lone `%`"),
        ] {
            let e = parse(&["tagtrail", "ingest", "x", "--log-line-prefix", prefix]).unwrap_err();
            assert_eq!(e.to_string(), format!("--log-line-prefix: {message}"));
        }
    }

    #[test]
    fn ingest_takes_s3_urls_and_aws_cli_flags() {
        let cmd = parse(&[
            "tagtrail",
            "ingest",
            "s3://trail-bucket/org",
            "local/dir",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-17",
            "--profile",
            "audit",
            "--region",
            "eu-west-1",
            "--endpoint-url",
            "http://127.0.0.1:5000",
        ])
        .unwrap()
        .command;
        let Command::Ingest { opts: o, .. } = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(
            o.inputs,
            [
                Input::S3(S3Url {
                    bucket: "trail-bucket".into(),
                    prefix: "org".into()
                }),
                Input::Local(PathBuf::from("local/dir"))
            ]
        );
        assert_eq!(
            (o.since, o.until),
            (
                crate::sources::timefmt::parse_iso("2026-11-16T00:00:00Z"),
                crate::sources::timefmt::parse_iso("2026-11-17T00:00:00Z")
            )
        );
        assert_eq!(
            o.aws,
            AwsOptions {
                profile: Some("audit".into()),
                region: Some("eu-west-1".into()),
                endpoint_url: Some("http://127.0.0.1:5000".into()),
            }
        );
        for bad_input in ["s3://", "gs://bucket/x"] {
            assert_eq!(
                parse(&["tagtrail", "ingest", bad_input]).unwrap_err().flag,
                "PATH"
            );
        }
    }

    #[test]
    fn attribution_flags_are_validated() {
        let c = parse(&[
            "tagtrail",
            "--tag-key",
            "DbUser",
            "--skew",
            "90s",
            "sessions",
        ])
        .unwrap();
        assert_eq!(c.attribution.tag_key, "DbUser");
        assert_eq!(c.attribution.skew_seconds, 90);
        assert_eq!(
            parse(&["tagtrail", "sessions", "--skew", "2m"])
                .unwrap()
                .attribution
                .skew_seconds,
            120
        );
        assert_eq!(
            parse(&["tagtrail", "sessions", "--skew", "1h"])
                .unwrap()
                .attribution
                .skew_seconds,
            3600
        );
        assert_eq!(
            parse(&["tagtrail", "sessions", "--skew", "0"])
                .unwrap()
                .attribution
                .skew_seconds,
            0
        );
        assert_eq!(
            parse(&["tagtrail", "sessions", "--skew", "5 min"])
                .unwrap_err()
                .flag,
            "--skew"
        );
        assert_eq!(
            parse(&["tagtrail", "sessions", "--skew=-5m"])
                .unwrap_err()
                .flag,
            "--skew"
        );
        assert_eq!(
            parse(&["tagtrail", "sessions", "--tag-key", "a,b"])
                .unwrap_err()
                .flag,
            "--tag-key"
        );
        match parse(&["tagtrail", "sessions", "--person", "p@x", "--unattributed"])
            .unwrap()
            .command
        {
            Command::Sessions { filter, .. } => assert_eq!(
                filter,
                SessionFilter {
                    person: Some("p@x".into()),
                    unattributed: true,
                    ..SessionFilter::default()
                }
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(&["tagtrail", "timeline", " "]).unwrap_err().flag,
            "PERSON|DB_USER"
        );
    }

    #[test]
    fn ddl_location_is_a_uri_and_s3_for_athena() {
        let err = parse(&[
            "tagtrail",
            "ddl",
            "--engine",
            "spark",
            "--location",
            "/tmp/lake",
        ])
        .unwrap_err();
        assert_eq!(
            (err.flag, err.message.as_str()),
            (
                "--location",
                "/tmp/lake: expected a URI such as s3://bucket/prefix or file:///path/to/lake"
            )
        );
        assert_eq!(
            parse(&["tagtrail", "ddl", "--engine", "athena"])
                .unwrap_err()
                .flag,
            "--location"
        );
        assert!(matches!(
            parse(&["tagtrail", "ddl", "--engine", "athena", "--query", "who"])
                .unwrap()
                .command,
            Command::Ddl { location: None, .. }
        ));
        assert!(
            parse(&[
                "tagtrail",
                "ddl",
                "--engine",
                "spark",
                "--location",
                "s3a://b/lake"
            ])
            .is_ok()
        );
    }
}
