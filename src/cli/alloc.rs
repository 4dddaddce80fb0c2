//! Allocator tuning, done once before any thread starts.

use super::config::Command;

/// `ingest` and `index` run with one malloc arena. glibc gives each thread that allocates its own
/// arena and keeps what the thread frees there for that arena's later use. With log
/// parsing on one thread and Parquet encoding on another (`ingest --threads 2`), the
/// two arenas' high-water marks add up: 3.7 GB of MySQL-family audit logs peaked at
/// 551–567 MiB, over the 512 MiB ingest target, and at 434 MiB with one arena, at the
/// same speed (BENCHMARKS.md). At 100 M db events `index --force` peaked at 646 MiB
/// with the default arenas and at 441 MiB with one (thirtieth run). Queries keep
/// glibc's default: their threads contend for a single arena (the 5000-person report
/// 7.5 → 8.6 s).
pub fn tune_for(command: &Command) {
    if matches!(command, Command::Ingest { .. } | Command::Index { .. }) {
        one_malloc_arena();
    }
}

/// A no-op elsewhere than glibc.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator; it is called from `main` before the
    // runtime or any other thread exists. Its result is not needed: if glibc refused,
    // tagtrail runs as before, with more memory.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
