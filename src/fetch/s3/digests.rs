//! Finding CloudTrail digest files in a bucket: `<prefix>/AWSLogs/[o-orgid/]<account>/
//! CloudTrail-Digest/<region>/YYYY/MM/DD/<file>.json.gz`.
//!
//! Only the `CloudTrail-Digest/` folders are listed, never the log folders beside them,
//! which hold a thousand times more objects. With a period, only its day folders are.

use chrono::{Days, NaiveDate};

use super::{Bucket, DIGEST_FOLDER, FetchError, ObjectRef, S3Url};

impl Bucket {
    /// The digest objects under the URL's prefix, sorted by key. `days` is the inclusive
    /// range of day folders to list; without it each region's digest folder is listed
    /// whole (or the prefix itself, when it already points inside one).
    pub async fn digest_objects(
        &self,
        days: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<Vec<ObjectRef>, FetchError> {
        let inside = format!("{DIGEST_FOLDER}/");
        let mut found = Vec::new();
        if days.is_none() && self.url.prefix.contains(&inside) {
            found = self.objects(&self.url.prefix).await?;
        } else {
            for region_prefix in self.region_prefixes(DIGEST_FOLDER).await? {
                let Some((first, last)) = days else {
                    found.extend(self.objects(&region_prefix).await?);
                    continue;
                };
                let mut day = first;
                while day <= last {
                    let p = format!("{region_prefix}{}/", day.format("%Y/%m/%d"));
                    found.extend(self.objects(&p).await?);
                    day = day + Days::new(1);
                }
            }
        }
        found.retain(|o| is_digest_key(&o.key));
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// The same client for another bucket: a digest names the bucket of each log file,
    /// which CloudTrail may have delivered elsewhere than the digest.
    pub fn sibling(&self, bucket: &str) -> Bucket {
        Bucket {
            client: self.client.clone(),
            url: S3Url {
                bucket: bucket.to_string(),
                prefix: String::new(),
            },
        }
    }

    /// The bucket this handle reads, so callers can name objects as `s3://…` URIs.
    pub fn url(&self) -> &S3Url {
        &self.url
    }
}

/// Digest files, not their folders or other objects kept beside them.
fn is_digest_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or_default();
    key.contains("/CloudTrail-Digest/")
        && name.contains("_CloudTrail-Digest_")
        && (name.ends_with(".json.gz") || name.ends_with(".json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_keys() {
        assert!(is_digest_key(
            "p/AWSLogs/o-1/111122223333/CloudTrail-Digest/eu-west-1/2026/11/16/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20261116T081300Z.json.gz"
        ));
        assert!(!is_digest_key(
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/16/111122223333_CloudTrail_eu-west-1_20261116T0813Z_h7gXzjW9kJrpPQXF.json.gz"
        ));
        assert!(!is_digest_key(
            "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/16/notes.txt"
        ));
    }
}
