//! The secrets Cognito makes and checks itself: the pool's password policy, random
//! temporary passwords that meet it, and single-use confirmation codes with Cognito's
//! lifetimes (24 h for sign-up, 1 h for a password reset).
//!
//! Codes live in the runner's memory: `just up` starts moto and the runner together, so a
//! code can never outlive the users it confirms, and a restarted runner simply makes
//! people ask for a new code, as an expired one would.

use super::super::errors::CognitoError;
use crate::applied::PasswordPolicy;
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Cognito's symbol set for `require_symbols`.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";
/// Cognito refuses longer passwords outright.
const MAXIMUM_LENGTH: usize = 256;

pub fn check_password(policy: &PasswordPolicy, password: &str) -> Result<(), CognitoError> {
    let refused = |reason: &str| Err(CognitoError::invalid_password(reason));
    if password.chars().count() > MAXIMUM_LENGTH {
        return Err(CognitoError::invalid_parameter(
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256",
        ));
    }
    if password.chars().count() < policy.minimum_length {
        return refused("Password not long enough");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return refused("Password must have lowercase characters");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return refused("Password must have uppercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return refused("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return refused("Password must have symbol characters");
    }
    Ok(())
}

/// A uniformly random index below `bound` (rejection sampling: no modulo bias).
fn random_below(random: &SystemRandom, bound: u32) -> u32 {
    let limit = u32::MAX - u32::MAX % bound;
    loop {
        let mut bytes = [0u8; 4];
        if random.fill(&mut bytes).is_err() {
            continue;
        }
        let value = u32::from_be_bytes(bytes);
        if value < limit {
            return value % bound;
        }
    }
}

fn pick(random: &SystemRandom, alphabet: &str) -> char {
    let chars: Vec<char> = alphabet.chars().collect();
    let bound = u32::try_from(chars.len()).unwrap_or(1);
    let index = usize::try_from(random_below(random, bound)).unwrap_or(0);
    chars.get(index).copied().unwrap_or('x')
}

/// A six-digit code, as Cognito emails them.
pub fn random_code() -> String {
    format!("{:06}", random_below(&SystemRandom::new(), 1_000_000))
}

/// A temporary password the policy accepts: one of each required kind, the rest mixed,
/// at least 12 characters.
pub fn temporary_password(policy: &PasswordPolicy) -> String {
    const LOWER: &str = "abcdefghijkmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &str = "23456789";
    let random = SystemRandom::new();
    let mut chars: Vec<char> = [LOWER, UPPER, DIGITS, SYMBOLS]
        .iter()
        .map(|alphabet| pick(&random, alphabet))
        .collect();
    let all = format!("{LOWER}{UPPER}{DIGITS}{SYMBOLS}");
    while chars.len() < policy.minimum_length.max(12) {
        chars.push(pick(&random, &all));
    }
    // Fisher-Yates, so the required kinds are not always in front.
    for i in (1..chars.len()).rev() {
        let j = random_below(&random, u32::try_from(i + 1).unwrap_or(1));
        chars.swap(i, usize::try_from(j).unwrap_or(0));
    }
    chars.into_iter().collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    SignUp,
    ResetPassword,
}

impl Purpose {
    fn lifetime(self) -> Duration {
        match self {
            Purpose::SignUp => Duration::from_secs(24 * 3600),
            Purpose::ResetPassword => Duration::from_secs(3600),
        }
    }
}

/// Wrong answers a code survives: the next one uses it up, as Cognito stops guessing with
/// LimitExceededException (a 6-digit code must not be open to a million tries).
const WRONG_ANSWERS_ALLOWED: u32 = 5;

struct Issued {
    code: String,
    at: SystemTime,
    wrong_answers: u32,
}

/// The one outstanding code per user and purpose: a new one replaces it, a right answer
/// uses it up, a wrong one leaves it until there have been too many.
#[derive(Default)]
pub struct Codes(Mutex<HashMap<(String, String, Purpose), Issued>>);

impl Codes {
    pub fn issue(&self, pool_id: &str, username: &str, purpose: Purpose, at: SystemTime) -> String {
        let code = random_code();
        if let Ok(mut codes) = self.0.lock() {
            codes.insert(
                (pool_id.to_string(), username.to_string(), purpose),
                Issued {
                    code: code.clone(),
                    at,
                    wrong_answers: 0,
                },
            );
        }
        code
    }

    /// Uses up the code if `given` is it and it has not expired.
    pub fn redeem(
        &self,
        pool_id: &str,
        username: &str,
        purpose: Purpose,
        given: &str,
        now: SystemTime,
    ) -> Result<(), CognitoError> {
        let mut codes = self.0.lock().map_err(|_| CognitoError::code_mismatch())?;
        let key = (pool_id.to_string(), username.to_string(), purpose);
        let Some(issued) = codes.get_mut(&key) else {
            return Err(CognitoError::code_mismatch());
        };
        let age = now.duration_since(issued.at).unwrap_or_default();
        if age > purpose.lifetime() {
            codes.remove(&key);
            return Err(CognitoError::expired_code());
        }
        // Every byte compared, whatever the first difference: the time taken says nothing.
        let differences = issued
            .code
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if issued.code.len() != given.len() || differences != 0 {
            issued.wrong_answers += 1;
            if issued.wrong_answers > WRONG_ANSWERS_ALLOWED {
                codes.remove(&key);
                return Err(CognitoError::new(
                    "LimitExceededException",
                    "Attempt limit exceeded, please try after some time.",
                ));
            }
            return Err(CognitoError::code_mismatch());
        }
        codes.remove(&key);
        Ok(())
    }
}

/// When each user's temporary password was set (AdminCreateUser, its RESEND included), by
/// (pool id, internal username). Cognito refuses a temporary password older than the pool's
/// `temporary_password_validity_days` with NotAuthorizedException "Temporary password has
/// expired and must be reset by an administrator." (CreateUserPool, PasswordPolicyType:
/// "the user must sign in within this period, or an administrator resets the password").
/// Kept in the runner's memory, like the codes.
#[derive(Default)]
pub struct TemporaryPasswords(Mutex<HashMap<(String, String), SystemTime>>);

impl TemporaryPasswords {
    pub fn set(&self, pool_id: &str, username: &str, at: SystemTime) {
        if let Ok(mut set) = self.0.lock() {
            set.insert((pool_id.to_string(), username.to_lowercase()), at);
        }
    }

    /// True when the user's temporary password was set more than `days` days before `now`.
    pub fn expired(&self, pool_id: &str, username: &str, days: u64, now: SystemTime) -> bool {
        let key = (pool_id.to_string(), username.to_lowercase());
        let Some(at) = self.0.lock().ok().and_then(|set| set.get(&key).copied()) else {
            return false;
        };
        now.duration_since(at).unwrap_or_default() > Duration::from_secs(days * 24 * 3600)
    }
}

pub fn expired_temporary_password() -> CognitoError {
    CognitoError::new(
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: 10,
            ..Default::default()
        }
    }

    #[test]
    fn the_pools_policy_names_what_a_password_lacks() {
        let reason = |p: &str| check_password(&policy(), p).map_err(|e| e.message);
        assert_eq!(reason("Correct-Horse-9!"), Ok(()));
        for (password, lacks) in [
            ("Co-Hor-9!", "Password not long enough"),
            ("CORRECT-HORSE-9!", "lowercase"),
            ("correct-horse-9!", "uppercase"),
            ("Correct-Horse-X!", "numeric"),
            ("CorrectHorse99", "symbol"),
        ] {
            let message = reason(password).unwrap_err();
            assert!(message.contains(lacks), "{password}: {message}");
        }
        let relaxed = PasswordPolicy {
            minimum_length: 6,
            require_symbols: false,
            require_numbers: false,
            ..Default::default()
        };
        assert!(check_password(&relaxed, "Horsey").is_ok());
        assert!(check_password(&policy(), &"Aa1!".repeat(65)).is_err());
    }

    #[test]
    fn temporary_passwords_meet_the_policy_and_differ() {
        let strict = PasswordPolicy {
            minimum_length: 20,
            ..Default::default()
        };
        let made: Vec<String> = (0..50).map(|_| temporary_password(&strict)).collect();
        for password in &made {
            assert_eq!(check_password(&strict, password), Ok(()), "{password}");
            assert_eq!(password.chars().count(), 20);
        }
        let distinct: std::collections::HashSet<_> = made.iter().collect();
        assert_eq!(distinct.len(), made.len());
    }

    #[test]
    fn codes_are_six_random_digits() {
        let codes: Vec<String> = (0..200).map(|_| random_code()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(
            distinct.len() > 190,
            "random, not fixed: {}",
            distinct.len()
        );
    }

    #[test]
    fn a_code_is_single_use_and_a_wrong_one_leaves_it_valid() {
        let codes = Codes::default();
        let now = SystemTime::now();
        let code = codes.issue("pool", "ada", Purpose::SignUp, now);
        let wrong = if code == "000000" { "000001" } else { "000000" };

        let refused = codes.redeem("pool", "ada", Purpose::SignUp, wrong, now);
        assert_eq!(refused.unwrap_err().kind, "CodeMismatchException");
        let other_purpose = codes.redeem("pool", "ada", Purpose::ResetPassword, &code, now);
        assert_eq!(other_purpose.unwrap_err().kind, "CodeMismatchException");
        let other_user = codes.redeem("pool", "bob", Purpose::SignUp, &code, now);
        assert!(other_user.is_err());

        assert_eq!(
            codes.redeem("pool", "ada", Purpose::SignUp, &code, now),
            Ok(())
        );
        let again = codes.redeem("pool", "ada", Purpose::SignUp, &code, now);
        assert!(again.is_err(), "a code is used once");
    }

    #[test]
    fn too_many_wrong_answers_use_the_code_up() {
        let codes = Codes::default();
        let now = SystemTime::now();
        let code = codes.issue("pool", "ada", Purpose::SignUp, now);
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for _ in 0..WRONG_ANSWERS_ALLOWED {
            let refused = codes.redeem("pool", "ada", Purpose::SignUp, wrong, now);
            assert_eq!(refused.unwrap_err().kind, "CodeMismatchException");
        }
        let limited = codes.redeem("pool", "ada", Purpose::SignUp, wrong, now);
        assert_eq!(limited.unwrap_err().kind, "LimitExceededException");
        let right_too_late = codes.redeem("pool", "ada", Purpose::SignUp, &code, now);
        assert!(right_too_late.is_err(), "the guessed-at code is gone");
    }

    #[test]
    fn a_new_code_replaces_the_old_one() {
        let codes = Codes::default();
        let now = SystemTime::now();
        let first = codes.issue("pool", "ada", Purpose::ResetPassword, now);
        let mut second = codes.issue("pool", "ada", Purpose::ResetPassword, now);
        while second == first {
            second = codes.issue("pool", "ada", Purpose::ResetPassword, now);
        }
        assert!(
            codes
                .redeem("pool", "ada", Purpose::ResetPassword, &first, now)
                .is_err()
        );
        assert_eq!(
            codes.redeem("pool", "ada", Purpose::ResetPassword, &second, now),
            Ok(())
        );
    }

    #[test]
    fn a_temporary_password_expires_after_the_pools_validity_days() {
        let set = TemporaryPasswords::default();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let week = Duration::from_secs(7 * 24 * 3600);
        set.set("pool", "Ada", at);
        assert!(!set.expired("pool", "ada", 7, at + week));
        assert!(set.expired("pool", "ada", 7, at + week + Duration::from_secs(1)));
        assert!(set.expired("pool", "ADA", 0, at + Duration::from_secs(1)));
        assert!(!set.expired("other", "ada", 7, at + week * 2), "per pool");
        set.set("pool", "ada", at + week * 2);
        assert!(!set.expired("pool", "ada", 7, at + week * 2), "set anew");
    }

    #[test]
    fn codes_expire_after_cognitos_lifetimes() {
        let codes = Codes::default();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let hour = Duration::from_secs(3600);
        let second = Duration::from_secs(1);

        let code = codes.issue("p", "u", Purpose::ResetPassword, at);
        let expired = codes.redeem("p", "u", Purpose::ResetPassword, &code, at + hour + second);
        assert_eq!(expired.unwrap_err().kind, "ExpiredCodeException");
        let code = codes.issue("p", "u", Purpose::ResetPassword, at);
        assert_eq!(
            codes.redeem("p", "u", Purpose::ResetPassword, &code, at + hour),
            Ok(())
        );

        let code = codes.issue("p", "u", Purpose::SignUp, at);
        let day = 24 * hour;
        let expired = codes.redeem("p", "u", Purpose::SignUp, &code, at + day + second);
        assert_eq!(expired.unwrap_err().kind, "ExpiredCodeException");
        let code = codes.issue("p", "u", Purpose::SignUp, at);
        assert_eq!(
            codes.redeem("p", "u", Purpose::SignUp, &code, at + day - second),
            Ok(())
        );
    }
}
