//! The object store behind an `s3://bucket/prefix` lake. It signs with the credentials
//! the AWS SDK chain resolves (environment, profiles, SSO, instance roles), so the lake
//! needs no second way of logging in than ingestion from S3, and follows the same
//! `--profile`/`--region`/`--endpoint-url` (`AWS_ENDPOINT_URL`) conventions.

use std::sync::Arc;

use aws_sdk_s3::config::{ProvideCredentials, SharedCredentialsProvider};
use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AwsCredential};

use super::LakeError;
use crate::errors::describe;
use crate::fetch::s3::S3Url;
use crate::fetch::{AwsOptions, sdk_config};

/// The store for `url`'s bucket (keys are full keys: the lake adds the prefix).
pub async fn connect(url: &S3Url, opts: &AwsOptions) -> Result<Arc<dyn ObjectStore>, LakeError> {
    let conf = sdk_config(opts).await;
    let fail = |message: String| LakeError::Store {
        location: url.to_string(),
        message,
    };
    let credentials = conf.credentials_provider().ok_or_else(|| {
        fail("no AWS credentials found (environment, profile, SSO or instance role)".into())
    })?;
    let region = conf
        .region()
        .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&url.bucket)
        .with_region(region)
        .with_credentials(Arc::new(SdkCredentials(credentials)));
    let env = |name: &str| std::env::var(name).ok().filter(|e| !e.is_empty());
    let endpoint = opts
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| conf.endpoint_url().map(str::to_string))
        .or_else(|| env("AWS_ENDPOINT_URL"));
    if let Some(endpoint) = endpoint {
        // Emulators and most S3-compatible stores speak plain HTTP and path-style only
        // (object_store's default style).
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_endpoint(endpoint);
    }
    let store = builder.build().map_err(|e| fail(describe(&e)))?;
    Ok(Arc::new(store))
}

/// Asks the SDK's provider each time, so refreshed (SSO, role) credentials are used;
/// the SDK caches them until they expire.
#[derive(Debug)]
struct SdkCredentials(SharedCredentialsProvider);

#[async_trait::async_trait]
impl object_store::CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let c = self
            .0
            .provide_credentials()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        Ok(Arc::new(AwsCredential {
            key_id: c.access_key_id().to_string(),
            secret_key: c.secret_access_key().to_string(),
            token: c.session_token().map(str::to_string),
        }))
    }
}
