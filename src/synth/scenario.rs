//! The demo week as data: who exists, when each person federated, and every database
//! session on the two RDS instances. The writers render this model into real file
//! formats; the ground truth is computed from it, never from the files.
//!
//! Week Mon 2026-11-16 .. Sun 2026-11-22, account 111122223333, eu-west-1. Times are UTC.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::pglog::{self, PgSession};
use super::rng::Rng;

pub const ACCOUNT: &str = "111122223333";
pub const ORG_ID: &str = "o-a1b2c3d4e5";
pub const REGION: &str = "eu-west-1";
/// Every federated session lasts 8 h (the permission set's session duration).
pub const DURATION_SECONDS: i64 = 28_800;
/// The clock skew tagtrail allows around a session's window by default (`--skew 5m`).
pub const SKEW_SECONDS: i64 = 300;
pub const PERMISSION_SET: &str = "DatabaseAccess";
pub const ROLE_NAME: &str = "AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a";
pub const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAccess_4f3c2a1b9e8d7c6a";
pub const SAML_PROVIDER_ARN: &str =
    "arn:aws:iam::111122223333:saml-provider/AWSSSO_9882ccf00912484e_DO_NOT_DELETE";
/// The role's unique id (`AROA` + 17): the same for every session of the role.
pub const ROLE_ID: &str = "AROARZ5UQ3XGT7KDN4E2P";
pub const IDENTITY_STORE: &str = "d-93670a1b2c";
/// The VPC bastion host some people work from.
pub const BASTION_IP: &str = "10.0.9.15";
/// Rotation point of shop-prod's audit log: older rows go to `server_audit.log.1`.
pub const SHOP_ROTATION: &str = "2026-11-18 12:00:00";

/// Parses a scenario time, `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn at(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("bad scenario time {s:?}: {e}"))
        .and_utc()
}

/// A federated person: their Identity Center / Okta user and the attributes their IdP
/// sends as session tags.
#[derive(Debug, Clone)]
pub struct Person {
    pub subject: &'static str,
    /// The tag key the IdP sends for the database user: `Username`, except for one
    /// person whose IdP mapping drifted to `username` (IAM compares keys case-insensitively).
    pub username_key: &'static str,
    pub username: &'static str,
    pub department: &'static str,
    pub project: &'static str,
    pub environment: &'static str,
    pub transitive_tag_keys: &'static [&'static str],
    /// Where their database client connects from (VPN address).
    pub client_ip: &'static str,
    /// Their public address, seen by sign-in and API calls.
    pub public_ip: &'static str,
    pub browser: &'static str,
}

impl Person {
    /// The session tags, in the order the IdP sends them.
    pub fn principal_tags(&self) -> Vec<(&'static str, &'static str)> {
        let mut tags = vec![
            (self.username_key, self.username),
            ("Department", self.department),
            ("Project", self.project),
            ("Environment", self.environment),
        ];
        // Judy's IdP maps Okta's session.amr, joined into one value (a session tag holds
        // one string, and commas are not allowed in tag values).
        if self.subject == "judy.chen@example.com" {
            tags.push(("AuthMethods", "pwd mfa"));
        }
        tags
    }

    /// The person's Identity Store user id (`<store suffix>-<uuid>`).
    pub fn identity_store_user_id(&self) -> String {
        let uuid = Rng::for_label(&format!("idstore-user:{}", self.subject)).uuid();
        format!("{}-{uuid}", IDENTITY_STORE.trim_start_matches("d-"))
    }
}

const MAC_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
const WIN_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0";
const LINUX_FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0";

pub const PEOPLE: &[Person] = &[
    Person {
        subject: "alice.nguyen@example.com",
        username_key: "Username",
        username: "anguyen",
        department: "data-analytics",
        project: "customer-insights",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.1.21",
        public_ip: "203.0.113.24",
        browser: MAC_CHROME,
    },
    Person {
        subject: "bob.martin@example.com",
        username_key: "Username",
        username: "bmartin",
        department: "customer-support",
        project: "crm-cleanup",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.1.34",
        public_ip: "203.0.113.24",
        browser: WIN_EDGE,
    },
    Person {
        subject: "carol.diaz@example.com",
        username_key: "Username",
        username: "cdiaz",
        department: "data-engineering",
        project: "shop-platform",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.1.47",
        public_ip: "198.51.100.61",
        browser: LINUX_FIREFOX,
    },
    Person {
        subject: "dave.okafor@example.com",
        username_key: "Username",
        username: "dokafor",
        department: "platform-engineering",
        project: "shop-platform",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.1.52",
        public_ip: "203.0.113.24",
        browser: LINUX_FIREFOX,
    },
    Person {
        subject: "erin.walsh@example.com",
        username_key: "Username",
        username: "ewalsh",
        department: "finance",
        project: "billing-ops",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.4.11",
        public_ip: "203.0.113.24",
        browser: WIN_EDGE,
    },
    Person {
        subject: "frank.li@example.com",
        username_key: "username",
        username: "fli",
        department: "customer-support",
        project: "returns-desk",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.1.63",
        public_ip: "198.51.100.77",
        browser: MAC_CHROME,
    },
    Person {
        subject: "grace.kim@example.com",
        username_key: "Username",
        username: "reporting",
        department: "business-intelligence",
        project: "weekly-kpis",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.2.40",
        public_ip: "203.0.113.24",
        browser: MAC_CHROME,
    },
    Person {
        subject: "heidi.schmidt@example.com",
        username_key: "Username",
        username: "reporting",
        department: "business-intelligence",
        project: "board-pack",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.2.41",
        public_ip: "192.0.2.145",
        browser: WIN_EDGE,
    },
    Person {
        subject: "ivan.petrov@example.com",
        username_key: "Username",
        username: "ipetrov",
        department: "finance",
        project: "billing-ops",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.4.18",
        public_ip: "203.0.113.24",
        browser: LINUX_FIREFOX,
    },
    Person {
        subject: "judy.chen@example.com",
        username_key: "Username",
        username: "jchen",
        department: "finance",
        project: "revenue-assurance",
        environment: "production",
        transitive_tag_keys: &["Project"],
        client_ip: "10.0.4.25",
        public_ip: "203.0.113.24",
        browser: MAC_CHROME,
    },
    // Kevin's IdP sends his username in display case; his database user is `kwright`.
    Person {
        subject: "kevin.wright@example.com",
        username_key: "Username",
        username: "KWright",
        department: "finance",
        project: "ledger-migration",
        environment: "production",
        transitive_tag_keys: &[],
        client_ip: "10.0.4.31",
        public_ip: "203.0.113.24",
        browser: LINUX_FIREFOX,
    },
];

/// Looks a person up by the local part of their subject (`alice`, `bob`, …).
pub fn person(first_name: &str) -> &'static Person {
    PEOPLE
        .iter()
        .find(|p| p.subject.split('.').next() == Some(first_name))
        .unwrap_or_else(|| panic!("no person {first_name}"))
}

/// How the person reached the account through the Identity Center portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// `aws sso login` / CLI profile: `GetRoleCredentials` then `AssumeRoleWithSAML`.
    Cli,
    /// Portal → "Management console": `AssumeRoleWithSAML` then `ConsoleLogin`.
    Console,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// STS rejected the session tags (`ValidationError` / `Unable to validate tags`); the
    /// request carried this bad `Project` value (a multi-valued attribute joined by a comma).
    TagValidationError {
        project: &'static str,
    },
}

/// How CloudTrail delivered the `AssumeRoleWithSAML` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Normal,
    /// The same record (same eventID) is delivered in two files.
    Twice,
    /// The file holding it was downloaded and decompressed (`.json`).
    Uncompressed,
}

/// One `AssumeRoleWithSAML` by Identity Center on behalf of a person, with the events
/// around it.
#[derive(Debug, Clone)]
pub struct Federation {
    /// Stable label (F1, F2, …): seeds this federation's identifiers, so it must be
    /// unique in a run (the organization generator prefixes seed and day).
    pub label: String,
    pub person: &'static Person,
    pub at: DateTime<Utc>,
    pub flow: Flow,
    pub event_version: &'static str,
    /// Whether the person signed in to the portal first (`UserAuthentication`); false for
    /// a second role session on a day the portal session was still open.
    pub sign_in: bool,
    pub outcome: Outcome,
    /// The RDS instance the person looks up afterwards (`DescribeDBInstances`).
    pub describe: Option<&'static str>,
    /// Whether the CLI checks its identity first (`GetCallerIdentity`).
    pub caller_identity: bool,
    /// Where the session's API calls come from when not the person's public address
    /// (a bastion inside the VPC, reaching AWS through a VPC endpoint).
    pub api_ip: Option<&'static str>,
    pub delivery: Delivery,
}

impl Federation {
    pub fn succeeded(&self) -> bool {
        self.outcome == Outcome::Success
    }

    pub fn expires(&self) -> DateTime<Utc> {
        self.at + Duration::seconds(DURATION_SECONDS)
    }

    /// The database user this session may become: the `Username` tag, key compared
    /// case-insensitively as IAM resolves `${aws:PrincipalTag/Username}`.
    pub fn username_tag(&self) -> Option<&'static str> {
        self.person
            .principal_tags()
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Username"))
            .map(|(_, v)| v)
    }

    /// Whether a database connection at `t` could use this session's credentials,
    /// allowing tagtrail's default clock skew on both sides.
    pub fn window_contains(&self, t: DateTime<Utc>) -> bool {
        let skew = Duration::seconds(SKEW_SECONDS);
        self.succeeded() && self.at - skew <= t && t <= self.expires() + skew
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Instance {
    /// RDS for MariaDB: databases `shop` and `staging`; TABLE events enabled.
    ShopProd,
    /// RDS for MySQL 8.0 (the AWS fork of the audit plugin): database `billing`.
    BillingProd,
}

/// Which audit-plugin build writes an instance's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// MariaDB's plugin: always 10 fields, TABLE rows with an empty retcode.
    MariaDb,
    /// `aws/audit-plugin-for-mysql`: connection rows add `connection_type`, QUERY rows end
    /// `,<retcode>,,`, no TABLE rows.
    RdsMysql,
}

impl Instance {
    pub const ALL: [Instance; 2] = [Instance::ShopProd, Instance::BillingProd];

    pub fn id(self) -> &'static str {
        match self {
            Instance::ShopProd => "shop-prod",
            Instance::BillingProd => "billing-prod",
        }
    }

    pub fn serverhost(self) -> &'static str {
        match self {
            Instance::ShopProd => "ip-10-20-1-34",
            Instance::BillingProd => "ip-10-20-2-118",
        }
    }

    pub fn dialect(self) -> Dialect {
        match self {
            Instance::ShopProd => Dialect::MariaDb,
            Instance::BillingProd => Dialect::RdsMysql,
        }
    }

    /// First connection id and query id of the week (the servers have been up a while).
    pub fn first_ids(self) -> (u64, u64) {
        match self {
            Instance::ShopProd => (18_234, 7_712_301),
            Instance::BillingProd => (5_120, 2_203_117),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableOp {
    Read,
    Write,
}

impl TableOp {
    pub fn as_str(self) -> &'static str {
        match self {
            TableOp::Read => "READ",
            TableOp::Write => "WRITE",
        }
    }
}

/// A table a statement touches: what the MariaDB plugin writes as a TABLE row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableAccess {
    pub op: TableOp,
    pub database: &'static str,
    pub table: &'static str,
}

pub(crate) const fn read(database: &'static str, table: &'static str) -> TableAccess {
    TableAccess {
        op: TableOp::Read,
        database,
        table,
    }
}

pub(crate) const fn write(database: &'static str, table: &'static str) -> TableAccess {
    TableAccess {
        op: TableOp::Write,
        database,
        table,
    }
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// Seconds after the connect.
    pub after: i64,
    /// The text as the plugin logs it (passwords already masked), before escaping.
    pub sql: &'static str,
    pub tables: Vec<TableAccess>,
    pub retcode: u32,
}

impl Statement {
    /// The SQL verb, uppercased, skipping leading comments (`/* … */`).
    pub fn verb(&self) -> String {
        let mut s = self.sql.trim_start();
        while let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        }
        s.chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_uppercase()
    }
}

pub(crate) fn stmt(after: i64, sql: &'static str, tables: &[TableAccess]) -> Statement {
    Statement {
        after,
        sql,
        tables: tables.to_vec(),
        retcode: 0,
    }
}

/// What the mysql/mariadb command-line client sends right after connecting.
pub(crate) const CLIENT_HELLO: &str = "select @@version_comment limit 1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    Ok,
    /// FAILED_CONNECT with this error (1045 = access denied), then DISCONNECT.
    Failed(u32),
}

/// One database connection: CONNECT, statements, DISCONNECT.
#[derive(Debug, Clone)]
pub struct DbSession {
    pub instance: Instance,
    pub user: &'static str,
    pub host: &'static str,
    /// Default database at connect; empty when the client named none.
    pub database: &'static str,
    pub connect: DateTime<Utc>,
    pub login: Login,
    pub statements: Vec<Statement>,
    /// Seconds from connect to DISCONNECT.
    pub disconnect_after: i64,
}

impl DbSession {
    pub fn disconnect(&self) -> DateTime<Utc> {
        self.connect + Duration::seconds(self.disconnect_after)
    }

    /// Adds a statement `after` seconds after the connect, touching `tables`.
    fn run(mut self, after: i64, sql: &'static str, tables: &[TableAccess]) -> Self {
        self.statements.push(stmt(after, sql, tables));
        self
    }
}

/// The whole week.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub federations: Vec<Federation>,
    pub sessions: Vec<DbSession>,
    /// Sessions on the PostgreSQL instance (`ledger-prod`).
    pub pg_sessions: Vec<PgSession>,
}

impl Scenario {
    pub fn demo() -> Self {
        let mut sessions = people_sessions();
        sessions.extend(service_sessions());
        for instance in Instance::ALL {
            sessions.extend(health_checks(instance));
        }
        Scenario {
            federations: federations(),
            sessions,
            pg_sessions: pglog::week(),
        }
    }

    /// The distinct subjects whose successful federated session could have opened a
    /// connection by `db_user` at `t` (sorted).
    pub fn candidates(&self, db_user: &str, t: DateTime<Utc>) -> Vec<&'static str> {
        candidates(&self.federations, db_user, t)
    }
}

/// The distinct subjects among `federations` whose successful session carried
/// `Username = db_user` and was open (with the default skew) at `t`, sorted: the model's
/// answer to attribution, which the ground truths state and tagtrail must match.
pub fn candidates(
    federations: &[Federation],
    db_user: &str,
    t: DateTime<Utc>,
) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = federations
        .iter()
        .filter(|f| f.username_tag() == Some(db_user) && f.window_contains(t))
        .map(|f| f.person.subject)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

// The week's federations, one per line: label, person, time, flow, eventVersion,
// portal sign-in first?, instance looked up afterwards, delivery.
#[rustfmt::skip]
fn federations() -> Vec<Federation> {
    use Delivery::*;
    use Flow::*;
    let (shop, billing, ledger) = (Some("shop-prod"), Some("billing-prod"), Some(pglog::INSTANCE));
    let table = [
        // Mon 16
        ("F1",  "dave",  "2026-11-16 08:03:12", Cli,     "1.11", true,  shop,    Normal),
        ("F2",  "alice", "2026-11-16 08:41:17", Cli,     "1.11", true,  shop,    Normal),
        ("F3",  "bob",   "2026-11-16 09:02:44", Console, "1.08", true,  shop,    Normal),
        ("F4",  "erin",  "2026-11-16 09:15:30", Cli,     "1.08", true,  billing, Normal),
        ("F5",  "bob",   "2026-11-16 14:20:05", Cli,     "1.11", false, shop,    Normal),
        // Tue 17
        ("F6",  "grace", "2026-11-17 08:05:51", Console, "1.11", true,  shop,    Normal),
        ("F7",  "ivan",  "2026-11-17 08:31:05", Cli,     "1.11", true,  None,    Normal), // rejected, see below
        ("F8",  "ivan",  "2026-11-17 08:34:40", Cli,     "1.11", false, billing, Normal),
        ("F9",  "heidi", "2026-11-17 08:47:19", Console, "1.08", true,  shop,    Normal),
        ("F10", "carol", "2026-11-17 09:30:02", Cli,     "1.11", true,  shop,    Normal),
        ("F11", "judy",  "2026-11-17 10:02:33", Cli,     "1.11", true,  billing, Normal),
        // Wed 18
        ("F12", "dave",  "2026-11-18 08:03:40", Cli,     "1.08", true,  shop,    Normal),
        ("F13", "frank", "2026-11-18 09:20:14", Cli,     "1.11", true,  shop,    Uncompressed),
        ("F14", "erin",  "2026-11-18 09:48:09", Cli,     "1.11", true,  billing, Normal),
        // Thu 19
        ("F15", "grace", "2026-11-19 08:10:26", Cli,     "1.11", true,  shop,    Twice),
        ("F16", "alice", "2026-11-19 08:22:58", Cli,     "1.08", true,  shop,    Normal),
        ("F17", "bob",   "2026-11-19 09:05:37", Cli,     "1.11", true,  shop,    Normal),
        ("F18", "judy",  "2026-11-19 09:40:12", Cli,     "1.08", true,  billing, Normal),
        ("F19", "alice", "2026-11-19 13:55:02", Cli,     "1.11", false, shop,    Normal),
        // Fri 20
        ("F20", "ivan",  "2026-11-20 08:52:47", Cli,     "1.08", true,  billing, Normal),
        ("F21", "heidi", "2026-11-20 09:05:33", Console, "1.11", true,  None,    Normal),
        ("F22", "carol", "2026-11-20 09:12:19", Cli,     "1.11", true,  ledger,  Normal),
        ("F23", "erin",  "2026-11-20 10:31:50", Cli,     "1.11", true,  billing, Normal),
        ("F24", "kevin", "2026-11-20 11:02:10", Cli,     "1.11", true,  ledger,  Normal),
    ];
    table
        .into_iter()
        .map(|(label, who, time, flow, event_version, sign_in, describe, delivery)| {
            let outcome = if label == "F7" {
                // Ivan's first try on Tuesday: his IdP sent a multi-valued attribute joined
                // with a comma, not a valid tag value. He retries (F8) minutes later.
                Outcome::TagValidationError { project: "billing-ops,tax-filing" }
            } else {
                Outcome::Success
            };
            Federation {
                label: label.to_string(),
                person: person(who),
                at: at(time),
                flow,
                event_version,
                sign_in,
                // Some CLI users check who they are first: a coin per federation.
                // (Carol checks hers on the bastion: the witness of her address.)
                caller_identity: flow == Cli
                    && outcome == Outcome::Success
                    && (label == "F22"
                        || Rng::for_label(&format!("caller-identity:{label}")).range(0, 1) == 0),
                outcome,
                describe,
                delivery,
                // Carol works from the bastion on Friday: her AWS calls and her database
                // connection share its address.
                api_ip: (label == "F22").then_some(BASTION_IP),
            }
        })
        .collect()
}

/// A successful connection by `who` (their db user, from their address), starting with
/// the command-line client's greeting query.
fn session(
    instance: Instance,
    who: &'static Person,
    database: &'static str,
    connect: &str,
    disconnect_after: i64,
) -> DbSession {
    DbSession {
        instance,
        user: who.username,
        host: who.client_ip,
        database,
        connect: at(connect),
        login: Login::Ok,
        statements: vec![stmt(1, CLIENT_HELLO, &[])],
        disconnect_after,
    }
}

/// Every connection by a federated person, on both instances.
#[rustfmt::skip]
fn people_sessions() -> Vec<DbSession> {
    use Instance::*;
    let [alice, bob, carol, dave, erin, frank, grace, heidi, ivan, judy] =
        ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"].map(person);
    let customers = read("shop", "customers");
    let orders = read("shop", "orders");
    let invoices = read("billing", "invoices");
    vec![
        // ---- Mon 16 ----
        // Dave's first try is refused (access denied), a minute later he gets in.
        DbSession { login: Login::Failed(1045), statements: vec![], ..session(ShopProd, dave, "", "2026-11-16 08:19:40", 0) },
        // Decoys: staging.customers (bare name while in `staging`) and shop.orders.
        session(ShopProd, dave, "staging", "2026-11-16 08:21:05", 301)
            .run(14, "SELECT id, email FROM customers WHERE email LIKE '%+test@example.com' LIMIT 20", &[read("staging", "customers")])
            .run(95, "SELECT count(*) FROM shop.orders WHERE status = 'pending'", &[orders]),
        session(ShopProd, alice, "shop", "2026-11-16 09:14:02", 372)
            .run(21, "SELECT id, name, email FROM customers WHERE email LIKE '%@example.com'", &[customers])
            .run(65, "SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id ORDER BY n DESC LIMIT 20", &[orders])
            .run(160, "SELECT id, name, email, country FROM customers WHERE id IN (1042, 2210, 3187)", &[customers]),
        // A multi-line note with a comma, double quotes and a doubled single quote.
        session(ShopProd, bob, "shop", "2026-11-16 09:31:27", 244)
            .run(18, "SELECT id, name, email, note FROM customers WHERE id = 4711", &[customers])
            .run(140, "UPDATE customers SET note = 'Called 2026-11-16:\nsays \"wrong address\", resend invoice\nname is O''Brien, not OBrien' WHERE id = 4711", &[write("shop", "customers")])
            .run(151, "SELECT id, note FROM customers WHERE id = 4711", &[customers]),
        session(BillingProd, erin, "billing", "2026-11-16 09:33:10", 415)
            .run(12, "SELECT id, customer_id, amount_cents, status FROM invoices WHERE status = 'overdue'", &[invoices])
            .run(80, "SELECT count(*) FROM payments WHERE settled_at IS NULL", &[read("billing", "payments")]),
        // Inside both of Bob's Monday sessions (F3 and F5): still one person.
        session(ShopProd, bob, "shop", "2026-11-16 15:02:10", 133)
            .run(9, "SELECT id, email FROM customers WHERE id = 4711", &[customers])
            .run(47, "SELECT id, status FROM orders WHERE customer_id = 4711", &[orders]),
        // ---- Tue 17 ----
        session(BillingProd, ivan, "billing", "2026-11-17 08:51:02", 190)
            .run(20, "SELECT * FROM invoices WHERE id = 90817", &[invoices])
            .run(75, "UPDATE invoices SET status = 'void', note = 'duplicate of 90816' WHERE id = 90817", &[write("billing", "invoices")]),
        // The shared `reporting` account while Grace's (F6) and Heidi's (F9) sessions are
        // both open. It comes from Heidi's machine, but an address proves nothing.
        session(ShopProd, heidi, "shop", "2026-11-17 09:12:44", 240)
            .run(16, "SELECT country, count(*) AS n FROM customers GROUP BY country", &[customers])
            .run(58, "SELECT c.country, sum(o.total) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.created_at >= '2026-11-09' GROUP BY c.country", &[customers, orders]),
        // Carol connects without a default database and names the table fully.
        session(ShopProd, carol, "", "2026-11-17 10:05:33", 205)
            .run(25, "SELECT id, email, created_at FROM shop.customers ORDER BY created_at DESC LIMIT 50", &[customers])
            .run(88, "SELECT count(*) FROM shop.customers WHERE created_at >= '2026-11-01'", &[customers]),
        session(BillingProd, judy, "billing", "2026-11-17 10:20:44", 150)
            .run(30, "SELECT date_format(issued_at, '%Y-%m') AS month, sum(amount_cents) FROM invoices GROUP BY month", &[invoices]),
        // ---- Wed 18 ----
        // Frank's IdP sends the tag key as `username`.
        session(ShopProd, frank, "shop", "2026-11-18 09:41:50", 176)
            .run(19, "SELECT id, name, email, phone FROM customers WHERE id = 88213", &[customers])
            .run(62, "SELECT id, status, total FROM orders WHERE customer_id = 88213", &[orders]),
        session(BillingProd, erin, "billing", "2026-11-18 10:05:12", 98)
            .run(15, "SELECT id, amount_cents FROM invoices WHERE status = 'overdue' AND issued_at < '2026-10-01'", &[invoices]),
        // Dave after his 8 h session (F12) expired at 16:03:40: orders only.
        session(ShopProd, dave, "shop", "2026-11-18 17:45:31", 131)
            .run(22, "SELECT id, status, total FROM orders WHERE created_at >= '2026-11-18'", &[orders]),
        // ---- Thu 19 ----
        session(ShopProd, alice, "shop", "2026-11-19 09:02:10", 121)
            .run(33, "SELECT id, name, email FROM customers WHERE email LIKE '%@example.com' AND country = 'IE'", &[customers]),
        session(ShopProd, bob, "shop", "2026-11-19 09:20:40", 64)
            .run(11, "SELECT id, note FROM customers WHERE id = 4711", &[customers]),
        // `reporting` with only Grace's session (F15) open.
        session(ShopProd, grace, "shop", "2026-11-19 09:30:12", 95)
            .run(14, "SELECT country, count(*) AS n FROM customers GROUP BY country", &[customers]),
        session(BillingProd, judy, "billing", "2026-11-19 09:58:30", 140)
            .run(26, "SELECT customer_id, sum(amount_cents) FROM invoices WHERE issued_at >= '2026-11-01' GROUP BY customer_id", &[invoices]),
        session(BillingProd, alice, "billing", "2026-11-19 10:15:00", 88)
            .run(17, "SELECT customer_id, sum(amount_cents) AS total FROM invoices GROUP BY customer_id ORDER BY total DESC LIMIT 10", &[invoices]),
        // Inside both of Alice's Thursday sessions (F16 and F19).
        session(ShopProd, alice, "shop", "2026-11-19 14:30:05", 97)
            .run(28, "SELECT id, name, email FROM customers WHERE email LIKE '%@example.com' AND country = 'DE'", &[customers]),
        // ---- Fri 20 ----
        session(BillingProd, ivan, "billing", "2026-11-20 09:10:55", 77)
            .run(24, "SELECT id, status FROM invoices WHERE customer_id = 4711", &[invoices]),
        // Decoy: the archive table is not shop.customers.
        session(ShopProd, carol, "shop", "2026-11-20 09:40:03", 129)
            .run(31, "SELECT count(*) FROM customers_archive WHERE archived_at < '2026-01-01'", &[read("shop", "customers_archive")])
            .run(70, "SELECT count(*) FROM orders WHERE created_at >= '2026-11-01'", &[orders]),
        session(BillingProd, erin, "billing", "2026-11-20 10:45:20", 66)
            .run(13, "SELECT id, customer_id, amount_cents FROM invoices WHERE status = 'overdue'", &[invoices]),
    ]
}

/// The master user's setup and the legacy application's nightly export.
fn service_sessions() -> Vec<DbSession> {
    let mut v = vec![DbSession {
        instance: Instance::ShopProd,
        user: "admin",
        host: "10.0.9.10",
        database: "",
        connect: at("2026-11-16 07:12:30"),
        login: Login::Ok,
        statements: vec![
            stmt(1, CLIENT_HELLO, &[]),
            stmt(41, "CREATE USER 'app_legacy'@'%' IDENTIFIED BY *****", &[]),
            stmt(58, "GRANT SELECT ON shop.* TO 'app_legacy'@'%'", &[]),
        ],
        disconnect_after: 95,
    }];
    for (day, time) in [("17", "02:30:11"), ("19", "02:30:09"), ("21", "02:30:14")] {
        v.push(DbSession {
            instance: Instance::ShopProd,
            user: "app_legacy",
            host: "10.0.3.17",
            database: "shop",
            connect: at(&format!("2026-11-{day} {time}")),
            login: Login::Ok,
            statements: vec![
                stmt(0, "/* mysql-connector-j-8.4.0 */SELECT @@session.auto_increment_increment AS auto_increment_increment, @@session.transaction_isolation AS transaction_isolation", &[]),
                stmt(1, "SELECT id, name, email, phone FROM customers WHERE updated_at >= DATE_SUB(NOW(), INTERVAL 1 DAY)", &[read("shop", "customers")]),
            ],
            disconnect_after: 4,
        });
    }
    v
}

/// `rdsadmin` health checks, four a day, on every day of the week.
fn health_checks(instance: Instance) -> Vec<DbSession> {
    let mut rng = Rng::for_label(&format!("health:{}", instance.id()));
    let mut v = Vec::new();
    for day in 16..=22 {
        for hour in [0, 6, 12, 18] {
            let connect =
                at(&format!("2026-11-{day} {hour:02}:00:00")) + Duration::seconds(rng.range(3, 50));
            v.push(DbSession {
                instance,
                user: "rdsadmin",
                host: "localhost",
                database: "mysql",
                connect,
                login: Login::Ok,
                statements: vec![stmt(0, "SELECT 1", &[])],
                disconnect_after: 0,
            });
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_skip_comments() {
        let s = |sql| stmt(0, sql, &[]).verb();
        assert_eq!(s("select 1"), "SELECT");
        assert_eq!(s("  UPDATE t SET a = 1"), "UPDATE");
        assert_eq!(s("/* mysql-connector-j */SELECT 1"), "SELECT");
    }

    #[test]
    fn attributed_connects_are_strictly_inside_their_windows() {
        let sc = Scenario::demo();
        for s in sc.sessions.iter().filter(|s| s.login == Login::Ok) {
            for f in &sc.federations {
                if f.username_tag() == Some(s.user) && f.succeeded() {
                    assert!(
                        s.connect != f.at && s.connect != f.expires(),
                        "{} at {} sits on the boundary of {}",
                        s.user,
                        s.connect,
                        f.label
                    );
                }
            }
        }
    }

    #[test]
    fn the_story_holds() {
        let sc = Scenario::demo();
        let t = |s| at(s);
        // Frank's tag key is lowercase and still names his db user.
        assert_eq!(
            sc.candidates("fli", t("2026-11-18 09:41:50")),
            ["frank.li@example.com"]
        );
        assert_eq!(
            sc.candidates("reporting", t("2026-11-17 09:12:44")),
            ["grace.kim@example.com", "heidi.schmidt@example.com"]
        );
        assert_eq!(
            sc.candidates("reporting", t("2026-11-19 09:30:12")),
            ["grace.kim@example.com"]
        );
        assert!(
            sc.candidates("dokafor", t("2026-11-18 17:45:31"))
                .is_empty()
        );
        assert!(
            sc.candidates("app_legacy", t("2026-11-17 02:30:11"))
                .is_empty()
        );
        // Ivan's failed call (08:31:05) opens no window; his retry's (08:34:40) starts
        // five minutes early (the skew).
        assert!(
            sc.candidates("ipetrov", t("2026-11-17 08:29:00"))
                .is_empty()
        );
        // Every person's own session is attributed to them alone.
        for s in sc.sessions.iter().filter(|s| s.login == Login::Ok) {
            if let Some(p) = PEOPLE.iter().find(|p| p.username == s.user) {
                let c = sc.candidates(s.user, s.connect);
                if s.user != "reporting" && s.connect != t("2026-11-18 17:45:31") {
                    assert_eq!(c, [p.subject], "{} at {}", s.user, s.connect);
                }
            }
        }
    }
}
