//! The CloudTrail LookupEvents API (event history: management events of the last 90
//! days, per account and region), for when the trail's S3 bucket is out of reach.
//!
//! One query per kept event name (the API takes one lookup attribute per request),
//! 50 results per page, `NextToken` paging, and at most two requests per second, the
//! documented limit per account and region. Throttling answers are retried with
//! backoff by the SDK's standard retry mode, then by this loop.

use std::time::Duration;

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::Region;
use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::primitives::DateTime as SmithyTime;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use tokio::time::{Instant, sleep_until};

use super::{AwsOptions, FetchError, sdk_config};
use crate::errors::describe;

/// The documented LookupEvents limit: two requests per second per account and region.
const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// Page size: the API's maximum.
const PAGE: i32 = 50;
/// Extra attempts after the SDK gave up on a throttled request.
const THROTTLE_RETRIES: u32 = 5;

/// One event as the API returned it: its `CloudTrailEvent` JSON, which is the same
/// record a log file holds.
pub struct ApiEvent {
    pub name: String,
    pub json: String,
}

pub struct EventHistory {
    client: Client,
    region: String,
    next_slot: Instant,
    /// Requests sent, for the summary.
    pub requests: u64,
}

impl EventHistory {
    pub async fn connect(region: &str, opts: &AwsOptions) -> EventHistory {
        let conf = sdk_config(opts).await;
        let client_conf = aws_sdk_cloudtrail::config::Builder::from(&conf)
            .region(Region::new(region.to_string()))
            .build();
        EventHistory {
            client: Client::from_conf(client_conf),
            region: region.to_string(),
            next_slot: Instant::now(),
            requests: 0,
        }
    }

    fn err(&self, message: String) -> FetchError {
        FetchError::Lookup {
            region: self.region.clone(),
            message,
        }
    }

    /// Waits for the next request slot.
    async fn pace(&mut self) {
        sleep_until(self.next_slot).await;
        self.next_slot = Instant::now() + MIN_INTERVAL;
        self.requests += 1;
    }

    /// Every event named `name` in `[start, end)` (µs, UTC; the API's own default of
    /// the last 90 days when absent).
    pub async fn events(
        &mut self,
        name: &str,
        start: Option<i64>,
        end: Option<i64>,
    ) -> Result<Vec<ApiEvent>, FetchError> {
        let attribute = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::EventName)
            .attribute_value(name)
            .build()
            .map_err(|e| self.err(describe(&e)))?;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut throttled = 0;
            let page = loop {
                self.pace().await;
                let mut req = self
                    .client
                    .lookup_events()
                    .lookup_attributes(attribute.clone())
                    .max_results(PAGE)
                    .set_next_token(token.clone());
                if let Some(s) = start {
                    req = req.start_time(SmithyTime::from_millis(s.div_euclid(1000)));
                }
                if let Some(e) = end {
                    req = req.end_time(SmithyTime::from_millis(e.div_euclid(1000)));
                }
                match req.send().await {
                    Ok(page) => break page,
                    Err(e)
                        if e.code() == Some("ThrottlingException")
                            && throttled < THROTTLE_RETRIES =>
                    {
                        throttled += 1;
                        tokio::time::sleep(MIN_INTERVAL * 2u32.pow(throttled)).await;
                    }
                    Err(e) => {
                        return Err(self.err(format!("LookupEvents {name}: {}", describe(&e))));
                    }
                }
            };
            for event in page.events() {
                match event.cloud_trail_event() {
                    Some(json) => out.push(ApiEvent {
                        name: event.event_name().unwrap_or(name).to_string(),
                        json: json.to_string(),
                    }),
                    None => {
                        return Err(self.err(format!(
                            "LookupEvents {name}: event {} has no CloudTrailEvent",
                            event.event_id().unwrap_or("?")
                        )));
                    }
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}
