//! A real MariaDB server with the MariaDB Audit Plugin (`server_audit`, as on RDS for
//! MariaDB), private to one test: its own data directory in a temporary folder, its own
//! free loopback port and socket. Stopped by PID (SIGTERM, so the audit file is complete)
//! when the test is done with it, and on panic through `Drop`. Needs `mariadbd` and the
//! `mariadb` client (Debian package mariadb-server; `.ci/run` installs it).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, is_root, stop_child, which};

pub struct Server {
    child: Option<Child>,
    base: tempfile::TempDir,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How a client reaches the server: TCP on 127.0.0.1, or the Unix socket (which the
/// server logs as client host `localhost`).
#[derive(Clone, Copy)]
pub enum Via {
    Tcp,
    Socket,
}

impl Server {
    pub fn socket(&self) -> PathBuf {
        self.base.path().join("mysqld.sock")
    }

    /// The CA that signed the server's certificate (issued for 127.0.0.1 only).
    pub fn ca_cert(&self) -> PathBuf {
        self.base.path().join("tls/ca.crt")
    }

    pub fn audit_log(&self) -> PathBuf {
        self.base.path().join("log/server_audit.log")
    }

    /// Starts mariadbd with server_audit logging CONNECT, QUERY and TABLE events, the
    /// server process in time zone `tz`. Readiness is read from the error log, not
    /// probed with a client, so the audit log holds only what the test does.
    pub fn start(tz: &str) -> Server {
        for tool in ["mariadbd", "mariadb-install-db", "mariadb"] {
            assert!(
                which(tool).is_some(),
                "{tool} is not installed: this test needs a real MariaDB (apt-get install mariadb-server, as .ci/run does)"
            );
        }
        assert!(
            std::path::Path::new("/usr/lib/mysql/plugin/server_audit.so").exists(),
            "server_audit.so is missing: this test needs the MariaDB Audit Plugin (package mariadb-server, as .ci/run installs)"
        );
        let base = tempfile::tempdir().unwrap();
        for d in ["data", "log", "tmp", "tls"] {
            std::fs::create_dir_all(base.path().join(d)).unwrap();
        }
        let user_flag: Vec<String> = if is_root() {
            vec!["--user=root".into()]
        } else {
            vec![]
        };
        let datadir = format!("--datadir={}", base.path().join("data").display());
        // A private tmpdir: concurrent bootstraps sharing /tmp collide on temporary table
        // files ("Unknown table 'mysql.tmp_user_sys'", seen with two tests starting at once).
        let tmpdir = format!("--tmpdir={}", base.path().join("tmp").display());
        let out = Command::new("mariadb-install-db")
            .args([
                "--no-defaults",
                &datadir,
                &tmpdir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .args(&user_flag)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mariadb-install-db: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // TLS as on RDS, with a certificate for 127.0.0.1 from a test CA (`ca_cert`).
        let tls = crate::test_ca::issue(&base.path().join("tls"), "IP:127.0.0.1");
        let port = free_port();
        let p = |name: &str| base.path().join(name).display().to_string();
        let child = Command::new(which("mariadbd").unwrap())
            .env("TZ", tz)
            .args(["--no-defaults", &datadir, &tmpdir])
            .args(&user_flag)
            .arg(format!("--socket={}", p("mysqld.sock")))
            .arg(format!("--pid-file={}", p("mysqld.pid")))
            .arg(format!("--port={port}"))
            .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
            .arg(format!("--log-error={}", p("log/error.log")))
            .arg(format!("--ssl-ca={}", tls.ca.display()))
            .arg(format!("--ssl-cert={}", tls.cert.display()))
            .arg(format!("--ssl-key={}", tls.key.display()))
            .args([
                "--plugin-load-add=server_audit.so",
                "--server-audit=FORCE_PLUS_PERMANENT",
                "--server-audit-logging=ON",
                "--server-audit-events=CONNECT,QUERY,TABLE",
                "--server-audit-output-type=file",
            ])
            .arg(format!(
                "--server-audit-file-path={}",
                p("log/server_audit.log")
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Server {
            child: Some(child),
            base,
            port,
        };
        let error_log = server.base.path().join("log/error.log");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let log = std::fs::read_to_string(&error_log).unwrap_or_default();
            if log.contains("ready for connections") && server.socket().exists() {
                break;
            }
            let exited = server.child.as_mut().unwrap().try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "mariadbd did not start ({exited:?}): {log}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Stops the server by PID (SIGTERM, then SIGKILL if it hangs) and waits for it; the
    /// files stay until the server is dropped.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_child(child, Duration::from_secs(30));
        }
    }

    /// Runs SQL as root over the socket (as an admin would, `localhost`).
    pub fn root_sql(&self, sql: &str) {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "-uroot"])
            .arg(format!("--socket={}", self.socket().display()))
            .args(["-e", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// One real client session (one `mariadb` process) running `statements` in order;
    /// returns whether the client succeeded.
    pub fn session(
        &self,
        via: Via,
        user: &str,
        password: &str,
        database: Option<&str>,
        statements: &[&str],
    ) -> bool {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults");
        match via {
            Via::Tcp => cmd
                .args(["--protocol=TCP", "-h", "127.0.0.1"])
                .arg(format!("--port={}", self.port)),
            Via::Socket => cmd
                .arg("--protocol=SOCKET")
                .arg(format!("--socket={}", self.socket().display())),
        };
        cmd.arg(format!("--user={user}"))
            .arg(format!("--password={password}"));
        if let Some(db) = database {
            cmd.arg(format!("--database={db}"));
        }
        // The client sends each `;`-terminated statement separately, as a script would.
        let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
        cmd.args(["--batch", "-e", &script])
            .output()
            .unwrap()
            .status
            .success()
    }

    /// A client over TCP (client host 127.0.0.1) running one statement.
    pub fn client(&self, user: &str, password: &str, database: Option<&str>, sql: &str) -> bool {
        self.session(Via::Tcp, user, password, database, &[sql])
    }
}
