//! Integration tests, one binary (each test binary links all of DataFusion).

mod attribution;
mod bad_input;
mod cloudtrail;
mod delivery_layouts;
mod demo_scenario;
mod digests;
mod digests_s3;
mod inventory_files;
mod inventory_live;
mod lake_secrets;
mod lookup;
mod mariadb_real;
mod mariadb_server;
mod mariadb_workload;
mod moto;
mod okta;
mod pg_logs;
mod pg_real;
mod pg_server;
mod pg_sessions;
mod pg_workload;
mod policies;
mod s3;
mod saml;
mod sessions;
mod support;
