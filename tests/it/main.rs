//! Integration tests, one binary (each test binary links all of DataFusion).

mod bad_input;
mod cloudtrail;
mod demo_scenario;
mod digests;
mod mariadb_real;
mod support;
