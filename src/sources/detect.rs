//! Which format a file holds and which instance wrote it, decided from the file itself
//! (content, then path), so users can point tagtrail at a whole evidence folder.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::SourceKind;
use super::pg::LinePrefix;

/// gzip magic bytes: CloudTrail delivers `.json.gz`; rotated audit logs are often gzipped.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// A reader over the file's decompressed content.
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead + Send + 'static>> {
    let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let gz = is_gzip(file.fill_buf()?);
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(file)))
    } else {
        Box::new(file)
    })
}

/// A reader over downloaded bytes, decompressed when they are gzip.
pub fn open_bytes(bytes: &[u8]) -> Box<dyn BufRead + Send + '_> {
    if is_gzip(bytes) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(bytes),
        ))
    } else {
        Box::new(bytes)
    }
}

/// Guesses the format from the first bytes of decompressed content (PostgreSQL stderr
/// logs with the RDS prefix).
pub fn sniff(head: &[u8]) -> Option<SourceKind> {
    sniff_with_prefix(head, LinePrefix::rds())
}

/// Guesses the format from the first bytes of decompressed content; PostgreSQL stderr
/// lines must start with `prefix`.
pub fn sniff_with_prefix(head: &[u8], prefix: &LinePrefix) -> Option<SourceKind> {
    let text = head.trim_ascii_start();
    if let Some(kind) = super::inventory_detect::sniff(text) {
        return Some(kind);
    }
    if text.starts_with(b"{") || text.starts_with(b"[") {
        let window = &text[..text.len().min(4096)];
        if text.starts_with(b"{")
            && window
                .windows(b"\"Records\"".len())
                .any(|w| w == b"\"Records\"")
        {
            return Some(SourceKind::CloudTrail);
        }
        if super::okta::looks_like_okta(window) {
            return Some(SourceKind::OktaLog);
        }
        return (text.starts_with(b"{") && super::iam_policy::sniff(window))
            .then_some(SourceKind::IamPolicy);
    }
    if super::saml::looks_like_saml(text) {
        return Some(SourceKind::Saml);
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if looks_like_mysql_audit(first_line) {
        return Some(SourceKind::MysqlAudit);
    }
    if looks_like_csvlog(first_line) {
        return Some(SourceKind::PgCsvlog);
    }
    // Stray lines (curl/PAM debug output) may come first; a prefixed line among the
    // first few decides.
    String::from_utf8_lossy(text)
        .lines()
        .take(32)
        .any(|line| prefix.starts_entry(line))
        .then_some(SourceKind::PgStderr)
}

/// csvlog records start with `log_time` in milliseconds and its zone, then a comma:
/// `2026-11-28 15:04:27.209 UTC,`.
fn looks_like_csvlog(line: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| line[r].iter().all(u8::is_ascii_digit);
    line.len() > 25
        && digits(0..4)
        && line[4] == b'-'
        && line[10] == b' '
        && line[13] == b':'
        && line[19] == b'.'
        && digits(20..23)
        && line[23] == b' '
        && line[24..]
            .iter()
            .take_while(|&&b| b != b',')
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'-')
        && line[24..].contains(&b',')
}

/// `YYYYMMDD HH:MM:SS,` (MariaDB plugin) or a 16-digit epoch in µs (Aurora) then a comma.
fn looks_like_mysql_audit(line: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let mariadb = line.len() > 18
        && digits(&line[..8])
        && line[8] == b' '
        && line[11] == b':'
        && line[14] == b':'
        && line[17] == b',';
    let aurora = line.len() > 17 && digits(&line[..16]) && line[16] == b',';
    mariadb || aurora
}

/// Reads up to `n` decompressed bytes for sniffing.
pub fn head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    open(path)?.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The RDS instance named by the path; see [`super::rds_files::instance_from_path`].
pub fn instance_from_path(path: &Path) -> Option<String> {
    super::rds_files::instance_from_path(path)
}

/// CloudTrail digest files live beside the logs but are not event records.
pub fn is_cloudtrail_digest(path: &Path) -> bool {
    path.iter().any(|p| p == "CloudTrail-Digest")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats() {
        assert_eq!(
            sniff(b"{\"Records\":[{\"eventVersion\":\"1.08\"}]}"),
            Some(SourceKind::CloudTrail)
        );
        assert_eq!(
            sniff(b"  {\n \"Records\" : []}"),
            Some(SourceKind::CloudTrail)
        );
        assert_eq!(sniff(b"{\"eventVersion\":\"1.08\"}"), None);
        assert_eq!(
            sniff(b"20221201 14:07:05,ip-10-22-1-51,rdsadmin,localhost,821,0,CONNECT,,,0,SOCKET\n"),
            Some(SourceKind::MysqlAudit)
        );
        assert_eq!(
            sniff(b"1495483575011573,ip-10-1-1-1,rdsadmin,localhost,12,0,CONNECT,,,0\n"),
            Some(SourceKind::MysqlAudit)
        );
        assert_eq!(
            sniff(b"2026-11-28 15:03:15 UTC::@:[123]:LOG:  database system is ready"),
            Some(SourceKind::PgStderr)
        );
        assert_eq!(
            sniff(b"* Connected to rdsauthproxy (x) port 1108 (#0)\n2023-03-17 08:19:37 UTC:vpn.vpc.ip.xx(50249):iamuser/dbuser@postgres:[4319]:LOG: pam_authenticate failed: Permission denied\n"),
            Some(SourceKind::PgStderr)
        );
        assert_eq!(
            sniff(b"2026-11-28 15:04:27.209 UTC,\"bob\",\"shop\",20729,\"127.0.0.1:47728\",6b0aed7b.50f9,2,\"authentication\""),
            Some(SourceKind::PgCsvlog)
        );
        let custom = LinePrefix::compile("%m [%p] %q%u@%d ").unwrap();
        let line = b"2026-11-28 15:03:15.123 UTC [77] alice@shop LOG:  statement: SELECT 1\n";
        assert_eq!(sniff(line), None);
        assert_eq!(sniff_with_prefix(line, &custom), Some(SourceKind::PgStderr));
        assert_eq!(sniff(b"* Connected to rdsauthproxy\n"), None);
        assert_eq!(sniff(b""), None);
    }
}
