//! What the Hosted UI remembers between requests: authorization codes (single-use, five
//! minutes, bound to client, redirect URI, code challenge; one store for both listeners),
//! and each listener's own signed-in sessions (the session cookie, an hour, as Cognito's)
//! and sign-ups awaiting their code.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);
pub const SESSION_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// What a code was issued for.
#[derive(Clone, Debug)]
pub struct Grant {
    pub client_id: String,
    pub pool_id: String,
    pub username: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
}

/// A user the browser holding the cookie has proved to be (or has just signed up as).
#[derive(Clone, Debug)]
pub struct Session {
    pub pool_id: String,
    pub username: String,
}

/// The codes issued and not yet redeemed.
#[derive(Default)]
pub struct Grants {
    codes: Mutex<HashMap<String, (Grant, Instant)>>,
}

/// One listener's browsers: a session opened over HTTPS is unknown to plain HTTP.
#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, (Session, Instant)>>,
    sign_ups: Mutex<HashMap<String, (Session, Instant)>>,
}

/// 32 random bytes, URL-safe: codes, cookies, CSRF tokens, PKCE verifiers, states.
pub fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

/// Equal without telling by its timing where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn put<T>(
    map: &Mutex<HashMap<String, (T, Instant)>>,
    value: T,
    lifetime: Duration,
) -> Option<String> {
    let key = random_token()?;
    let mut map = map.lock().ok()?;
    let now = Instant::now();
    map.retain(|_, (_, expires)| *expires > now);
    map.insert(key.clone(), (value, now + lifetime));
    Some(key)
}

fn live<T: Clone>(map: &Mutex<HashMap<String, (T, Instant)>>, key: &str) -> Option<T> {
    let map = map.lock().ok()?;
    map.get(key)
        .filter(|(_, expires)| *expires > Instant::now())
        .map(|(value, _)| value.clone())
}

impl Grants {
    pub fn issue_code(&self, grant: Grant) -> Option<String> {
        put(&self.codes, grant, CODE_LIFETIME)
    }

    /// The code's grant, once: a code is spent by its first redemption, right or wrong.
    pub fn redeem_code(&self, code: &str) -> Option<Grant> {
        let (grant, expires) = self.codes.lock().ok()?.remove(code)?;
        (expires > Instant::now()).then_some(grant)
    }
}

impl Sessions {
    pub fn open_session(&self, session: Session) -> Option<String> {
        put(&self.sessions, session, SESSION_LIFETIME)
    }

    pub fn session(&self, cookie: &str) -> Option<Session> {
        live(&self.sessions, cookie)
    }

    pub fn close_session(&self, cookie: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(cookie);
        }
    }

    /// A sign-up this browser made, so confirming its code signs it in (as Cognito's
    /// Hosted UI does) without asking for the password again.
    pub fn signed_up(&self, session: Session) -> Option<String> {
        put(&self.sign_ups, session, SESSION_LIFETIME)
    }

    pub fn take_sign_up(&self, cookie: &str) -> Option<Session> {
        let (session, expires) = self.sign_ups.lock().ok()?.remove(cookie)?;
        (expires > Instant::now()).then_some(session)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "client".into(),
            pool_id: "pool".into(),
            username: "user".into(),
            redirect_uri: "https://app/cb".into(),
            scope: "openid".into(),
            code_challenge: None,
            nonce: None,
        }
    }

    #[test]
    fn a_code_is_spent_by_its_first_redemption() {
        let grants = Grants::default();
        let code = grants.issue_code(grant()).unwrap();
        assert_eq!(grants.redeem_code(&code).unwrap().username, "user");
        assert!(grants.redeem_code(&code).is_none());
        assert!(grants.redeem_code("made-up").is_none());
    }

    #[test]
    fn tokens_are_random_and_comparisons_exact() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same("abc", "abcd"));
    }
}
