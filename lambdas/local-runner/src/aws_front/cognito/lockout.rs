//! Cognito's temporary lockout after repeated wrong passwords, on every path that checks
//! one: USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_SRP_AUTH's PASSWORD_VERIFIER,
//! the Hosted UI's login form and ChangePassword's previous password.
//!
//! The rule, from the Cognito Developer Guide, "Lockout behavior for failed sign-in
//! attempts" (authentication.html#authentication-flow-lockout-behavior): after five failed
//! unauthenticated or IAM-authorized sign-in attempts with a password, the user is locked
//! out for 1 second, and the lockout doubles with each further failure up to about
//! 15 minutes: for n failures in all, 2^(n-5) seconds. Attempts during a lockout are
//! refused with NotAuthorizedException "Password attempts exceeded" and do not lengthen
//! later lockouts. A successful sign-in after a lockout has ended, or 15 minutes without
//! any attempt after a lockout, starts the count again. (ChangePassword is not a sign-in:
//! counting its wrong previous passwords too is stricter than the guide says, never laxer.)
//!
//! One user's checks run one at a time (an async lock per user, held across the check), so
//! parallel guesses cannot all slip in before the fifth failure locks the account.

use super::super::errors::CognitoError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures that lock nobody out yet.
const FREE_FAILURES: u32 = 5;
/// "up to a maximum of approximately 15 minutes".
const LONGEST_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// "not initiate any sign-in attempts for 15 consecutive minutes at any time after a lockout".
const QUIET_RESET: Duration = Duration::from_secs(15 * 60);

/// How a password check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Right,
    Wrong,
    /// No password was judged (no such user, an internal error): the count stays.
    Neither,
}

impl Verdict {
    pub fn of(right: bool) -> Verdict {
        if right {
            Verdict::Right
        } else {
            Verdict::Wrong
        }
    }
}

/// One user's failures.
#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
    last_attempt: Option<Instant>,
}

impl Failures {
    /// An attempt at `now`: refused while locked out.
    fn admit(&mut self, now: Instant) -> Result<(), CognitoError> {
        let quiet = self
            .last_attempt
            .is_some_and(|last| now.saturating_duration_since(last) >= QUIET_RESET);
        if self.locked_until.is_some() && quiet {
            *self = Failures::default();
        }
        self.last_attempt = Some(now);
        match self.locked_until {
            Some(until) if now < until => Err(attempts_exceeded()),
            _ => Ok(()),
        }
    }

    fn record(&mut self, verdict: Verdict, now: Instant) {
        match verdict {
            Verdict::Right => *self = Failures::default(),
            Verdict::Wrong => {
                self.count = self.count.saturating_add(1);
                if self.count >= FREE_FAILURES {
                    let seconds = 1u64
                        .checked_shl(self.count - FREE_FAILURES)
                        .unwrap_or(u64::MAX);
                    let lockout = Duration::from_secs(seconds).min(LONGEST_LOCKOUT);
                    self.locked_until = Some(now + lockout);
                }
            }
            Verdict::Neither => {}
        }
    }
}

fn attempts_exceeded() -> CognitoError {
    CognitoError::new("NotAuthorizedException", "Password attempts exceeded")
}

/// One user's failures, locked for the length of a check.
type UserFailures = Arc<tokio::sync::Mutex<Failures>>;

/// Every user's failures, by (pool id, internal username).
#[derive(Default)]
pub struct Lockouts {
    users: Mutex<HashMap<(String, String), UserFailures>>,
}

impl Lockouts {
    /// Runs `check`, the user's password check, unless the user is locked out, and counts
    /// its verdict. `username` is the user's internal name (an alias must not get a count
    /// of its own).
    pub async fn guard<T>(
        &self,
        pool_id: &str,
        username: &str,
        check: impl Future<Output = (T, Verdict)>,
    ) -> Result<T, CognitoError> {
        let key = (pool_id.to_string(), username.to_lowercase());
        let user = match self.users.lock() {
            Ok(mut users) => users.entry(key).or_default().clone(),
            Err(_) => return Err(CognitoError::new("InternalErrorException", "lockouts")),
        };
        let mut failures = user.lock().await;
        failures.admit(Instant::now())?;
        let (value, verdict) = check.await;
        failures.record(verdict, Instant::now());
        Ok(value)
    }

    /// A password the caller compared itself (`right`): Ok, or Cognito's refusal for a
    /// wrong password or a locked-out user.
    pub async fn verify(
        &self,
        pool_id: &str,
        username: &str,
        right: bool,
    ) -> Result<(), CognitoError> {
        self.guard(pool_id, username, async { ((), Verdict::of(right)) })
            .await?;
        if right {
            Ok(())
        } else {
            Err(CognitoError::incorrect_credentials())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// `times` wrong passwords from `start`, each as soon as the lockout allows; the
    /// moment after the last.
    fn failed(failures: &mut Failures, times: u32, start: Instant) -> Instant {
        let mut now = start;
        for _ in 0..times {
            now = failures.locked_until.map_or(now, |until| until.max(now));
            failures.admit(now).unwrap();
            failures.record(Verdict::Wrong, now);
            now += Duration::from_millis(1);
        }
        now
    }

    #[test]
    fn five_failures_lock_out_for_one_second_then_each_failure_doubles_it() {
        let start = Instant::now();
        let mut user = Failures::default();
        let now = failed(&mut user, 4, start);
        assert_eq!(user.admit(now), Ok(()), "four failures lock nobody out");
        user.record(Verdict::Wrong, now);

        let refused = user.admit(now + SECOND / 2).unwrap_err();
        assert_eq!(
            (refused.kind, refused.message.as_str()),
            ("NotAuthorizedException", "Password attempts exceeded")
        );
        // Refused attempts do not lengthen the lockout.
        assert!(user.admit(now + SECOND * 999 / 1000).is_err());
        let mut now = now + SECOND;
        for lockout in [2u64, 4, 8, 16] {
            assert_eq!(user.admit(now), Ok(()), "the lockout has ended");
            user.record(Verdict::Wrong, now);
            let just_before = now + Duration::from_secs(lockout) - Duration::from_millis(1);
            assert!(user.admit(just_before).is_err(), "{lockout} s");
            now += Duration::from_secs(lockout);
        }
    }

    #[test]
    fn the_lockout_stops_growing_at_fifteen_minutes() {
        let start = Instant::now();
        let mut user = Failures::default();
        let lockout = |user: &Failures, now: Instant| user.locked_until.unwrap() - now;
        let now = failed(&mut user, 14, start);
        assert!(lockout(&user, now) > Duration::from_secs(511), "2^9 s");
        // 2^10 s would be longer than 15 minutes. (Waiting that out is 15 minutes without
        // an attempt, which starts the count again.)
        let now = failed(&mut user, 1, now);
        assert!(lockout(&user, now) <= LONGEST_LOCKOUT);
        assert!(lockout(&user, now) >= LONGEST_LOCKOUT - SECOND);
        user.count = u32::MAX - 1;
        user.record(Verdict::Wrong, now);
        assert_eq!(lockout(&user, now), LONGEST_LOCKOUT, "no overflow");
    }

    #[test]
    fn a_right_password_after_the_lockout_starts_the_count_again() {
        let start = Instant::now();
        let mut user = Failures::default();
        let now = failed(&mut user, 5, start);
        assert!(
            user.admit(now).is_err(),
            "the right password is refused too"
        );
        let later = now + SECOND;
        user.admit(later).unwrap();
        user.record(Verdict::Right, later);
        let now = failed(&mut user, 4, later);
        assert_eq!(user.admit(now), Ok(()), "the count started again");
    }

    #[test]
    fn fifteen_quiet_minutes_after_a_lockout_start_the_count_again() {
        let start = Instant::now();
        let mut user = Failures::default();
        let now = failed(&mut user, 9, start);
        let quiet = now + QUIET_RESET;
        user.admit(quiet).unwrap();
        user.record(Verdict::Wrong, quiet);
        assert_eq!(user.admit(quiet), Ok(()), "one failure after the reset");
        // Without a lockout, failures are kept however long ago they were.
        let mut fresh = Failures::default();
        let now = failed(&mut fresh, 4, start);
        fresh.admit(now + QUIET_RESET * 4).unwrap();
        fresh.record(Verdict::Wrong, now + QUIET_RESET * 4);
        assert!(fresh.admit(now + QUIET_RESET * 4).is_err());
    }

    #[test]
    fn neither_verdict_changes_nothing() {
        let start = Instant::now();
        let mut user = Failures::default();
        let now = failed(&mut user, 4, start);
        for _ in 0..10 {
            user.admit(now).unwrap();
            user.record(Verdict::Neither, now);
        }
        assert_eq!(user.count, 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_user_is_counted_apart_and_parallel_guesses_are_counted_one_by_one() {
        let lockouts = Arc::new(Lockouts::default());
        // Each check takes a while, as moto's answer does; all 20 are under way at once.
        let guesses: Vec<_> = (0..20)
            .map(|_| {
                let lockouts = lockouts.clone();
                tokio::spawn(async move {
                    let slow_wrong = async {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        ((), Verdict::Wrong)
                    };
                    lockouts.guard("pool", "ada", slow_wrong).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for guess in guesses {
            answers.push(guess.await.unwrap());
        }
        let wrong = answers.iter().filter(|a| a.is_ok()).count();
        assert_eq!(wrong, 5, "only five guesses were judged: {answers:?}");
        let locked = lockouts.verify("pool", "ADA", true).await.unwrap_err();
        assert_eq!(locked.message, "Password attempts exceeded", "case-blind");
        assert_eq!(lockouts.verify("pool", "bob", true).await, Ok(()));
        assert_eq!(lockouts.verify("other-pool", "ada", true).await, Ok(()));
    }
}
