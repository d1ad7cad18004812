//! Log hygiene: after everything else, no log of the stack holds a value the suite
//! treated as personal, health or secret data.

use std::path::{Path, PathBuf};

/// Marks of a presigned URL's query string (a credential for the object).
const PRESIGN_MARKS: [&str; 3] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

/// Blood groups and genders are short words: what must not appear is a JSON value of them.
const HEALTH_VALUES: [&str; 13] = [
    "\"A+\"",
    "\"A-\"",
    "\"B+\"",
    "\"B-\"",
    "\"AB+\"",
    "\"AB-\"",
    "\"O+\"",
    "\"O-\"",
    "\"female\"",
    "\"male\"",
    "\"non_binary\"",
    "\"other\"",
    "\"prefer_not_to_say\"",
];

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Every string in the fuzzer's record of the users and tokens it used.
fn fuzz_secrets(stack_dir: &Path) -> Vec<String> {
    fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) if s.len() >= 8 => into.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
            serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, into)),
            _ => {}
        }
    }
    let path = stack_dir.join("fuzz-users.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (written by just fuzz-api)", path.display()));
    let mut found = Vec::new();
    strings(&serde_json::from_str(&text).unwrap(), &mut found);
    found
}

pub fn no_log_holds_what_the_suite_used(stack_dir: &Path, mut secrets: Vec<String>) {
    secrets.extend(fuzz_secrets(stack_dir));
    secrets.retain(|s| !s.is_empty());
    let files = files_under(&stack_dir.join("logs"));
    assert!(
        files.iter().any(|f| f.ends_with("moto.log")) && files.len() >= 4,
        "the scan sees the stack's logs: {files:?}"
    );
    let mut bytes = 0;
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        bytes += text.len();
        for (number, line) in text.lines().enumerate() {
            let place = format!("{}:{}", file.display(), number + 1);
            for secret in &secrets {
                assert!(
                    !line.contains(secret.as_str()),
                    "{place} holds a value the suite used as personal data or a token"
                );
            }
            for mark in PRESIGN_MARKS.iter().chain(HEALTH_VALUES.iter()) {
                assert!(!line.contains(mark), "{place} holds {mark}");
            }
        }
    }
    eprintln!(
        "e2e: log hygiene: {} files, {} KiB, {} values and {} patterns, none found",
        files.len(),
        bytes / 1024,
        secrets.len(),
        PRESIGN_MARKS.len() + HEALTH_VALUES.len()
    );
}
