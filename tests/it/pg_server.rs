//! A real PostgreSQL 15 server with pgaudit, configured like RDS for PostgreSQL, private
//! to one test: its own cluster in a temporary folder, a free port on 127.0.0.1 and ::1,
//! its own socket folder. It logs in both formats at once (`stderr,csvlog`) with the RDS
//! `log_line_prefix`, connections and disconnections, pgaudit session auditing
//! (`read,write,ddl,role`) and object auditing through `rds_pgaudit`; SSL is on with a
//! certificate from a test CA (`ca_cert`), and `iam_user` authenticates through the PAM service
//! `tagtrail-iam-sim` (accepts only IAM-token-shaped passwords; `.ci/run` installs it),
//! as RDS authenticates `rds_iam` users. PostgreSQL refuses to run as root, so as root
//! every server command runs as `postgres` (`runuser`). Stopped with `pg_ctl stop`
//! (and by PID if that fails) when the test is done with it, and on panic through `Drop`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{free_port, is_root, signal, which};

pub const BIN: &str = "/usr/lib/postgresql/15/bin";
pub const PAM_SERVICE: &str = "tagtrail-iam-sim";

pub struct Server {
    base: tempfile::TempDir,
    pub port: u16,
    running: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a server tool, as `postgres` when we are root.
fn as_owner(tool: &str) -> Command {
    let path = Path::new(BIN).join(tool);
    if is_root() {
        let mut c = Command::new(which("runuser").expect("runuser (util-linux)"));
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn check(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Where a client connects from.
#[derive(Clone, Copy)]
pub enum Origin {
    V4,
    V6,
    Socket,
}

impl Server {
    /// As root, the server runs as `postgres`: its files must be that user's.
    fn give_to_postgres(&self) {
        if is_root() {
            check(
                "chown",
                Command::new("chown")
                    .args(["-R", "postgres:"])
                    .arg(self.base.path())
                    .output()
                    .unwrap(),
            );
        }
    }

    pub fn log_dir(&self) -> PathBuf {
        self.base.path().join("log")
    }

    fn data(&self) -> PathBuf {
        self.base.path().join("data")
    }

    /// The CA that signed the server's certificate (issued for 127.0.0.1 only).
    pub fn ca_cert(&self) -> PathBuf {
        self.base.path().join("tls/ca.crt")
    }

    fn socket_dir(&self) -> PathBuf {
        self.base.path().join("run")
    }

    pub fn start(admin_password: &str) -> Server {
        for tool in ["postgres", "initdb", "pg_ctl", "psql"] {
            assert!(
                Path::new(BIN).join(tool).is_file(),
                "{BIN}/{tool} is missing: this test needs a real PostgreSQL 15 (apt-get install postgresql-15, as .ci/run does)"
            );
        }
        assert!(
            Path::new("/usr/lib/postgresql/15/lib/pgaudit.so").is_file(),
            "pgaudit.so is missing: this test needs pgaudit (apt-get install postgresql-15-pgaudit, as .ci/run does)"
        );
        assert!(
            Path::new("/etc/pam.d").join(PAM_SERVICE).is_file(),
            "/etc/pam.d/{PAM_SERVICE} is missing: run `bash .ci/run`, which installs the PAM service that plays RDS IAM authentication"
        );
        let base = tempfile::tempdir().unwrap();
        let mut server = Server {
            base,
            port: free_port(),
            running: false,
        };
        for d in ["log", "run"] {
            std::fs::create_dir_all(server.base.path().join(d)).unwrap();
        }
        let pwfile = server.base.path().join("pwfile");
        std::fs::write(&pwfile, format!("{admin_password}\n")).unwrap();
        server.give_to_postgres();
        check(
            "initdb",
            as_owner("initdb")
                .arg("-D")
                .arg(server.data())
                .args([
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["-E", "UTF8", "--locale=C.UTF-8"])
                .output()
                .unwrap(),
        );
        std::fs::remove_file(&pwfile).unwrap();
        let data = server.data();
        // Issued for 127.0.0.1 only: a client verifying the host name against
        // `localhost` is refused, one verifying only the chain is not.
        let tls = server.base.path().join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        let issued = crate::test_ca::issue(&tls, "IP:127.0.0.1");
        std::fs::copy(&issued.cert, data.join("server.crt")).unwrap();
        std::fs::copy(&issued.key, data.join("server.key")).unwrap();
        let conf = format!(
            "\n# tagtrail test server: RDS for PostgreSQL logging\n\
             listen_addresses = '127.0.0.1,::1'\n\
             port = {port}\n\
             unix_socket_directories = '{run}'\n\
             ssl = on\n\
             logging_collector = on\n\
             log_destination = 'stderr,csvlog'\n\
             log_directory = '{log}'\n\
             log_filename = 'postgresql.log.%Y-%m-%d-%H'\n\
             log_rotation_age = 60\n\
             log_timezone = 'UTC'\n\
             log_line_prefix = '%t:%r:%u@%d:[%p]:'\n\
             log_connections = on\n\
             log_disconnections = on\n\
             log_statement = 'none'\n\
             shared_preload_libraries = 'pgaudit'\n\
             pgaudit.log = 'read,write,ddl,role'\n\
             pgaudit.role = 'rds_pgaudit'\n",
            port = server.port,
            run = server.socket_dir().display(),
            log = server.log_dir().display(),
        );
        let mut pg_conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        pg_conf.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), pg_conf).unwrap();
        // IAM users authenticate through PAM over SSL (RDS: `hostssl all +rds_iam all pam`),
        // before the password lines; `tls_reader` must use SSL (as every user must under
        // RDS's rds.force_ssl); the admin uses the socket without a password.
        std::fs::write(
            data.join("pg_hba.conf"),
            format!(
                "local all postgres trust\n\
                 local all all scram-sha-256\n\
                 hostssl all iam_user 127.0.0.1/32 pam pamservice={PAM_SERVICE}\n\
                 hostnossl all tls_reader all reject\n\
                 host all all 127.0.0.1/32 scram-sha-256\n\
                 host all all ::1/128 scram-sha-256\n"
            ),
        )
        .unwrap();
        server.give_to_postgres();
        std::fs::set_permissions(
            data.join("server.key"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        // `-w` waits on the postmaster.pid status, not by connecting: the logs hold only
        // what the test does.
        check(
            "pg_ctl start",
            as_owner("pg_ctl")
                .arg("-D")
                .arg(server.data())
                .arg("-l")
                .arg(server.base.path().join("pg_ctl.log"))
                .args(["-w", "-t", "60", "start"])
                .output()
                .unwrap(),
        );
        server.running = true;
        server
    }

    fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// `pg_ctl stop -m fast` (waits until every backend has logged its disconnection);
    /// SIGTERM to the postmaster's PID if pg_ctl fails. The files stay until drop.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        let pid = self.postmaster_pid();
        let stopped = as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !stopped && let Some(pid) = pid {
            signal(pid, "TERM");
        }
    }

    fn psql(&self) -> Command {
        let mut c = Command::new(Path::new(BIN).join("psql"));
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGSERVICE",
            "PGSSLMODE",
        ] {
            c.env_remove(var);
        }
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        c
    }

    /// Runs statements as the superuser over the socket, one `-c` (one query) each.
    pub fn admin(&self, database: &str, statements: &[&str]) {
        let mut c = self.psql();
        c.arg(format!(
            "host={} port={} user=postgres dbname={database}",
            self.socket_dir().display(),
            self.port
        ));
        for s in statements {
            c.args(["-c", s]);
        }
        check(&format!("{statements:?}"), c.output().unwrap());
    }

    /// One real client session (one `psql` process), each statement its own query;
    /// returns whether psql succeeded.
    pub fn session(
        &self,
        from: Origin,
        user: &str,
        password: &str,
        database: &str,
        sslmode: &str,
        statements: &[&str],
    ) -> bool {
        let host = match from {
            Origin::V4 => "127.0.0.1".to_string(),
            Origin::V6 => "::1".to_string(),
            Origin::Socket => self.socket_dir().display().to_string(),
        };
        let mut c = self.psql();
        c.env("PGPASSWORD", password).arg(format!(
            "host={host} port={} user={user} dbname={database} sslmode={sslmode} connect_timeout=10",
            self.port
        ));
        for s in statements {
            c.args(["-c", s]);
        }
        c.output().unwrap().status.success()
    }
}
