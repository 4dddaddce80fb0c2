//! Integration tests, one binary (each test binary links all of DataFusion).

mod bad_input;
mod cloudtrail;
mod delivery_layouts;
mod demo_scenario;
mod digests;
mod digests_s3;
mod lookup;
mod mariadb_real;
mod moto;
mod pg_logs;
mod s3;
mod sessions;
mod support;
