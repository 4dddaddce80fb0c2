//! `tagtrail report`: the weekly compliance report. One [`Report`] (the JSON contract,
//! `docs/report-json.md`) built from the lake by [`build`], rendered as Markdown, JSON
//! and a terminal summary. Every number in it comes from a query under
//! `queries/report/` (or a check's query), listed in its appendix, so an auditor can
//! reproduce it with `tagtrail query`.

mod charts;
mod collect;
mod findings;
pub mod html;
pub mod markdown;
pub mod model;
mod period;
pub mod queries;
pub mod terminal;

pub use collect::build;
pub use model::Report;
pub use period::{Period, PeriodError};

use crate::checks::RunError;
use crate::engine::EngineError;
use crate::report::who::ShapeError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Checks(#[from] RunError),
    #[error(transparent)]
    Who(#[from] ShapeError),
    #[error("{query}: {message}")]
    Shape {
        query: &'static str,
        message: String,
    },
}
