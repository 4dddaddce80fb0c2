//! A throwaway certificate authority and one server certificate it signed, made with
//! the `openssl` command line for the test servers. A bare self-signed certificate
//! (`CA:TRUE`, no subjectAltName) is refused by rustls/webpki, as by any modern client,
//! so verifying clients need a real chain: CA, then a leaf with `CA:FALSE`,
//! `serverAuth` and the names it answers to.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::which;

pub struct Issued {
    /// The CA certificate: what a client passes as `sslrootcert`.
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `ca.crt`, `server.crt` and `server.key` into `dir`; the server certificate
/// names `subject_alt_names` (OpenSSL syntax: `IP:127.0.0.1,DNS:localhost`).
pub fn issue(dir: &Path, subject_alt_names: &str) -> Issued {
    assert!(
        which("openssl").is_some(),
        "openssl is missing (apt-get install openssl, as .ci/run does)"
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-days",
            "2",
            "-subj",
            "/CN=tagtrail test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-subj",
            "/CN=tagtrail test server",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        format!(
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n\
             subjectAltName={subject_alt_names}\n"
        ),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
    Issued {
        ca: dir.join("ca.crt"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}
