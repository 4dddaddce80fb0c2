//! Raw command-line flags as clap parses them. Validation happens in [`super::config`],
//! so this file is only the shape of the command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tagtrail",
    version,
    about = "Which person touched this data? Attributes Amazon RDS database sessions to the federated people behind them.",
    long_about = None
)]
pub struct RawArgs {
    /// Lake directory or `s3://bucket/prefix` (Parquet tables written by `ingest`); on
    /// S3 reached with the AWS flags below, as ingestion reaches a trail bucket.
    #[arg(
        long,
        global = true,
        env = "TAGTRAIL_LAKE",
        default_value = "./tagtrail-lake",
        value_name = "DIR|s3://BUCKET/PREFIX"
    )]
    pub lake: String,

    #[command(flatten)]
    pub aws: RawAws,

    /// Session-tag key that names the database user, for roles and permission sets whose
    /// `rds-db:connect` policy is not in the lake (a policy's `${aws:PrincipalTag/KEY}`
    /// wins). Keys compare case-insensitively, as IAM does. Default: tagtrail.toml's
    /// `[attribution] tag_key`, else Username.
    #[arg(long, global = true, value_name = "KEY")]
    pub tag_key: Option<String>,

    /// Clock skew allowed around a federated session's validity when matching database
    /// connections: seconds, or a number with s, m or h. Default: tagtrail.toml's
    /// `[attribution] skew`, else 5m.
    #[arg(long, global = true, value_name = "DURATION")]
    pub skew: Option<String>,

    /// Configuration file (tag key, required tags, naming convention, vocabulary,
    /// thresholds, severities, disabled checks, exceptions). Default: ./tagtrail.toml
    /// when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: RawCommand,
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

#[derive(Debug, Subcommand)]
pub enum RawCommand {
    /// Read CloudTrail log files and database audit logs into the lake.
    Ingest {
        /// Files or directories (walked recursively), `s3://bucket/prefix` holding
        /// CloudTrail's `AWSLogs/…` layout, or `cloudtrail-api:<region>` for the
        /// LookupEvents API (event history, last 90 days).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// RDS instance that wrote the audit logs (default: from the path, `rds/<instance>/…`).
        #[arg(long, value_name = "ID")]
        instance: Option<String>,
        /// Time zone of audit-log timestamps that carry none, and of PostgreSQL zone
        /// abbreviations other than UTC/GMT (the server's log_timezone; RDS logs UTC).
        #[arg(long, default_value = "UTC", value_name = "ZONE")]
        tz: String,
        /// Force the format instead of detecting it from the content.
        #[arg(long, value_parser = ["cloudtrail", "mysql-audit", "pg-stderr", "pg-csvlog", "iam-policy", "rds-inventory", "db-users", "okta", "saml"])]
        kind: Option<String>,
        /// PostgreSQL `log_line_prefix` of stderr logs (RDS and Aurora always use the default).
        #[arg(long, default_value = crate::sources::pg::RDS_PREFIX, value_name = "PREFIX")]
        log_line_prefix: String,
        /// CloudTrail events kept in `cloudtrail_events`, comma-separated; `default` is
        /// the built-in list (sign-in, role chaining, RDS and policy changes), so
        /// `default,DescribeDBInstances` adds one. AssumeRoleWithSAML is always kept.
        #[arg(long, default_value = "default", value_name = "NAMES")]
        events: String,
        /// Worker threads decoding local files (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// For s3:// inputs, list only the CloudTrail day folders of this period.
        /// MySQL-family audit log writer, when detection from each file's first line
        /// would be wrong: `mariadb` (RDS for MariaDB), `rds-mysql` (AWS's fork on RDS for
        /// MySQL), `aurora` (Aurora MySQL Advanced Auditing).
        #[arg(long, value_parser = ["mariadb", "rds-mysql", "aurora"], value_name = "DIALECT")]
        mysql_dialect: Option<String>,
        /// Do not update the session index after the run (reports and findings then
        /// group every db event into sessions at each run, until `tagtrail index`).
        #[arg(long)]
        no_index: bool,
        #[command(flatten)]
        range: RawRange,
    },
    /// Who accessed a table: one row per person, database user and instance.
    Who {
        /// The table, as `database.table`.
        #[arg(value_name = "OBJECT")]
        object: String,
        #[command(flatten)]
        range: RawRange,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
        /// Add the evidence behind each row: sessions, client hosts, the AssumeRoleWithSAML
        /// events, how each session was attributed (or why not) and the MFA evidence.
        #[arg(long)]
        explain: bool,
    },
    /// Database sessions with the person behind each, how sure, and MFA status.
    Sessions {
        /// Only sessions of this person (SAML subject / IdP login), attributed or candidate.
        #[arg(long, value_name = "PERSON")]
        person: Option<String>,
        /// Only sessions of this database user.
        #[arg(long, value_name = "USER")]
        db_user: Option<String>,
        /// Only sessions on this RDS instance.
        #[arg(long, value_name = "ID")]
        instance: Option<String>,
        /// Only sessions no person could be found for (with the reason).
        #[arg(long)]
        unattributed: bool,
        #[command(flatten)]
        range: RawRange,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
    },
    /// Everything about one person or database user in time order: Okta sign-in and MFA,
    /// SSO to AWS, AssumeRoleWithSAML with its tags, the session's AWS calls, database
    /// logins, statements and logouts. CSV loads into Timesketch.
    Timeline {
        /// A person (SAML subject / Okta login) or a database user.
        #[arg(value_name = "PERSON|DB_USER")]
        subject: String,
        #[command(flatten)]
        range: RawRange,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
    },
    /// Follow one person or database user along the chain IdP sign-in → MFA → SSO →
    /// SAML attributes → AssumeRoleWithSAML tags → rds-db:connect policy → db user → db
    /// login → statements, and say where it breaks, with the evidence.
    Trace {
        /// A person (SAML subject / Okta login) or a database user.
        #[arg(value_name = "PERSON|DB_USER")]
        subject: String,
        /// A captured SAML response or assertion (XML or the base64 SAMLResponse form
        /// value) to check the attributes the IdP sends. Repeat for several.
        #[arg(long = "assertion", value_name = "FILE")]
        assertions: Vec<PathBuf>,
        /// IAM role or permission-set policy files granting rds-db:connect (default: the
        /// policies in the lake). Repeat for several.
        #[arg(long = "policy", value_name = "FILE", num_args = 1..)]
        policies: Vec<PathBuf>,
        #[command(flatten)]
        range: RawRange,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "md"])]
        format: String,
    },
    /// The compliance checks, with what each finds, why it matters and how to fix it.
    Checks {
        /// Show this check's whole documentation.
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Run the compliance checks over the lake: shared accounts, tag hygiene, missing
    /// MFA, logins outside session windows, and the other ways federated database
    /// access silently breaks. Exit status 3 with --fail-on when a finding reaches it.
    Findings {
        #[command(flatten)]
        range: RawRange,
        /// Only these checks (repeat; default: all not disabled in tagtrail.toml).
        #[arg(long = "check", value_name = "ID")]
        checks: Vec<String>,
        /// Only findings at or above this severity.
        #[arg(long, value_name = "SEVERITY", value_parser = SEVERITIES)]
        min_severity: Option<String>,
        /// Exit with status 3 when an open (not accepted) finding is at or above this severity.
        #[arg(long, value_name = "SEVERITY", value_parser = SEVERITIES)]
        fail_on: Option<String>,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
    },
    /// Run any SQL over the lake's tables and views.
    Query {
        sql: String,
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
    },
    /// Print the lake's tables and tagtrail's views as SQL for Athena or Spark (`CREATE
    /// TABLE` over the same Parquet files, views rewritten for the dialect), or with
    /// `--query` one of tagtrail's questions; differences in docs/portable-sql.md.
    Ddl {
        #[arg(long, value_parser = ["athena", "spark"])]
        engine: String,
        /// Where the engine reads the lake: `s3://bucket/prefix` (Athena needs S3), or
        /// any URI Spark reads. Default: the lake directory as a `file://` URI.
        #[arg(long, value_name = "URI")]
        location: Option<String>,
        /// Print this question instead: `who`, `sessions`, `timeline` or a check id.
        #[arg(long, value_name = "NAME")]
        query: Option<String>,
    },
    /// Check CloudTrail log file integrity: digest signatures, log file hashes, digest chain.
    #[command(after_long_help = VERIFY_DIGESTS_HELP)]
    VerifyDigests {
        /// Local copy of the trail's bucket (digests under …/AWSLogs/<account>/CloudTrail-Digest/,
        /// log files under …/CloudTrail/), or the bucket itself as `s3://bucket/prefix`.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// CloudTrail public key: PEM, DER, base64, or the JSON of `aws cloudtrail
        /// list-public-keys`. Repeat for several keys or regions. For s3:// without
        /// one, the keys come from CloudTrail's ListPublicKeys.
        #[arg(long = "public-key", value_name = "FILE")]
        public_keys: Vec<PathBuf>,
        /// Check only the digests whose hour overlaps this period (for s3://, only its
        /// day folders are listed).
        #[command(flatten)]
        range: RawRange,
    },
    /// Read the database accounts of live servers and how each authenticates (MySQL
    /// `mysql.user` plugin; PostgreSQL membership of rds_iam) into the lake table db_users.
    Inventory {
        /// `mysql://USER:PASSWORD@HOST:PORT/` (also mariadb://) or
        /// `postgres://USER:PASSWORD@HOST:PORT/DB`. The password is used to connect only:
        /// it is never printed or stored. TLS as in libpq: `?sslmode=` disable, prefer
        /// (default), require, verify-ca or verify-full, and `&sslrootcert=PATH` (for RDS, the
        /// global-bundle.pem from truststore.pki.rds.amazonaws.com).
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        /// RDS instance the accounts belong to (default: the first label of an RDS
        /// endpoint, else the host name). Only with a single URL.
        #[arg(long, value_name = "ID")]
        instance: Option<String>,
    },
    /// Check SAML assertions and IAM policies before anyone signs in: one
    /// `file:line:col: id severity: message` line per problem, then a count; exit status 1
    /// when any is an error.
    Lint {
        #[command(subcommand)]
        what: RawLint,
    },
    /// The weekly compliance report: scope and evidence, key figures with the change
    /// since the previous period, findings (new and resolved) with remediation, access
    /// to sensitive objects, and the SQL behind every figure. Writes
    /// `<period>.{md,html,json}` to --out and prints a summary.
    Report {
        /// ISO week, e.g. 2026-W47 (default: the last complete ISO week).
        #[arg(long, value_name = "YYYY-Www", conflicts_with_all = ["since", "until"])]
        week: Option<String>,
        #[command(flatten)]
        range: RawRange,
        /// Only this format (`table`: the terminal summary alone, no file); default all files.
        #[arg(long, value_parser = ["md", "html", "json", "table"])]
        format: Option<String>,
        /// Folder for the files (created).
        #[arg(long, default_value = "reports", value_name = "DIR")]
        out: PathBuf,
        /// Write the files readable by every account on this host (0644; a folder it
        /// creates 0755). By default they are the owner's only (0600, 0700): a report
        /// names people and what they read.
        #[arg(long)]
        shared: bool,
    },
    /// Write a synthetic organization's evidence in the real formats (CloudTrail of two
    /// accounts and three regions, Okta System Log, MariaDB and MySQL audit logs,
    /// PostgreSQL logs, inventory, policy) with `truth.json`: every person-facing
    /// database session with the person behind it, and the findings the planted shared
    /// accounts, tag typos, missing MFA and out-of-window logins must raise.
    /// Deterministic per seed; goes day by day, so memory follows one day's activity, not --days.
    Synth {
        /// Folder to write (created; must be empty, except with --demo).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// People in the organization.
        #[arg(long, value_name = "N", required_unless_present = "demo")]
        people: Option<usize>,
        /// Days of activity, from --start.
        #[arg(long, value_name = "D", required_unless_present = "demo")]
        days: Option<u32>,
        #[arg(long, default_value_t = 1, value_name = "S")]
        seed: u64,
        /// First day (YYYY-MM-DD, UTC; default 2026-11-02, a Monday).
        #[arg(long, value_name = "DATE")]
        start: Option<String>,
        /// Application sessions per working hour on each database instance (default
        /// people / 40): makes the database logs large without more people.
        #[arg(long, value_name = "N")]
        app_sessions_per_hour: Option<u64>,
        /// The demo week instead (the fixed cast of `fixtures/demo`, with its ground truth
        /// `expected/who-shop-customers.json`); rewrites its files in place.
        #[arg(long, conflicts_with_all = ["people", "days", "seed", "start", "app_sessions_per_hour"])]
        demo: bool,
    },
    /// Merge the small Parquet parts of each partition (one per ingest run) into files
    /// of 64–256 MB sorted by time, swapping the lake's file list atomically; removes
    /// what an interrupted run left behind. Safe to rerun; run no ingest meanwhile.
    Compact {
        /// Rows per row group of the merged files.
        #[arg(long, default_value_t = 131_072, value_name = "N")]
        row_group_rows: usize,
        /// The most parts one merge opens at once (at least 2; each holds about 8 MiB of
        /// pages). A partition with more is merged in runs of that many first, on local
        /// disk, so its rows are merged more than once: lower it for less memory, or raise
        /// it to a partition's part count to merge each row once, in more memory.
        #[arg(long, default_value_t = crate::lake::compact::MAX_FAN_IN, value_name = "N")]
        fan_in: usize,
    },
    /// Store the lake's database sessions (the session index), so reports and findings
    /// read one row per session instead of grouping every db event again. `tagtrail
    /// ingest` does it after each run that adds database logs; an index that no longer
    /// matches the lake is never used. Then, as `ingest` does, the attribution of every
    /// session; and, which `ingest` leaves to it, what each session did to each table
    /// per day (read by `who` over whole days).
    Index {
        /// Rebuild it even when it matches the lake.
        #[arg(long)]
        force: bool,
    },
    /// Ingest the embedded demo scenario into a temporary lake and answer "who read shop.customers?".
    Demo {
        #[arg(long, default_value = "table", value_parser = ["table", "json", "csv", "md"])]
        format: String,
    },
}

const VERIFY_DIGESTS_HELP: &str = "\
s3://bucket/prefix: digests are listed under <prefix>AWSLogs/…/CloudTrail-Digest/, their
signatures read from the object metadata, the log files they list fetched and hashed one
at a time. Without --public-key, CloudTrail's ListPublicKeys gives the keys (needs
cloudtrail:ListPublicKeys; if it fails, the digests are reported no-key).

Signatures: CloudTrail keeps a digest's signature in S3 object metadata, which a copied
bucket loses. Put it next to the digest as `<digest file>.signature`, holding the hex
value of x-amz-meta-signature, for example:
  aws s3api head-object --bucket B --key K --query Metadata.signature --output text > K.signature
Without a sidecar the next digest's previousDigestSignature is used, so only the newest
digest of a chain needs one.

Public keys: aws cloudtrail list-public-keys --region R --start-time T > keys-R.json

Every check is stored in the lake table digest_checks. Exit status: 0 when nothing is
altered, missing, badly signed, moved, unreadable, or broken or gapped in the chain
(unsigned, no-key and unchecked items are reported but do not fail); 2 when something
is; 1 on errors.";

#[derive(Debug, clap::Args)]
pub struct RawRange {
    /// Start of the period (inclusive): RFC 3339 or YYYY-MM-DD.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// End of the period (exclusive): RFC 3339 or YYYY-MM-DD.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// AWS CLI conventions; unset values come from the SDK's standard chain. Global: they
/// reach s3:// inputs and an s3:// lake alike.
#[derive(Debug, clap::Args)]
pub struct RawAws {
    /// Named profile from ~/.aws/config (also `AWS_PROFILE`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (also `AWS_REGION`).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Endpoint URL for S3-compatible stores and emulators (also `AWS_ENDPOINT_URL`).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RawLint {
    /// SAML responses or assertions (XML, or the base64 SAMLResponse form value) and IdP
    /// attribute-statement snippets: well-formed XML, attribute names, session-tag limits
    /// and naming convention, Role, RoleSessionName, SessionDuration.
    Saml {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// IAM role and permission-set policy files (the shapes `ingest --kind iam-policy`
    /// reads): rds-db:connect resource ARNs, per-person vs shared vs wildcard database
    /// users, tag-key case (against the lake's sessions when --lake holds one).
    Policy {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}
