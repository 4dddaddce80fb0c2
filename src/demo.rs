//! `tagtrail demo`: the main job on the embedded scenario (`fixtures/demo/`, made by
//! `tagtrail synth --demo`), in a temporary lake, so a newcomer sees a real answer at once.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// The sensitive table the demo asks about.
pub const DEMO_OBJECT: &str = "shop.customers";

/// Writes the embedded scenario under `dir`, keeping the relative paths (they name the
/// RDS instances and follow the CloudTrail S3 layout).
pub fn write_scenario(dir: &Path) -> std::io::Result<usize> {
    for (rel, bytes) in DEMO_FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    Ok(DEMO_FILES.len())
}
