//! Server-side sessions and the admin login.
//!
//! A session is a random 256-bit id in a cookie and a record here: its CSRF
//! token, whether it logged in, and when it lapses. Nothing but the id leaves
//! the server. Logins compare the password in constant time, and failed
//! attempts are bounded per minute for the whole server, so guessing is slow
//! whoever asks.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use xpost_core::Secret;

/// The session cookie's name.
pub const COOKIE: &str = "xpost_session";

/// Failed logins allowed per minute, server-wide.
pub const MAX_FAILED_LOGINS_PER_MINUTE: usize = 10;

/// The most sessions kept; the oldest not logged in go first.
const MAX_SESSIONS: usize = 10_000;

/// A fresh random token: 32 bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two byte strings in time that depends on their lengths only.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One session, as a request sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// Whether the session logged in (always true when no password is set).
    pub authenticated: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("authenticated", &self.authenticated)
            .finish_non_exhaustive()
    }
}

struct Stored {
    session: Session,
    last_used: Instant,
    flash: Option<String>,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Stored>,
    failures: VecDeque<Instant>,
}

/// Every live session, and the recent failed logins.
pub struct Sessions {
    ttl: Duration,
    inner: Mutex<Inner>,
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// The password is not the admin password.
    Wrong,
    /// Too many failed logins in the last minute; try again later.
    TooMany,
}

impl Sessions {
    /// No sessions yet; each lasts `ttl` after its last use.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live session with cookie value `id`, its use recorded.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut inner = self.lock();
        let now = Instant::now();
        let ttl = self.ttl;
        let stored = inner.sessions.get_mut(id)?;
        if now.duration_since(stored.last_used) > ttl {
            inner.sessions.remove(id);
            return None;
        }
        stored.last_used = now;
        Some(stored.session.clone())
    }

    /// Starts a session; `authenticated` when no login is needed.
    pub fn create(&self, authenticated: bool) -> Session {
        let session = Session {
            id: random_token(),
            csrf: random_token(),
            authenticated,
        };
        let mut inner = self.lock();
        let now = Instant::now();
        let ttl = self.ttl;
        inner
            .sessions
            .retain(|_, s| now.duration_since(s.last_used) <= ttl);
        if inner.sessions.len() >= MAX_SESSIONS {
            // Anyone can open sessions by asking for a page; a logged-in one is
            // given up only when every other one is logged in too.
            let oldest = inner
                .sessions
                .iter()
                .min_by_key(|(_, s)| (s.session.authenticated, s.last_used))
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                inner.sessions.remove(&oldest);
            }
        }
        inner.sessions.insert(
            session.id.clone(),
            Stored {
                session: session.clone(),
                last_used: now,
                flash: None,
            },
        );
        session
    }

    /// Checks `given` against `password`; on success the session `old` is
    /// replaced by a new, logged-in one (a fresh id and CSRF token, so an id
    /// planted before the login is worth nothing after it).
    ///
    /// # Errors
    /// [`LoginRefusal`] when the password is wrong or too many attempts failed.
    pub fn login(
        &self,
        old: &str,
        password: &Secret,
        given: &str,
    ) -> Result<Session, LoginRefusal> {
        {
            let mut inner = self.lock();
            let now = Instant::now();
            while inner
                .failures
                .front()
                .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
            {
                inner.failures.pop_front();
            }
            if inner.failures.len() >= MAX_FAILED_LOGINS_PER_MINUTE {
                return Err(LoginRefusal::TooMany);
            }
            if !same(password.expose().as_bytes(), given.as_bytes()) {
                inner.failures.push_back(now);
                return Err(LoginRefusal::Wrong);
            }
            inner.sessions.remove(old);
        }
        Ok(self.create(true))
    }

    /// Ends session `id`.
    pub fn remove(&self, id: &str) {
        self.lock().sessions.remove(id);
    }

    /// Leaves a one-line message for the session's next page.
    pub fn set_flash(&self, id: &str, message: impl Into<String>) {
        if let Some(s) = self.lock().sessions.get_mut(id) {
            s.flash = Some(message.into());
        }
    }

    /// Takes the message left for this page, if any.
    pub fn take_flash(&self, id: &str) -> Option<String> {
        self.lock()
            .sessions
            .get_mut(id)
            .and_then(|s| s.flash.take())
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The `Set-Cookie` value for session `id`.
pub fn set_cookie(id: &str, secure: bool, ttl: Duration) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn logins_are_checked_renewed_and_bounded() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let first = sessions.create(false);
        let password = Secret::new("correct horse");
        assert_eq!(
            sessions.login(&first.id, &password, "wrong"),
            Err(LoginRefusal::Wrong)
        );
        let logged = sessions
            .login(&first.id, &password, "correct horse")
            .unwrap();
        assert!(logged.authenticated);
        assert_ne!(logged.id, first.id);
        assert_ne!(logged.csrf, first.csrf);
        assert_eq!(sessions.get(&first.id), None, "the old id is gone");
        assert_eq!(sessions.get(&logged.id).as_ref(), Some(&logged));
        for _ in 1..MAX_FAILED_LOGINS_PER_MINUTE {
            assert_eq!(
                sessions.login(&logged.id, &password, "guess"),
                Err(LoginRefusal::Wrong)
            );
        }
        assert_eq!(
            sessions.login(&logged.id, &password, "correct horse"),
            Err(LoginRefusal::TooMany),
            "even the right password waits once too many guesses failed"
        );
        assert!(!format!("{logged:?}").contains(&logged.csrf));
    }

    #[test]
    fn expired_sessions_are_gone() {
        let sessions = Sessions::new(Duration::ZERO);
        let s = sessions.create(true);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(sessions.get(&s.id), None);
    }

    #[test]
    fn cookies_are_read_and_written() {
        assert_eq!(cookie("a=1; xpost_session=abc; b=2", COOKIE), Some("abc"));
        assert_eq!(cookie("a=1", COOKIE), None);
        let set = set_cookie("abc", true, Duration::from_secs(10));
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"));
        assert!(!set_cookie("abc", false, Duration::from_secs(10)).contains("Secure"));
    }
}
