//! TLS for the live inventory. RDS for PostgreSQL 15+ refuses unencrypted connections
//! (`rds.force_ssl = 1`) and MySQL accounts may `REQUIRE SSL`, so both drivers speak
//! TLS, configured the way libpq users already know: `sslmode` and `sslrootcert` in the
//! URL's query, for either engine (`…?sslmode=verify-full&sslrootcert=global-bundle.pem`,
//! the RDS CA bundle). The two parameters are taken out of the URL before the drivers
//! see it, so they never reach the recorded server name either.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// libpq's `sslmode` values, with libpq's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain text.
    Disable,
    /// TLS when the server offers it, certificate not checked (libpq's default):
    /// protects against a passive listener, not against an impostor.
    Prefer,
    /// TLS or no connection; certificate not checked.
    Require,
    /// TLS; the certificate chains to a trusted root; the host name is not checked.
    VerifyCa,
    /// TLS; chain and host name checked. What an audit should use.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// Whether the server's certificate chain must be checked.
    pub fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// How to reach one server: the mode and the roots to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// PEM file of trusted roots; without it, the Mozilla roots (webpki-roots).
    pub root_cert: Option<PathBuf>,
}

impl Tls {
    /// Takes `sslmode` and `sslrootcert` out of the URL's query. As in libpq, a root
    /// certificate turns `require` into `verify-ca`.
    pub fn take_from(url: &mut url::Url) -> Result<Tls, String> {
        let mut mode = None;
        let mut root_cert = None;
        let mut rest = Vec::new();
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "sslmode" => {
                    mode = Some(SslMode::parse(&v).ok_or_else(|| {
                        format!("sslmode={v} is not one of disable, prefer, require, verify-ca, verify-full")
                    })?);
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(v.as_ref())),
                _ => rest.push((k.into_owned(), v.into_owned())),
            }
        }
        if rest.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(rest);
        }
        let mode = match (mode.unwrap_or(SslMode::Prefer), &root_cert) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (m, _) => m,
        };
        Ok(Tls { mode, root_cert })
    }

    /// The trusted roots, as DER certificates; errors name the file.
    pub fn roots(&self) -> Result<Vec<CertificateDer<'static>>, String> {
        let Some(path) = &self.root_cert else {
            return Ok(Vec::new());
        };
        let shown = path.display();
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("sslrootcert={shown}: {}", pem_error(&e)))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("sslrootcert={shown}: {}", pem_error(&e)))?;
        if certs.is_empty() {
            return Err(format!("sslrootcert={shown}: no PEM certificate in it"));
        }
        Ok(certs)
    }

    /// A rustls configuration that checks what the mode asks for, no more.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut store = RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                for cert in self.roots()? {
                    store
                        .add(cert)
                        .map_err(|e| format!("sslrootcert={}: {e}", path.display()))?;
                }
            }
            None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|e| format!("TLS roots: {e}"))?;
        let verifier = Verifier {
            inner,
            mode: self.mode,
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(config)
    }
}

/// What to do about a certificate the client refused; `None` for other failures.
pub fn hint(reason: &str) -> Option<&'static str> {
    if reason.contains("UnknownIssuer") {
        Some(
            "the server's certificate is not signed by a trusted root: add sslrootcert=PATH \
             (for RDS, the bundle https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)",
        )
    } else if reason.contains("not valid for name") {
        Some(
            "the certificate does not name the host in the URL: connect by the endpoint name \
             the certificate carries, or use sslmode=verify-ca to check the chain only",
        )
    } else {
        None
    }
}

fn pem_error(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        other => format!("not a PEM certificate file ({other:?})"),
    }
}

/// WebPKI verification, relaxed as the mode says. Handshake signatures are always
/// checked: even unverified TLS must be TLS with the key the certificate names.
#[derive(Debug)]
struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    mode: SslMode,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.mode.verifies() {
            return Ok(ServerCertVerified::assertion());
        }
        let checked = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match checked {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.mode == SslMode::VerifyCa => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Gives the process a default rustls provider (aws-lc-rs, the one tagtrail's own TLS
/// uses) for clients that build their configuration from it, as `mysql_async` does.
/// rustls picks one by itself only when a single provider is compiled in, and two are:
/// aws-lc-rs here and ring through the S3 lake's HTTP client. Without this, a MySQL
/// connection over TLS panicked.
pub fn install_default_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one meanwhile: that one is kept, and any
        // installed provider is a complete one.
        let _kept = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(url: &str) -> (Result<Tls, String>, String) {
        let mut u = url::Url::parse(url).unwrap();
        let tls = Tls::take_from(&mut u);
        (tls, u.to_string())
    }

    #[test]
    fn ssl_parameters_leave_the_url() {
        let (tls, rest) = take(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/rds.pem&application_name=x",
        );
        assert_eq!(
            tls.unwrap(),
            Tls {
                mode: SslMode::VerifyFull,
                root_cert: Some("/etc/rds.pem".into())
            }
        );
        assert_eq!(rest, "postgres://u@h/db?application_name=x");
        let (tls, rest) = take("mysql://u@h:3306/?sslmode=disable");
        assert_eq!(tls.unwrap().mode, SslMode::Disable);
        assert_eq!(rest, "mysql://u@h:3306/");
    }

    #[test]
    fn libpq_defaults_prefer_and_a_root_makes_require_verify_the_chain() {
        assert_eq!(take("mysql://u@h/").0.unwrap().mode, SslMode::Prefer);
        assert_eq!(
            take("mysql://u@h/?sslmode=require&sslrootcert=ca.pem")
                .0
                .unwrap()
                .mode,
            SslMode::VerifyCa
        );
        assert_eq!(
            take("mysql://u@h/?sslmode=verify").0.unwrap_err(),
            "sslmode=verify is not one of disable, prefer, require, verify-ca, verify-full"
        );
    }

    #[test]
    fn unreadable_root_files_are_named() {
        let tls = Tls {
            mode: SslMode::VerifyFull,
            root_cert: Some("/nonexistent/rds-ca.pem".into()),
        };
        let e = tls.client_config().unwrap_err();
        assert!(
            e.starts_with("sslrootcert=/nonexistent/rds-ca.pem: No such file"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "hello\n").unwrap();
        let tls = Tls {
            root_cert: Some(not_pem.clone()),
            ..tls
        };
        assert_eq!(
            tls.client_config().unwrap_err(),
            format!(
                "sslrootcert={}: no PEM certificate in it",
                not_pem.display()
            )
        );
    }
}
