//! Which format a file holds and which instance wrote it, decided from the file itself
//! (content, then path), so users can point tagtrail at a whole evidence folder.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::SourceKind;

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

/// Guesses the format from the first bytes of decompressed content.
pub fn sniff(head: &[u8]) -> Option<SourceKind> {
    let text = head.trim_ascii_start();
    if text.starts_with(b"{") {
        let window = &text[..text.len().min(4096)];
        return window
            .windows(b"\"Records\"".len())
            .any(|w| w == b"\"Records\"")
            .then_some(SourceKind::CloudTrail);
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    looks_like_mysql_audit(first_line).then_some(SourceKind::MysqlAudit)
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
            None
        );
        assert_eq!(sniff(b""), None);
    }
}
