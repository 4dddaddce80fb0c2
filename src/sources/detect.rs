//! Which format a file holds and which instance wrote it, decided from the file itself
//! (content, then path), so users can point tagtrail at a whole evidence folder.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    Ok(if gz { gunzip(file) } else { Box::new(file) })
}

/// A reader over downloaded bytes, decompressed when they are gzip.
pub fn open_bytes(bytes: &[u8]) -> Box<dyn BufRead + Send + '_> {
    if is_gzip(bytes) {
        gunzip(bytes)
    } else {
        Box::new(bytes)
    }
}

/// How far a gzip stream may expand. Real evidence compresses 5 to 30 times (CloudTrail
/// JSON, audit lines); gzip itself cannot pass about 1030:1, which is what a bomb of
/// zeros reaches. Past this the stream is refused, so a few megabytes cannot make
/// tagtrail inflate gigabytes.
pub const MAX_GZIP_RATIO: u64 = 200;

/// Decompressed bytes below which the ratio is not checked: a small file of repeated
/// lines may compress far better and costs nothing to read.
pub const RATIO_FREE_BYTES: u64 = 16 << 20;

/// gzip decompression watched by the ratio limit.
fn gunzip<'a>(raw: impl Read + Send + 'a) -> Box<dyn BufRead + Send + 'a> {
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: raw,
        read: compressed.clone(),
    };
    let guard = RatioGuard {
        inner: MultiGzDecoder::new(counted),
        compressed,
        inflated: 0,
    };
    Box::new(BufReader::with_capacity(1 << 16, guard))
}

/// Counts the compressed bytes the decoder has taken.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails the stream once it has expanded past [`MAX_GZIP_RATIO`].
struct RatioGuard<R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    inflated: u64,
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.inflated += n as u64;
        let compressed = self.compressed.load(Ordering::Relaxed).max(1);
        if self.inflated > RATIO_FREE_BYTES && self.inflated > MAX_GZIP_RATIO * compressed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "gzip stream expands more than {MAX_GZIP_RATIO}:1 ({} bytes from {compressed}): \
                     a decompression bomb? not read further",
                    self.inflated
                ),
            ));
        }
        Ok(n)
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

    /// A bomb of zeros is refused once past the ratio-free size, before it inflates
    /// whole; ordinary text that compresses less is read to its end.
    #[test]
    fn gzip_streams_that_expand_past_the_ratio_are_refused() {
        use std::io::Write;
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        let bomb = gz(&vec![0u8; 64 << 20]);
        let mut out = Vec::new();
        let err = open_bytes(&bomb).read_to_end(&mut out).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("gzip stream expands more than 200:1 ("),
            "{err}"
        );
        assert!(out.len() < 20 << 20, "{}", out.len());

        // Audit-like lines that differ in their numbers: far below the ratio.
        let mut text = Vec::new();
        for i in 0..400_000u64 {
            let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            writeln!(text, "20261116 09:{:02}:{:02},ip-10-0-1-5,alice,10.0.1.{},{},{},QUERY,shop,'SELECT * FROM customers WHERE id = {}',0",
                x % 60, (x >> 8) % 60, x % 250, x >> 40, x >> 30, x >> 20).unwrap();
        }
        assert!(text.len() > RATIO_FREE_BYTES as usize);
        let mut back = Vec::new();
        open_bytes(&gz(&text)).read_to_end(&mut back).unwrap();
        assert_eq!(back, text);
    }

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
