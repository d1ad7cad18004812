//! Log hygiene: no log of the stack holds a value the suite or the fuzzer used as
//! personal, health or secret data, nor any code or temporary password the stack's Cognito
//! sent (every message in the outbox). Every log file is read, valid UTF-8 or not.
//!
//! Two kinds of match:
//! - literally, anywhere in a line: emails, passwords (temporary ones included), ID, access
//!   and refresh tokens, presigned query strings, names and phone numbers, every personal
//!   value the fuzzer sent, and presigned-URL parameter names;
//! - as a quoted or assigned value (`"O+"`, `'female'`, `gender=female`, `dob: 1990-04-01`,
//!   `"code":"123456"`): blood groups, genders, dates of birth and six-digit codes. They
//!   are short or common words ("other") and a date can be a log line's own timestamp, so a
//!   bare occurrence proves nothing.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// Marks of a presigned URL's query string (a credential for the object).
const PRESIGN_MARKS: [&str; 3] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

const BLOOD_GROUPS: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];
const GENDERS: [&str; 5] = ["female", "male", "non_binary", "other", "prefer_not_to_say"];

/// A literal shorter than this could occur by chance (a fuzzer's "0000", a name "Ada").
const SHORTEST_LITERAL: usize = 6;

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

/// A file's text, bytes that are not UTF-8 replaced: such a file is scanned, not skipped.
fn read_lossy(file: &Path) -> String {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => into.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, into)),
        _ => {}
    }
}

/// Every string the fuzzer recorded: its users, passwords and tokens
/// (`fuzz-users.json`) and every personal value its PUT bodies carried
/// (`fuzz-sent-values.jsonl`). A missing or empty record fails: it would scan for nothing.
fn fuzz_values(stack_dir: &Path) -> Vec<String> {
    let read = |name: &str| {
        let path = stack_dir.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (written by just fuzz-api)", path.display()))
    };
    let mut users = Vec::new();
    strings(
        &serde_json::from_str(&read("fuzz-users.json")).unwrap(),
        &mut users,
    );
    let mut sent = Vec::new();
    for line in read("fuzz-sent-values.jsonl").lines() {
        strings(&serde_json::from_str(line).unwrap(), &mut sent);
    }
    assert!(
        !users.is_empty() && !sent.is_empty(),
        "the fuzzer recorded {} user values and {} sent values: nothing to scan for",
        users.len(),
        sent.len()
    );
    users.extend(sent);
    users
}

/// Every code and temporary password the stack's Cognito sent: (codes, temporary passwords).
fn outbox_secrets(stack_dir: &Path) -> (Vec<String>, Vec<String>) {
    let (mut codes, mut passwords) = (Vec::new(), Vec::new());
    let outbox = stack_dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(&outbox) else {
        return (codes, passwords);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let message: serde_json::Value = serde_json::from_str(&read_lossy(&path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(code) = message["code"].as_str() {
            codes.push(code.to_string());
        }
        if let Some(password) = message["temporary_password"].as_str() {
            passwords.push(password.to_string());
        }
    }
    (codes, passwords)
}

/// Whether `value` stands in `line` as a quoted or assigned value: after a quote, `=` or
/// `:` (spaces allowed), and not followed by more of a word.
fn quoted_or_assigned(line: &str, value: &str) -> bool {
    line.match_indices(value).any(|(at, _)| {
        let before = line[..at].trim_end_matches(' ');
        let after = line[at + value.len()..].chars().next();
        before.ends_with(['"', '\'', '=', ':'])
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// A literal worth looking for: long enough and not one character repeated.
fn distinctive(value: &str) -> bool {
    let value = value.trim();
    let mut chars: Vec<char> = value.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    value.chars().count() >= SHORTEST_LITERAL && chars.len() >= 3
}

/// Scans every file under `stack_dir/logs` for what the suite remembered (`used`) and what
/// the outbox holds; `whole_suite` (the end of the main suite) adds what `just fuzz-api`
/// recorded, and fails if the outbox or the fuzzer's record is empty. Returns (files,
/// values) scanned.
pub fn no_log_holds_what_was_used(
    stack_dir: &Path,
    used: Vec<String>,
    whole_suite: bool,
) -> (usize, usize) {
    let mut all = used;
    let (codes, temporary_passwords) = outbox_secrets(stack_dir);
    all.extend(temporary_passwords.iter().cloned());
    if whole_suite {
        all.extend(fuzz_values(stack_dir));
        assert!(
            !codes.is_empty() && !temporary_passwords.is_empty(),
            "the outbox holds {} codes and {} temporary passwords: the suite sent both",
            codes.len(),
            temporary_passwords.len()
        );
    }
    let is_date = |v: &str| NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok();
    let mut literal: Vec<String> = all
        .iter()
        .filter(|v| distinctive(v) && !is_date(v))
        .map(|v| v.trim().to_string())
        .chain(PRESIGN_MARKS.map(str::to_string))
        .collect();
    literal.sort();
    literal.dedup();
    let mut valued: Vec<String> = all.iter().filter(|v| is_date(v)).cloned().collect();
    valued.extend(
        BLOOD_GROUPS
            .iter()
            .chain(GENDERS.iter())
            .map(|v| v.to_string())
            .chain(codes),
    );
    valued.sort();
    valued.dedup();

    let files = files_under(&stack_dir.join("logs"));
    assert!(
        files.iter().any(|f| f.ends_with("moto.log")) && files.len() >= 4,
        "the scan sees the stack's logs: {files:?}"
    );
    let mut bytes = 0;
    for file in &files {
        let text = read_lossy(file);
        bytes += text.len();
        for (number, line) in text.lines().enumerate() {
            let place = format!("{}:{}", file.display(), number + 1);
            if let Some(found) = literal.iter().position(|v| line.contains(v.as_str())) {
                panic!(
                    "{place} holds a value the tests used as personal data or a secret (value #{found} of the scan)"
                );
            }
            if let Some(found) = valued.iter().position(|v| quoted_or_assigned(line, v)) {
                panic!(
                    "{place} holds a code, health value or date of birth as a value (value #{found} of the scan)"
                );
            }
        }
    }
    eprintln!(
        "e2e: log hygiene: {} files, {} KiB, {} literal values and {} quoted values, none found",
        files.len(),
        bytes / 1024,
        literal.len(),
        valued.len()
    );
    (files.len(), literal.len() + valued.len())
}

#[test]
fn the_matchers_find_what_they_must_and_not_what_they_must_not() {
    assert!(quoted_or_assigned(r#"{"blood_group":"O+"}"#, "O+"));
    assert!(quoted_or_assigned(r#"{\"gender\":\"female\"}"#, "female"));
    assert!(quoted_or_assigned("gender=female age", "female"));
    assert!(quoted_or_assigned("dob: 1990-04-01", "1990-04-01"));
    assert!(!quoted_or_assigned("the other day", "other"));
    assert!(!quoted_or_assigned(
        r#""at":"2026-12-02T10:00:00Z""#,
        "2026-12-02"
    ));
    assert!(!quoted_or_assigned(r#""male_count":3"#, "male"));
    assert!(distinctive("Ada Patient") && distinctive("+441234567890"));
    assert!(!distinctive("0000000000") && !distinctive("Ada"));
}
