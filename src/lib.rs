//! tagtrail: attributes database activity on Amazon RDS to the federated people behind it.
//!
//! Data flows one way: [`fetch`] gets evidence out of AWS (S3, LookupEvents) → [`sources`] turn raw evidence (CloudTrail files, database audit
//! logs) into Arrow record batches → [`lake`] stores them as partitioned Parquet with an
//! ingest manifest → [`engine`] exposes the lake as DataFusion tables and views →
//! [`report`] renders answers. [`ingest`] drives sources into the lake; [`cli`] turns
//! command-line arguments into a validated configuration and calls the rest. [`integrity`]
//! checks CloudTrail's signed digest files, so the evidence can be shown to be complete.

pub mod checks;
pub mod cli;
pub mod ddl;
pub mod demo;
pub mod engine;
pub mod errors;
pub mod fetch;
pub mod ingest;
pub mod integrity;
pub mod inventory;
pub mod lake;
pub mod lint;
pub mod memory;
pub mod policy;
pub mod report;
pub mod sources;
pub mod synth;
pub mod trace;
