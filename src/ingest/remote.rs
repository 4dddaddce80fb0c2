//! S3 inputs: list (CloudTrail's layout, and database logs by their RDS or CloudWatch
//! export names), skip what the manifest has (by key, size and ETag, before any
//! download), download the rest with bounded concurrency, and feed them, in key order,
//! to the same pipeline as local files.

use std::path::Path;

use futures::StreamExt;

use super::{IngestError, IngestOptions, Ingestor, Progress};
use crate::fetch::FetchError;
use crate::fetch::lookup::EventHistory;
use crate::fetch::s3::{Bucket, CONCURRENCY, ObjectRef, S3Url, delivery_days};
use crate::lake::manifest::FileKey;
use crate::sources::cloudtrail::ASSUME_ROLE_WITH_SAML;
use crate::sources::rds_files;

pub(super) async fn ingest(
    ingestor: &mut Ingestor<'_>,
    urls: &[&S3Url],
    opts: &IngestOptions,
    progress: &mut dyn Progress,
) -> Result<(), IngestError> {
    let days = delivery_days(opts.since, opts.until);
    for url in urls {
        let bucket = Bucket::connect(url, &opts.aws).await;
        let (mut objects, discovered) = bucket.cloudtrail_objects(days).await?;
        for d in discovered {
            ingestor.note_discovered(format!("{url}: {d}"));
        }
        // Database logs carry no date in most names (and CloudWatch exports are not
        // time-ordered), so they are listed whole whatever the period.
        objects.extend(
            bucket
                .objects_outside_trails(|key| rds_files::classify(key).is_some())
                .await?,
        );
        progress.add_total(objects.len() as u64);
        let mut wanted = Vec::new();
        for o in objects {
            let uri = url.object(&o.key);
            if ingestor.skip_known_object(&uri, &uri, o.size, &o.etag) {
                progress.done(&uri);
            } else {
                wanted.push(o);
            }
        }
        // Downloads run as tasks, so they go on while the main task decodes a file.
        let mut downloads = futures::stream::iter(wanted)
            .map(|o| {
                let bucket = bucket.clone();
                tokio::spawn(async move {
                    let bytes = bucket.get(&o.key).await;
                    (o, bytes)
                })
            })
            .buffered(CONCURRENCY);
        while let Some(joined) = downloads.next().await {
            let (o, bytes) = joined.map_err(|e| FetchError::S3 {
                url: url.to_string(),
                message: format!("download task failed: {e}"),
            })?;
            let uri = url.object(&o.key);
            match bytes {
                Ok(bytes) => {
                    let key = file_key(&uri, &o, &bytes);
                    ingestor.object(&uri, Path::new(&o.key), key, &bytes)?;
                }
                Err(e) => ingestor.unreadable(&uri, file_key(&uri, &o, &[]), e.to_string()),
            }
            progress.done(&uri);
        }
    }
    Ok(())
}

fn file_key(uri: &str, o: &ObjectRef, bytes: &[u8]) -> FileKey {
    use sha2::{Digest, Sha256};
    FileKey {
        source_uri: uri.to_string(),
        size: o.size,
        sha256: super::local::hex(&Sha256::digest(bytes)),
        etag: Some(o.etag.clone()),
    }
}

/// Pulls every kept event name from one region's LookupEvents API.
pub(super) async fn event_history(
    ingestor: &mut Ingestor<'_>,
    region: Option<&str>,
    opts: &IngestOptions,
    progress: &mut dyn Progress,
) -> Result<(), IngestError> {
    let region = match region.or(opts.aws.region.as_deref()) {
        Some(r) => r.to_string(),
        None => match crate::fetch::sdk_config(&opts.aws).await.region() {
            Some(r) => r.to_string(),
            None => {
                return Err(FetchError::Lookup {
                    region: String::new(),
                    message: "no region: write cloudtrail-api:<region> or pass --region".into(),
                }
                .into());
            }
        },
    };
    let mut names = vec![ASSUME_ROLE_WITH_SAML.to_string()];
    names.extend(opts.settings.events.names().map(str::to_string));
    progress.add_total(names.len() as u64);
    let mut history = EventHistory::connect(&region, &opts.aws).await;
    let mut events = Vec::new();
    for name in &names {
        events.extend(history.events(name, opts.since, opts.until).await?);
        progress.done(&format!("cloudtrail-api:{region} {name}"));
    }
    ingestor.api_events(&format!("cloudtrail-api:{region}"), &events)
}
