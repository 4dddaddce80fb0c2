//! The lake is readable by its owner only: folders 0700, files 0600.
//!
//! It holds who connected to which database and every statement they ran (redacted of
//! secrets, but still customer data and an attacker's map of the estate), so a lake on
//! a shared host must not be readable by the other accounts there, whatever the umask.
//! Folders that already exist keep their mode: an operator who opened one up on
//! purpose is not overridden.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::LakeError;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// `mkdir -p` with mode 0700 for every folder it creates.
pub fn create_dir(path: &Path) -> Result<(), LakeError> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
        .map_err(LakeError::io(path))
}

/// A new (or emptied) file with mode 0600.
pub fn create_file(path: &Path) -> Result<File, LakeError> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(LakeError::io(path))
}

/// A file to read and write, created with mode 0600 when missing, kept when present.
pub fn open_rw(path: &Path) -> Result<File, LakeError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
        .map_err(LakeError::io(path))
}

/// `std::fs::write` with mode 0600 for a new file.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), LakeError> {
    use std::io::Write;
    create_file(path)?
        .write_all(bytes)
        .map_err(LakeError::io(path))
}
