//! Test helper: a custom runtime written in sh + curl, packed like a deployment zip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The Runtime API loop; `$HANDLE` is a `case "$event" in … esac` body that may call `respond BODY`.
const LOOP: &str = r#"#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
headers=$(mktemp)
respond() { curl -sS -X POST -d "$1" "$api/invocation/$id/response" > /dev/null; }
while :; do
  event=$(curl -sS -D "$headers" "$api/invocation/next")
  id=$(grep -i '^lambda-runtime-aws-request-id' "$headers" | tr -d '\r' | cut -d' ' -f2)
  case "$event" in
$HANDLE
  esac
done
"#;

/// Writes `dir/<name>.zip` holding a `bootstrap` that runs `cases` for each event.
pub fn script_zip(dir: &Path, name: &str, cases: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let zip_path = dir.join(format!("{name}.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    zip.start_file("bootstrap", options).unwrap();
    zip.write_all(LOOP.replace("$HANDLE", cases).as_bytes())
        .unwrap();
    zip.finish().unwrap();
    zip_path
}

pub fn temp_dir(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "local-runner-{what}-{}",
        uuid::Uuid::new_v4().simple()
    ))
}
