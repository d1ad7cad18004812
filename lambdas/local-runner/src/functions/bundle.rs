//! The code Terraform deployed: `bootstrap` (and anything else) unpacked from the zip.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot open {0}: {1}")]
    Open(PathBuf, io::Error),
    #[error("{0} is not a zip: {1}")]
    Zip(PathBuf, zip::result::ZipError),
    #[error("cannot unpack into {0}: {1}")]
    Write(PathBuf, io::Error),
    #[error("{0} has no `{1}` executable")]
    NoHandler(PathBuf, String),
}

/// Unpacks `zip_path` into `task_root` (emptied first) and returns the handler's path.
pub fn unpack(zip_path: &Path, task_root: &Path, handler: &str) -> Result<PathBuf, BundleError> {
    let file =
        fs::File::open(zip_path).map_err(|e| BundleError::Open(zip_path.to_path_buf(), e))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| BundleError::Zip(zip_path.to_path_buf(), e))?;
    if task_root.exists() {
        fs::remove_dir_all(task_root)
            .map_err(|e| BundleError::Write(task_root.to_path_buf(), e))?;
    }
    fs::create_dir_all(task_root).map_err(|e| BundleError::Write(task_root.to_path_buf(), e))?;
    archive
        .extract(task_root)
        .map_err(|e| BundleError::Zip(zip_path.to_path_buf(), e))?;

    // The custom runtime's entry point is `bootstrap`; Lambda runs it whatever the zip's modes say.
    let entry = task_root.join("bootstrap");
    if !entry.is_file() {
        return Err(BundleError::NoHandler(
            zip_path.to_path_buf(),
            handler.to_string(),
        ));
    }
    let mut permissions = fs::metadata(&entry)
        .map_err(|e| BundleError::Write(entry.clone(), e))?
        .permissions();
    permissions.set_mode(0o755);
    fs::set_permissions(&entry, permissions).map_err(|e| BundleError::Write(entry.clone(), e))?;
    Ok(entry)
}
