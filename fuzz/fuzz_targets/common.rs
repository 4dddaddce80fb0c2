//! What every target checks beyond "no panic": a file's counts add up
//! (`records = kept + skipped + rejects`), so no record silently disappears.

use tagtrail::sources::{FileStats, SourceError};

pub fn check(result: Result<FileStats, SourceError>) {
    if let Ok(s) = result {
        assert_eq!(
            s.records,
            s.kept + s.skipped + s.rejects.len() as u64,
            "counts do not add up: {s:?}"
        );
    }
}
