//! The part of CloudWatch Logs' JSON filter pattern syntax the alarms' metric filters use
//! (terraform/modules/alarms/fault_patterns.json), so tests can run a pattern over the
//! lines a function really writes, as a metric filter would.
//!
//! CloudWatch's rules for JSON log events ("Filter pattern syntax for metric filters"):
//! `{ $.a.b = "text" }` matches a line whose JSON has that string at that path;
//! `{ $.a.b >= 500 }` (also `=`, `!=`, `<`, `<=`, `>`) compares numbers; `&&` and `||`
//! join comparisons; a line that is not JSON, or lacks the property, or holds another
//! type there, does not match. Anything else (wildcards, arrays, parentheses, `IS NULL`)
//! is refused with a panic, so a pattern that outgrows this subset cannot pass untested.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    path: Vec<String>,
    op: Op,
    value: Literal,
}

/// A parsed pattern: any of (all of the comparisons).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPattern {
    any_of: Vec<Vec<Comparison>>,
}

impl FilterPattern {
    /// Parses `pattern`; panics on syntax outside the subset above.
    pub fn parse(pattern: &str) -> Self {
        let body = pattern
            .trim()
            .strip_prefix('{')
            .and_then(|p| p.strip_suffix('}'))
            .unwrap_or_else(|| panic!("not a JSON filter pattern (no braces): {pattern}"));
        assert!(
            !body.contains(['(', ')', '[', ']', '*']),
            "parentheses, arrays and wildcards are outside the tested subset: {pattern}"
        );
        let any_of = body
            .split("||")
            .map(|all| all.split("&&").map(comparison).collect())
            .collect();
        Self { any_of }
    }

    /// Whether a metric filter with this pattern counts `line`.
    pub fn matches(&self, line: &str) -> bool {
        let Ok(json) = serde_json::from_str::<Value>(line) else {
            return false;
        };
        self.any_of
            .iter()
            .any(|all| all.iter().all(|c| c.holds_for(&json)))
    }

    /// The lines of `log` this pattern counts.
    pub fn matching<'a>(&self, log: &'a str) -> Vec<&'a str> {
        log.lines().filter(|line| self.matches(line)).collect()
    }
}

fn comparison(text: &str) -> Comparison {
    let text = text.trim();
    let selector_end = text
        .find(|c: char| c.is_whitespace() || "=!<>".contains(c))
        .unwrap_or_else(|| panic!("no operator in {text:?}"));
    let (selector, rest) = text.split_at(selector_end);
    let path = selector
        .strip_prefix("$.")
        .unwrap_or_else(|| panic!("a selector starts with $.: {selector:?}"))
        .split('.')
        .map(str::to_owned)
        .collect();
    let rest = rest.trim_start();
    let (op, value) = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .into_iter()
    .find_map(|(token, op)| rest.strip_prefix(token).map(|v| (op, v.trim())))
    .unwrap_or_else(|| panic!("unknown operator in {text:?}"));
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(quoted) => {
            assert!(
                matches!(op, Op::Eq | Op::Ne),
                "text compares with = or != only: {text:?}"
            );
            Literal::Text(quoted.to_owned())
        }
        None => Literal::Number(
            value
                .parse()
                .unwrap_or_else(|_| panic!("neither a quoted string nor a number: {value:?}")),
        ),
    };
    Comparison { path, op, value }
}

impl Comparison {
    fn holds_for(&self, json: &Value) -> bool {
        let Some(found) = self.path.iter().try_fold(json, |at, key| at.get(key)) else {
            return false;
        };
        match (&self.value, found) {
            (Literal::Text(want), Value::String(got)) => match self.op {
                Op::Eq => got == want,
                Op::Ne => got != want,
                _ => false,
            },
            (Literal::Number(want), Value::Number(got)) => {
                let Some(got) = got.as_f64() else {
                    return false;
                };
                match self.op {
                    Op::Eq => got == *want,
                    Op::Ne => got != *want,
                    Op::Lt => got < *want,
                    Op::Le => got <= *want,
                    Op::Gt => got > *want,
                    Op::Ge => got >= *want,
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_property_matches_only_its_value_at_its_path() {
        let fault = FilterPattern::parse(r#"{ $.fields.outcome = "fault" }"#);

        assert!(fault.matches(r#"{"level":"ERROR","fields":{"outcome":"fault"}}"#));
        assert!(!fault.matches(r#"{"fields":{"outcome":"refused"}}"#));
        assert!(!fault.matches(r#"{"outcome":"fault"}"#), "another path");
        assert!(!fault.matches(r#"{"fields":{}}"#), "no such property");
        assert!(
            !fault.matches(r#"{"fields":{"outcome":1}}"#),
            "another type"
        );
        assert!(!fault.matches("outcome = fault"), "not JSON");
    }

    #[test]
    fn numbers_compare_as_numbers() {
        let server_error = FilterPattern::parse("{ $.fields.status >= 500 }");

        assert!(server_error.matches(r#"{"fields":{"status":503}}"#));
        assert!(server_error.matches(r#"{"fields":{"status":500}}"#));
        assert!(!server_error.matches(r#"{"fields":{"status":499}}"#));
        assert!(!server_error.matches(r#"{"fields":{"status":"503"}}"#));
    }

    #[test]
    fn and_binds_within_or() {
        let pattern = FilterPattern::parse(r#"{ $.a = "x" && $.b != "y" || $.c < 2 }"#);

        assert!(pattern.matches(r#"{"a":"x","b":"z"}"#));
        assert!(!pattern.matches(r#"{"a":"x","b":"y"}"#));
        assert!(pattern.matches(r#"{"c":1}"#));
        assert!(!pattern.matches(r#"{"a":"x"}"#), "b missing: no match");
    }

    #[test]
    #[should_panic(expected = "outside the tested subset")]
    fn syntax_outside_the_subset_is_refused() {
        FilterPattern::parse(r#"{ $.fields.outcome = "fau*" }"#);
    }
}
