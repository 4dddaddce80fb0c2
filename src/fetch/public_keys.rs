//! CloudTrail's `ListPublicKeys`: the keys that signed a region's digest files in a time
//! range, so `verify-digests s3://…` can check signatures without a key file.

use aws_config::retry::RetryConfig;
use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::Region;
use aws_sdk_cloudtrail::primitives::DateTime as SmithyTime;

use super::{AwsOptions, FetchError, sdk_config};
use crate::errors::describe;

/// One key as listed: `Value` (DER) and `Fingerprint`, which digests name it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    pub der: Vec<u8>,
    pub fingerprint: Option<String>,
}

/// Every key valid at some point in `[start, end]` (µs, UTC) in `region`; the API's
/// default (the current key) for an absent bound. Fewer attempts than other calls: an
/// endpoint without this API (an emulator) should fail fast, and the run goes on
/// without keys.
pub async fn list(
    region: &str,
    opts: &AwsOptions,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<Vec<ListedKey>, FetchError> {
    let conf = sdk_config(opts).await;
    let client = Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&conf)
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .build(),
    );
    let time = |us: i64| SmithyTime::from_millis(us.div_euclid(1000));
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_public_keys()
            .set_start_time(start.map(time))
            .set_end_time(end.map(time))
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| FetchError::PublicKeys {
                region: region.to_string(),
                // An endpoint without the API answers with an HTML page, which the SDK
                // reports only as a parse error; the status says what happened.
                message: match e.raw_response().map(|r| r.status()) {
                    Some(status) if !status.is_success() => {
                        format!("HTTP {}: {}", status.as_u16(), describe(&e))
                    }
                    _ => describe(&e),
                },
            })?;
        for key in page.public_key_list() {
            if let Some(value) = key.value() {
                out.push(ListedKey {
                    der: value.as_ref().to_vec(),
                    fingerprint: key.fingerprint().map(str::to_string),
                });
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}
