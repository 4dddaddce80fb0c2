//! CloudTrail's S3 delivery layout: `<prefix>/AWSLogs/[o-orgid/]<account>/CloudTrail/
//! <region>/YYYY/MM/DD/<file>.json.gz`.
//!
//! With a period, only the day folders inside it are listed (accounts and regions are
//! discovered from the folder listing, one level at a time), never the whole bucket:
//! an organization trail holds years of every account's logs. Without a period the
//! prefix is listed whole. Digest files ([`digests`]) are found the same way, under
//! `CloudTrail-Digest/` instead of `CloudTrail/`.

mod digests;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;
use chrono::{DateTime, Days, NaiveDate};

use super::{AwsOptions, FetchError, sdk_config};
use crate::errors::describe;

/// `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl S3Url {
    pub fn parse(text: &str) -> Result<S3Url, String> {
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{text}` is not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{text}` names no bucket"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    pub fn object(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// An object found by listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub key: String,
    pub size: i64,
    pub etag: String,
}

/// Cheap to clone: the SDK client shares its connection pool.
#[derive(Clone)]
pub struct Bucket {
    client: Client,
    url: S3Url,
}

/// How many objects are downloaded at once: enough to hide S3 latency, few enough that
/// memory stays bounded (CloudTrail files are kilobytes to a few megabytes).
pub const CONCURRENCY: usize = 8;

/// A downloaded object with its user metadata, which is where CloudTrail keeps a
/// digest's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub bytes: Vec<u8>,
    /// `x-amz-meta-*` headers, keyed without the `x-amz-meta-` prefix (as the SDK returns them).
    pub metadata: HashMap<String, String>,
}

/// The folder under `AWSLogs/…/<account>/` that holds log files, and the one for digests.
pub const LOG_FOLDER: &str = "CloudTrail";
pub const DIGEST_FOLDER: &str = "CloudTrail-Digest";

impl Bucket {
    pub async fn connect(url: &S3Url, opts: &AwsOptions) -> Bucket {
        let conf = sdk_config(opts).await;
        let mut builder = aws_sdk_s3::config::Builder::from(&conf);
        // Local emulators and most S3-compatible stores only speak path-style.
        if opts.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some() {
            builder = builder.force_path_style(true);
        }
        if conf.region().is_none() {
            builder = builder.region(Region::new("us-east-1"));
        }
        Bucket {
            client: Client::from_conf(builder.build()),
            url: url.clone(),
        }
    }

    fn err(&self, prefix: &str, e: &(dyn std::error::Error + 'static)) -> FetchError {
        FetchError::S3 {
            url: self.url.object(prefix),
            message: describe(e),
        }
    }

    /// One level of "folders" under `prefix` (which ends with `/`), as full prefixes.
    async fn folders(&self, prefix: &str) -> Result<Vec<String>, FetchError> {
        Ok(self.list(prefix, Some("/")).await?.1)
    }

    /// Every object under `prefix`, recursively.
    async fn objects(&self, prefix: &str) -> Result<Vec<ObjectRef>, FetchError> {
        Ok(self.list(prefix, None).await?.0)
    }

    /// Objects and common prefixes under `prefix`, all pages.
    async fn list(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Result<(Vec<ObjectRef>, Vec<String>), FetchError> {
        let (mut objects, mut folders) = (Vec::new(), Vec::new());
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.url.bucket)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.err(prefix, &e))?;
            folders.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_string)),
            );
            for o in page.contents() {
                if let Some(key) = o.key() {
                    objects.push(ObjectRef {
                        key: key.to_string(),
                        size: o.size().unwrap_or_default(),
                        etag: o.e_tag().unwrap_or_default().to_string(),
                    });
                }
            }
        }
        Ok((objects, folders))
    }

    /// The CloudTrail log objects to read, sorted by key, and the `account/region`
    /// pairs found on the way. `days` is the inclusive range of delivery days to list.
    pub async fn cloudtrail_objects(
        &self,
        days: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<(Vec<ObjectRef>, Vec<String>), FetchError> {
        let Some((first, last)) = days else {
            let mut all = self.objects(&self.url.prefix).await?;
            all.retain(|o| is_log_key(&o.key));
            all.sort_by(|a, b| a.key.cmp(&b.key));
            return Ok((all, Vec::new()));
        };
        let mut found = Vec::new();
        let mut discovered = Vec::new();
        for region_prefix in self.region_prefixes(LOG_FOLDER).await? {
            if let Some(pair) = account_region(&region_prefix) {
                discovered.push(pair);
            }
            let mut day = first;
            while day <= last {
                let p = format!("{region_prefix}{}/", day.format("%Y/%m/%d"));
                found.extend(
                    self.objects(&p)
                        .await?
                        .into_iter()
                        .filter(|o| is_log_key(&o.key)),
                );
                day = day + Days::new(1);
            }
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok((found, discovered))
    }

    /// Objects under the URL's prefix, outside CloudTrail's `AWSLogs/` trees, whose key
    /// `keep` accepts, sorted by key: database logs exported next to a trail (RDS
    /// downloads, CloudWatch exports) are found without listing years of CloudTrail.
    /// Folders are walked one level at a time so that an `AWSLogs/` folder is skipped
    /// whole; a prefix inside `AWSLogs/` holds no such objects.
    pub async fn objects_outside_trails(
        &self,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<ObjectRef>, FetchError> {
        let mut found = Vec::new();
        if self.url.prefix.contains("AWSLogs/") {
            return Ok(found);
        }
        let mut pending = vec![self.url.prefix.clone()];
        while let Some(prefix) = pending.pop() {
            let (objects, folders) = self.list(&prefix, Some("/")).await?;
            found.extend(objects.into_iter().filter(|o| keep(&o.key)));
            pending.extend(folders.into_iter().filter(|f| last_segment(f) != "AWSLogs"));
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// `…/AWSLogs/[o-…/]<account>/<subfolder>/<region>/` for every account and region
    /// under the URL's prefix (which may already name an organization, account or region);
    /// `subfolder` is [`LOG_FOLDER`] or [`DIGEST_FOLDER`].
    async fn region_prefixes(&self, subfolder: &str) -> Result<Vec<String>, FetchError> {
        let prefix = folder(&self.url.prefix);
        let (base, rest) = match prefix.find("AWSLogs/") {
            Some(i) => (prefix[..i + 8].to_string(), prefix[i + 8..].to_string()),
            None => (format!("{prefix}AWSLogs/"), String::new()),
        };
        let mut segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        // Organization trails add one level.
        let mut roots = vec![base.clone()];
        if let Some(org) = segs.first().filter(|s| s.starts_with("o-")) {
            roots = vec![format!("{base}{org}/")];
            segs.remove(0);
        }
        let mut accounts = Vec::new();
        match segs.first() {
            Some(acct) => accounts.extend(roots.iter().map(|r| format!("{r}{acct}/"))),
            None => {
                for root in &roots {
                    for child in self.folders(root).await? {
                        if last_segment(&child).starts_with("o-")
                            && segs.is_empty()
                            && *root == base
                        {
                            accounts.extend(self.folders(&child).await?);
                        } else {
                            accounts.push(child);
                        }
                    }
                }
            }
        }
        let mut regions = Vec::new();
        for acct in accounts {
            let trail = format!("{acct}{subfolder}/");
            match segs.get(2) {
                Some(region) => regions.push(format!("{trail}{region}/")),
                None => regions.extend(self.folders(&trail).await?),
            }
        }
        Ok(regions)
    }

    /// Downloads an object, retrying a failed transfer (the SDK already retries
    /// failed requests; this covers a body cut off mid-stream).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, FetchError> {
        match self.get_object(key).await? {
            Some(object) => Ok(object.bytes),
            None => Err(FetchError::S3 {
                url: self.url.object(key),
                message: "no such object".into(),
            }),
        }
    }

    /// Like [`Bucket::get`], with the object's user metadata; `None` when the key does
    /// not exist, which is an answer (a deleted log file), not a failure to retry.
    pub async fn get_object(&self, key: &str) -> Result<Option<Object>, FetchError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = async {
                let out = match self
                    .client
                    .get_object()
                    .bucket(&self.url.bucket)
                    .key(key)
                    .send()
                    .await
                {
                    Ok(out) => out,
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                        return Ok(None);
                    }
                    Err(e) => return Err(self.err(key, &e)),
                };
                let metadata = out.metadata().cloned().unwrap_or_default();
                let body = out.body.collect().await.map_err(|e| self.err(key, &e))?;
                Ok::<_, FetchError>(Some(Object {
                    bytes: body.into_bytes().to_vec(),
                    metadata,
                }))
            }
            .await;
            match result {
                Ok(object) => return Ok(object),
                Err(e) if attempt >= 3 => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(200 << attempt)).await,
            }
        }
    }
}

fn folder(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

fn last_segment(prefix: &str) -> &str {
    prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// `…/AWSLogs/[o-org/]<account>/CloudTrail/<region>/` → `[o-org/]account/region`.
fn account_region(region_prefix: &str) -> Option<String> {
    let (_, rest) = region_prefix.split_once("AWSLogs/")?;
    let segs: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != "CloudTrail")
        .collect();
    (segs.len() >= 2).then(|| segs.join("/"))
}

/// CloudTrail log files, not digests or other objects that share the bucket.
fn is_log_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or_default();
    key.contains("/CloudTrail/")
        && name.contains("_CloudTrail_")
        && (name.ends_with(".json.gz") || name.ends_with(".json"))
}

/// The delivery days to list for `[since, until)` (µs, UTC): CloudTrail files are
/// filed under the day they were delivered, minutes after the events, so the day
/// after the period is listed too.
pub fn delivery_days(since: Option<i64>, until: Option<i64>) -> Option<(NaiveDate, NaiveDate)> {
    let day = |us: i64| DateTime::from_timestamp_micros(us).map(|t| t.date_naive());
    match (since, until) {
        (None, None) => None,
        (s, u) => {
            let today = chrono::Utc::now().date_naive();
            let first = s
                .and_then(day)
                .unwrap_or(NaiveDate::from_ymd_opt(2013, 11, 1)?);
            let last = u.and_then(|u| day(u - 1)).unwrap_or(today);
            Some((first, last.checked_add_days(Days::new(1))?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_keys() {
        assert_eq!(
            S3Url::parse("s3://trail-bucket/org/").unwrap(),
            S3Url {
                bucket: "trail-bucket".into(),
                prefix: "org/".into()
            }
        );
        assert_eq!(S3Url::parse("s3://b").unwrap().prefix, "");
        assert!(S3Url::parse("s3:///x").is_err());
        assert!(S3Url::parse("/tmp/x").is_err());
        assert!(is_log_key(
            "AWSLogs/o-1/111122223333/CloudTrail/eu-west-1/2026/11/16/111122223333_CloudTrail_eu-west-1_20261116T0813Z_h7gXzjW9kJrpPQXF.json.gz"
        ));
        assert!(!is_log_key(
            "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/16/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261116T081300Z.json.gz"
        ));
        assert_eq!(
            account_region("x/AWSLogs/o-1/111122223333/CloudTrail/eu-west-1/").as_deref(),
            Some("o-1/111122223333/eu-west-1")
        );
    }

    #[test]
    fn delivery_days_cover_the_period_and_late_deliveries() {
        let t = |s: &str| crate::sources::timefmt::parse_iso(s).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            delivery_days(
                Some(t("2026-11-16T00:00:00Z")),
                Some(t("2026-11-18T00:00:00Z"))
            ),
            Some((d("2026-11-16"), d("2026-11-18")))
        );
        assert_eq!(delivery_days(None, None), None);
    }
}
