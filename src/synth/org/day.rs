//! One working day of the organization, in the scenario model the demo week uses:
//! who federates when, the database sessions inside (and, for the planted late
//! connectors, outside) those sessions, the applications' traffic and RDS's health
//! checks. Everything happens between midnight and 23:30 UTC, so a day renders into
//! files of its own.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::OrgSpec;
use super::roster::{Member, Roster, Team};
#[cfg(doc)]
use crate::synth::identity::PLATFORM_USERS;
use crate::synth::pglog::{PgLogin, PgSession, PgStatement};
use crate::synth::rng::Rng;
use crate::synth::scenario::{
    CLIENT_HELLO, DURATION_SECONDS, DbSession, Delivery, Federation, Flow, Instance, Login,
    Outcome, Statement, TableAccess, read, stmt, write,
};

/// The organization's applications, besides [`PLATFORM_USERS`]: (instance, user, host,
/// plugin) as the inventory lists them. Each connects from one host, so none of them
/// looks shared.
pub const APP_USERS: [(&str, &str, &str, &str); 2] = [
    (
        "shop-prod",
        "app_orders",
        "10.20.3.%",
        "mysql_native_password",
    ),
    (
        "billing-prod",
        "app_billing",
        "10.20.4.%",
        "caching_sha2_password",
    ),
];

type Template = (&'static str, &'static [TableAccess]);

const SHOP: [Template; 6] = [
    (
        "SELECT id, name, email FROM customers WHERE id = 4711",
        &[read("shop", "customers")],
    ),
    (
        "SELECT id, status, total FROM orders WHERE customer_id = 4711",
        &[read("shop", "orders")],
    ),
    (
        "SELECT country, count(*) AS n FROM customers GROUP BY country",
        &[read("shop", "customers")],
    ),
    (
        "SELECT o.id, o.total, c.email\nFROM orders o\nJOIN customers c ON c.id = o.customer_id WHERE o.created_at >= '2026-11-01'",
        &[read("shop", "orders"), read("shop", "customers")],
    ),
    (
        "UPDATE customers SET note = 'Called: says \"wrong address\", resend invoice' WHERE id = 88213",
        &[write("shop", "customers")],
    ),
    (
        "SELECT id, sku, stock FROM inventory WHERE stock < 10",
        &[read("shop", "inventory")],
    ),
];

const BILLING: [Template; 4] = [
    (
        "SELECT id, customer_id, amount_cents, status FROM invoices WHERE status = 'overdue'",
        &[read("billing", "invoices")],
    ),
    (
        "SELECT count(*) FROM payments WHERE settled_at IS NULL",
        &[read("billing", "payments")],
    ),
    (
        "UPDATE invoices SET status = 'sent' WHERE id = 90817",
        &[write("billing", "invoices")],
    ),
    (
        "SELECT customer_id, sum(amount_cents) AS total FROM invoices GROUP BY customer_id ORDER BY total DESC LIMIT 10",
        &[read("billing", "invoices")],
    ),
];

const SHOP_APP: [Template; 3] = [
    (
        "SELECT id, status FROM orders WHERE id = 551234",
        &[read("shop", "orders")],
    ),
    (
        "INSERT INTO orders (customer_id, total, status) VALUES (4711, 12990, 'pending')",
        &[write("shop", "orders")],
    ),
    (
        "UPDATE orders SET status = 'shipped' WHERE id = 551230",
        &[write("shop", "orders")],
    ),
];

const BILLING_APP: [Template; 2] = [
    (
        "INSERT INTO payments (invoice_id, amount_cents) VALUES (90817, 12990)",
        &[write("billing", "payments")],
    ),
    (
        "SELECT id, amount_cents FROM invoices WHERE id = 90817",
        &[read("billing", "invoices")],
    ),
];

/// pgaudit rows: class, command, object, statement.
const LEDGER: [(&str, &str, &str, &str); 3] = [
    (
        "READ",
        "SELECT",
        "public.journal_entries",
        "SELECT id, account, amount FROM public.journal_entries WHERE posted_on >= '2026-11-01'",
    ),
    (
        "READ",
        "SELECT",
        "public.journal_entries",
        "SELECT account, sum(amount)\n\tFROM public.journal_entries\n\tGROUP BY account",
    ),
    (
        "WRITE",
        "UPDATE",
        "public.accounts",
        "UPDATE public.accounts SET closed = true WHERE id = 311",
    ),
];

/// What happens on one day.
#[derive(Debug, Default)]
pub struct Day {
    pub federations: Vec<Federation>,
    /// MySQL-family sessions (both instances).
    pub sessions: Vec<DbSession>,
    /// Sessions on the PostgreSQL instance.
    pub pg_sessions: Vec<PgSession>,
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
}

/// Statements at increasing offsets from the connect: (statements, seconds to disconnect).
fn script(
    rng: &mut Rng,
    templates: &[Template],
    n: i64,
    first: Statement,
) -> (Vec<Statement>, i64) {
    let mut after = first.after;
    let mut out = vec![first];
    for _ in 0..n {
        after += rng.range(5, 90);
        let (sql, tables) = templates[rng.range(0, templates.len() as i64 - 1) as usize];
        out.push(stmt(after, sql, tables));
    }
    (out, after + rng.range(3, 60))
}

fn pg_script(rng: &mut Rng, n: i64) -> (Vec<PgStatement>, i64) {
    let mut after = 0;
    let mut out = Vec::new();
    for _ in 0..n {
        after += rng.range(5, 90);
        let (class, command, object, sql) = LEDGER[rng.range(0, LEDGER.len() as i64 - 1) as usize];
        out.push(PgStatement {
            after,
            class,
            command,
            object,
            sql,
        });
    }
    (out, after + rng.range(3, 60))
}

/// Plans day `day` (0-based) of the run for `seed`.
pub fn plan(roster: &Roster, spec: &OrgSpec, day: u32, date: NaiveDate) -> Day {
    let seed = spec.seed;
    let mut out = Day::default();
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    for (i, m) in roster.members.iter().enumerate() {
        let mut rng = Rng::for_label(&format!("org:{seed}:d{day}:p{i}"));
        if rng.range(0, 99) >= if weekend { 8 } else { 70 } {
            continue;
        }
        let first = midnight(date) + Duration::seconds(7 * 3600 + rng.range(0, 3 * 3600));
        let mut starts = vec![first];
        if rng.range(0, 99) < 20 {
            starts.push(first + Duration::seconds(rng.range(3 * 3600, 4 * 3600)));
        }
        for (k, at) in starts.into_iter().enumerate() {
            let f = federation(m, format!("s{seed}d{day}p{i}f{k}"), at, &mut rng);
            for _ in 0..rng.range(1, 3) {
                let connect = f.at + Duration::seconds(rng.range(90, DURATION_SECONDS - 1800));
                person_session(&mut out, m, connect, &mut rng);
            }
            out.federations.push(f);
        }
        if m.late {
            let last_expiry = out.federations.last().expect("just pushed").expires();
            let connect = last_expiry + Duration::seconds(rng.range(30 * 60, 90 * 60));
            person_session(&mut out, m, connect, &mut rng);
        }
    }
    let per_hour = spec
        .app_sessions_per_hour
        .unwrap_or((roster.members.len() / 40) as u64)
        .max(1) as i64;
    services(&mut out, per_hour, seed, day, date);
    out
}

fn federation(m: &Member, label: String, at: DateTime<Utc>, rng: &mut Rng) -> Federation {
    let flow = if rng.range(0, 99) < 85 {
        Flow::Cli
    } else {
        Flow::Console
    };
    Federation {
        label,
        person: m.person,
        at,
        flow,
        event_version: "1.11",
        sign_in: true,
        outcome: Outcome::Success,
        describe: Some(m.team.instance_id()),
        caller_identity: flow == Flow::Cli && rng.range(0, 2) == 0,
        api_ip: None,
        delivery: Delivery::Normal,
    }
}

/// A person's connection at `connect` to their team's instance, sometimes after a
/// mistyped first attempt.
fn person_session(out: &mut Day, m: &Member, connect: DateTime<Utc>, rng: &mut Rng) {
    let p = m.person;
    let (instance, database, templates) = match m.team {
        Team::Shop => (Instance::ShopProd, "shop", &SHOP[..]),
        Team::Billing => (Instance::BillingProd, "billing", &BILLING[..]),
        Team::Ledger => {
            let n = rng.range(1, 6);
            let (statements, disconnect_after) = pg_script(rng, n);
            out.pg_sessions.push(PgSession {
                user: p.username,
                host: p.client_ip,
                database: "ledger",
                application_name: "psql",
                connect,
                login: PgLogin::Iam,
                statements,
                disconnect_after,
            });
            return;
        }
    };
    if rng.range(0, 99) < 3 {
        out.sessions.push(DbSession {
            instance,
            user: p.username,
            host: p.client_ip,
            database: "",
            connect: connect - Duration::seconds(rng.range(20, 60)),
            login: Login::Failed(1045),
            statements: Vec::new(),
            disconnect_after: 0,
        });
    }
    let n = rng.range(1, 8);
    let (statements, disconnect_after) = script(rng, templates, n, stmt(1, CLIENT_HELLO, &[]));
    out.sessions.push(DbSession {
        instance,
        user: p.username,
        host: p.client_ip,
        database,
        connect,
        login: Login::Ok,
        statements,
        disconnect_after,
    });
}

/// The applications' connections through the working hours (`per_hour` an hour on each
/// MySQL-family instance, half that on PostgreSQL) and `rdsadmin`'s health checks every
/// six hours.
fn services(out: &mut Day, per_hour: i64, seed: u64, day: u32, date: NaiveDate) {
    let mut rng = Rng::for_label(&format!("org:{seed}:d{day}:services"));
    for hour in 6..22 {
        let start = midnight(date) + Duration::hours(hour);
        for (instance, user, host, database, templates) in [
            (
                Instance::ShopProd,
                "app_orders",
                "10.20.3.17",
                "shop",
                &SHOP_APP[..],
            ),
            (
                Instance::BillingProd,
                "app_billing",
                "10.20.4.23",
                "billing",
                &BILLING_APP[..],
            ),
        ] {
            for _ in 0..per_hour {
                let first = stmt(0, "SELECT @@session.transaction_isolation", &[]);
                let n = rng.range(5, 20);
                let (statements, disconnect_after) = script(&mut rng, templates, n, first);
                out.sessions.push(DbSession {
                    instance,
                    user,
                    host,
                    database,
                    connect: start + Duration::seconds(rng.range(0, 1800)),
                    login: Login::Ok,
                    statements,
                    disconnect_after,
                });
            }
        }
        for _ in 0..(per_hour / 2).max(1) {
            let n = rng.range(3, 12);
            let (statements, disconnect_after) = pg_script(&mut rng, n);
            out.pg_sessions.push(PgSession {
                user: "ledger_app",
                host: "10.20.6.11",
                database: "ledger",
                application_name: "ledger-sync",
                connect: start + Duration::seconds(rng.range(0, 1800)),
                login: PgLogin::Password,
                statements,
                disconnect_after,
            });
        }
    }
    for instance in Instance::ALL {
        for hour in [0, 6, 12, 18] {
            out.sessions.push(DbSession {
                instance,
                user: "rdsadmin",
                host: "localhost",
                database: "mysql",
                connect: midnight(date)
                    + Duration::hours(hour)
                    + Duration::seconds(rng.range(3, 50)),
                login: Login::Ok,
                statements: vec![stmt(0, "SELECT 1", &[])],
                disconnect_after: 0,
            });
        }
    }
}
