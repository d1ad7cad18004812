//! Where the local Cognito "sends" its emails and text messages: one JSON file per message
//! in the outbox directory (`.local/outbox/` for `just up`). The file is the only place a
//! code or temporary password is written; no log line carries one.

use serde_json::{Value, json};
use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The address a message goes to, as Cognito picks it from the user's attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// "EMAIL" or "SMS".
    pub medium: &'static str,
    /// "email" or "phone_number".
    pub attribute: &'static str,
    pub address: String,
}

impl Destination {
    /// Email when the user has one, else their phone number; None when they have neither.
    pub fn of(attributes: &serde_json::Map<String, Value>) -> Option<Destination> {
        let value = |name: &str| attributes.get(name).and_then(Value::as_str);
        if let Some(email) = value("email") {
            return Some(Destination {
                medium: "EMAIL",
                attribute: "email",
                address: email.to_string(),
            });
        }
        value("phone_number").map(|phone| Destination {
            medium: "SMS",
            attribute: "phone_number",
            address: phone.to_string(),
        })
    }

    /// CodeDeliveryDetails as Cognito answers them: the address masked.
    pub fn delivery_details(&self) -> Value {
        json!({
            "AttributeName": self.attribute,
            "DeliveryMedium": self.medium,
            "Destination": mask(&self.address),
        })
    }
}

/// "ada@example.com" -> "a***@e***", "+15550100" -> "+*******0100".
pub fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => format!(
            "{}***@{}***",
            local.chars().next().unwrap_or('*'),
            domain.chars().next().unwrap_or('*')
        ),
        None => {
            let chars: Vec<char> = address.chars().collect();
            let keep = chars.len().saturating_sub(4);
            let tail: String = chars[keep..].iter().collect();
            format!("+{}{tail}", "*".repeat(keep.saturating_sub(1)))
        }
    }
}

pub struct Message<'a> {
    /// sign_up, resend, forgot_password, admin_create_user.
    pub kind: &'a str,
    pub username: &'a str,
    pub destination: &'a Destination,
    /// ("code", "123456") or ("temporary_password", "…").
    pub secret: (&'a str, &'a str),
}

#[derive(Clone)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn new(dir: &Path) -> Outbox {
        Outbox {
            dir: dir.to_path_buf(),
        }
    }

    /// Writes the message (to a temporary name, then renamed: a reader never sees half a
    /// file). Names sort by time. The error names the file, never the content.
    pub fn deliver(&self, message: &Message<'_>) -> Result<PathBuf, String> {
        let now = chrono::Utc::now();
        let mut body = json!({
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "kind": message.kind,
            "username": message.username,
            "destination": {
                "medium": message.destination.medium,
                "attribute": message.destination.attribute,
                "address": message.destination.address,
            },
        });
        body[message.secret.0] = Value::String(message.secret.1.to_string());
        let name = format!(
            "{}-{}-{}.json",
            now.format("%Y%m%dT%H%M%S%.9fZ"),
            message.kind,
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        // Codes and temporary passwords: readable by the developer's account alone.
        std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::set_permissions(&self.dir, Permissions::from_mode(0o700)))
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let path = self.dir.join(name);
        let partial = path.with_extension("partial");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .and_then(|mut file| file.write_all(format!("{body:#}\n").as_bytes()))
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_as_cognito_masks_them() {
        assert_eq!(mask("ada@example.com"), "a***@e***");
        assert_eq!(mask("+15550100199"), "+*******0199");
    }

    #[test]
    fn a_message_is_one_json_file_with_its_destination_kind_and_secret() {
        let dir = crate::test_runtime::temp_dir("outbox");
        let outbox = Outbox::new(&dir);
        let destination = Destination {
            medium: "EMAIL",
            attribute: "email",
            address: "ada@example.com".into(),
        };
        let path = outbox
            .deliver(&Message {
                kind: "sign_up",
                username: "ada-id",
                destination: &destination,
                secret: ("code", "012345"),
            })
            .unwrap();
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["kind"], "sign_up");
        assert_eq!(written["code"], "012345");
        assert_eq!(written["username"], "ada-id");
        assert_eq!(written["destination"]["address"], "ada@example.com");
        assert!(written["timestamp"].as_str().unwrap().ends_with('Z'));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "the outbox is its owner's alone");
        assert_eq!(mode(&path), 0o600, "each message is its owner's alone");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no partial left"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
