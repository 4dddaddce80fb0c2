//! Getting evidence out of AWS: S3 buckets holding CloudTrail's delivery layout, and the
//! CloudTrail LookupEvents API. Bytes fetched here go through the same sources as local
//! files, so an event means the same thing whichever way it arrived.
//!
//! Credentials and settings follow the AWS CLI: the standard credential chain
//! (environment, profiles, SSO, IMDS), `--profile`, `--region`, `--endpoint-url`
//! (also `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`).

pub mod lookup;
pub mod public_keys;
pub mod s3;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;

/// What the user said about reaching AWS; unset fields fall back to the SDK's chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Errors that stop a fetch, saying which bucket, key or API they concern.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {message}")]
    S3 { url: String, message: String },
    #[error("cloudtrail-api:{region}: {message}")]
    Lookup { region: String, message: String },
    #[error("CloudTrail ListPublicKeys in {region} failed: {message}")]
    PublicKeys { region: String, message: String },
}

/// The SDK configuration for these options. Retries are the SDK's standard mode
/// (exponential backoff with jitter on throttling and transient errors), with a few
/// more attempts than the default because an ingest run makes many calls.
pub async fn sdk_config(opts: &AwsOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(5));
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}
