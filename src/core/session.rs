//! The app backend's own session tokens. atlassian-connect-express (ACE) renders one into every
//! page it serves after authentication (`{{token}}`: the `initialToken` option) and answers every
//! request it authenticates with a fresh one in the `X-acpt` response header (the
//! `sessionTokenHeader` option): 15 minutes, the user's `sub`, signed with the installation's
//! secret. The keeper holds at most one per origin; this module decides which offered token is
//! taken and keeps them. Which token a request carries is the keeper's decision
//! (`Keeper::choose`), because it depends on the host's token too.
//!
//! The rules, each tested below and in `tests/session.rs`:
//! 1. A backend's token goes back only to the origin that issued it (`initialToken`: the page's own
//!    origin); every other allowed origin keeps getting the host's context JWT.
//! 2. An offered token is taken only if it decodes, is fresh by the keeper's clock estimate (more
//!    than the final window left), expires later than the one held for that origin, and has the
//!    same `sub` as the page's user (the host token's, else the first token taken's; a `sub` that is
//!    not a string is no user's). Anything else is ignored and counted ([`Ignored`]), never an
//!    error for the caller.
//! 3. The host is the authority on the user: a host token whose `sub` differs drops every backend
//!    token held.
//! 4. A backend token in its final window is dropped; one within its renewal margin is used only
//!    while the host's token is not usable (the keeper asks the host at the margin). All are
//!    dropped when the page's clocks disagree (a sleep, a step of the wall clock).

use super::keeper::FINAL_WINDOW;
use super::token::Times;
use super::Millis;
use alloc::string::String;
use alloc::vec::Vec;

/// Which allowed origin, as the glue numbers them (an index into its list of allowed origins).
pub type OriginId = usize;

/// Why an offered token was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// Not a JWT with an `exp` the keeper can read.
    Malformed,
    /// Expired, or within its final seconds, by the keeper's clock estimate.
    Expired,
    /// It does not expire later than the token held for that origin (the same token again, or an
    /// older one arriving late).
    NotLater,
    /// Its `sub` is not the page's user.
    OtherUser,
    /// `initialToken` while the page's own origin is not in `allowedOrigins`: it would never be sent.
    OriginNotAllowed,
}

impl Ignored {
    /// The reason as `stats()` names it.
    ///
    /// ```
    /// use connect_token::core::session::Ignored;
    /// assert_eq!(Ignored::OtherUser.as_str(), "other-user");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Ignored::Malformed => "malformed",
            Ignored::Expired => "expired",
            Ignored::NotLater => "not-later",
            Ignored::OtherUser => "other-user",
            Ignored::OriginNotAllowed => "origin-not-allowed",
        }
    }
}

/// What became of the `initialToken` option, as `stats().initialToken` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialToken {
    /// None was given.
    #[default]
    None,
    /// It served the first requests.
    Used,
    /// It was ignored, and why: the host was asked as without it.
    Ignored(Ignored),
}

impl InitialToken {
    /// As `stats().initialToken` names it: `"none"`, `"used"`, or the reason it was ignored.
    ///
    /// ```
    /// use connect_token::core::session::{Ignored, InitialToken};
    /// assert_eq!(InitialToken::Ignored(Ignored::Expired).as_str(), "expired");
    /// assert_eq!(InitialToken::Used.as_str(), "used");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            InitialToken::None => "none",
            InitialToken::Used => "used",
            InitialToken::Ignored(why) => why.as_str(),
        }
    }
}

/// A token's `sub` claim, the user it speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// No `sub` claim.
    Absent,
    /// A `sub` that is a string (an Atlassian accountId).
    Text(String),
    /// A `sub` that is not a string: the same as no user at all, never equal to another.
    Other,
}

impl Subject {
    /// Whether two tokens speak for the same user (a `sub` that is not a string never does).
    ///
    /// ```
    /// use connect_token::core::session::Subject;
    /// let alice = Subject::Text("712020:alice".into());
    /// assert!(alice.same_user(&Subject::Text("712020:alice".into())));
    /// assert!(!alice.same_user(&Subject::Absent));
    /// assert!(!Subject::Other.same_user(&Subject::Other));
    /// ```
    pub fn same_user(&self, other: &Subject) -> bool {
        match (self, other) {
            (Subject::Absent, Subject::Absent) => true,
            (Subject::Text(one), Subject::Text(other)) => one == other,
            _ => false,
        }
    }
}

/// A backend token the keeper holds (the glue keeps the string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken {
    /// The origin that issued it, the only one it goes to.
    pub origin: OriginId,
    /// `exp` by the issuer's clock, in milliseconds.
    pub expires_at: Millis,
    /// How long before `exp` the host's token is preferred (the renewal margin, clamped to half
    /// the token's lifetime).
    pub margin: Millis,
}

/// The backend tokens held, one per origin at most, and the page's user.
///
/// ```
/// use connect_token::core::session::{Ignored, SessionTokens, Subject};
/// use connect_token::core::token::Times;
/// let alice = || Subject::Text("alice".into());
/// let mut tokens = SessionTokens::default();
/// tokens.host_user(alice());
/// let times = Times { expires_at: 900_000, issued_at: Some(0) };
/// assert_eq!(tokens.offer(0, times, &alice(), 1_000, 60_000), Ok(()));
/// assert_eq!(tokens.offer(0, times, &alice(), 2_000, 60_000), Err(Ignored::NotLater));
/// assert_eq!(tokens.offer(1, times, &Subject::Text("mallory".into()), 2_000, 60_000), Err(Ignored::OtherUser));
/// assert_eq!(tokens.get(0).map(|token| token.expires_at), Some(900_000));
/// assert!(tokens.get(1).is_none(), "origin 1 never gets origin 0's token");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionTokens {
    tokens: Vec<SessionToken>,
    user: Option<Subject>,
}

impl SessionTokens {
    /// Judges a token offered by `origin` at issuer time `issuer_now` (by the clock estimate) and
    /// takes it if the rules allow; `renew_margin` is the keeper's margin before clamping.
    pub fn offer(
        &mut self,
        origin: OriginId,
        times: Times,
        subject: &Subject,
        issuer_now: Millis,
        renew_margin: Millis,
    ) -> Result<(), Ignored> {
        if issuer_now >= times.expires_at.saturating_sub(FINAL_WINDOW) {
            return Err(Ignored::Expired);
        }
        // The first token names the user; a `sub` that is not a string never does.
        if !self.user.as_ref().unwrap_or(subject).same_user(subject) {
            return Err(Ignored::OtherUser);
        }
        if self.get(origin).is_some_and(|held| held.expires_at >= times.expires_at) {
            return Err(Ignored::NotLater);
        }
        if self.user.is_none() {
            self.user = Some(subject.clone());
        }
        let lifetime = times.expires_at - times.issued_at.unwrap_or(issuer_now).min(issuer_now);
        let margin = renew_margin.min(lifetime / 2).max(super::keeper::FINAL_WINDOW + super::keeper::MIN_ASK_INTERVAL);
        let token = SessionToken { origin, expires_at: times.expires_at, margin };
        self.tokens.retain(|held| held.origin != origin);
        self.tokens.push(token);
        Ok(())
    }

    /// The host's token speaks for `subject`: it is the page's user from now on, and every backend
    /// token held for another user is dropped. Returns whether any was.
    pub fn host_user(&mut self, subject: Subject) -> bool {
        let before = self.tokens.len();
        if !self.user.as_ref().is_some_and(|user| user.same_user(&subject)) {
            self.tokens.clear();
        }
        self.user = Some(subject);
        self.tokens.len() != before
    }

    /// The token held for `origin`.
    pub fn get(&self, origin: OriginId) -> Option<&SessionToken> {
        self.tokens.iter().find(|token| token.origin == origin)
    }

    /// Drops the token held for `origin` (its backend answered 401 to it); whether there was one.
    pub fn drop_origin(&mut self, origin: OriginId) -> bool {
        let before = self.tokens.len();
        self.tokens.retain(|token| token.origin != origin);
        self.tokens.len() != before
    }

    /// Drops every token in its final window at issuer time `issuer_now`; whether any was.
    pub fn drop_lapsed(&mut self, issuer_now: Millis) -> bool {
        let before = self.tokens.len();
        self.tokens.retain(|token| issuer_now < token.expires_at.saturating_sub(FINAL_WINDOW));
        self.tokens.len() != before
    }

    /// Drops every token (the clocks disagreed: a sleep may have lapsed them); whether any was.
    pub fn drop_all(&mut self) -> bool {
        let any = !self.tokens.is_empty();
        self.tokens.clear();
        any
    }

    /// Whether no backend token is held.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The issuer time at which the first backend token reaches its margin: from then on requests
    /// to its origin prefer the host's token, so the host is asked then.
    pub fn covered_until(&self) -> Option<Millis> {
        self.tokens.iter().map(|token| token.expires_at - token.margin).min()
    }

    /// The issuer time at which the first backend token enters its final window (and is dropped).
    pub fn next_lapse(&self) -> Option<Millis> {
        self.tokens.iter().map(|token| token.expires_at.saturating_sub(FINAL_WINDOW)).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_764_000_000_000;

    fn times(iat_s: i64, ttl_s: i64) -> Times {
        Times { expires_at: (iat_s + ttl_s) * 1_000, issued_at: Some(iat_s * 1_000) }
    }

    fn alice() -> Subject {
        Subject::Text("712020:alice".into())
    }

    #[test]
    fn a_fresh_token_of_the_user_is_taken_once_per_later_expiry() {
        let mut tokens = SessionTokens::default();
        tokens.host_user(alice());
        assert_eq!(tokens.offer(0, times(T0 / 1_000, 900), &alice(), T0, 60_000), Ok(()));
        assert_eq!(tokens.offer(0, times(T0 / 1_000, 900), &alice(), T0, 60_000), Err(Ignored::NotLater));
        assert_eq!(tokens.offer(0, times(T0 / 1_000 - 1, 900), &alice(), T0, 60_000), Err(Ignored::NotLater));
        assert_eq!(tokens.offer(0, times(T0 / 1_000 + 1, 900), &alice(), T0 + 1_000, 60_000), Ok(()));
        assert_eq!(tokens.get(0).map(|token| token.expires_at), Some(T0 + 901_000));
    }

    #[test]
    fn expired_and_nearly_expired_tokens_are_ignored() {
        let mut tokens = SessionTokens::default();
        let token = times(T0 / 1_000, 900);
        assert_eq!(tokens.offer(0, token, &alice(), T0 + 895_000, 60_000), Err(Ignored::Expired));
        assert_eq!(tokens.offer(0, token, &alice(), T0 + 2_000_000, 60_000), Err(Ignored::Expired));
        assert_eq!(tokens.offer(0, token, &alice(), T0 + 894_999, 60_000), Ok(()));
        assert!(tokens.drop_lapsed(T0 + 895_000));
        assert!(tokens.is_empty());
    }

    #[test]
    fn another_users_token_is_ignored_and_the_host_decides_who_the_user_is() {
        let mut tokens = SessionTokens::default();
        assert_eq!(
            tokens.offer(0, times(T0 / 1_000, 900), &alice(), T0, 60_000),
            Ok(()),
            "the first token names the user"
        );
        let mallory = Subject::Text("712020:mallory".into());
        assert_eq!(tokens.offer(1, times(T0 / 1_000, 900), &mallory, T0, 60_000), Err(Ignored::OtherUser));
        assert_eq!(tokens.offer(1, times(T0 / 1_000, 900), &Subject::Absent, T0, 60_000), Err(Ignored::OtherUser));
        assert!(!tokens.host_user(alice()), "the same user keeps the tokens");
        assert!(tokens.host_user(mallory.clone()), "a host token of another user drops them");
        assert!(tokens.is_empty());
        assert_eq!(tokens.offer(1, times(T0 / 1_000, 900), &alice(), T0, 60_000), Err(Ignored::OtherUser));
        let mut other = SessionTokens::default();
        assert_eq!(other.offer(0, times(T0 / 1_000, 900), &Subject::Other, T0, 60_000), Err(Ignored::OtherUser));
        other.host_user(Subject::Other);
        assert_eq!(other.offer(0, times(T0 / 1_000, 900), &Subject::Other, T0, 60_000), Err(Ignored::OtherUser));
    }

    #[test]
    fn each_origin_keeps_its_own_token_and_its_margin() {
        let mut tokens = SessionTokens::default();
        tokens.offer(0, times(T0 / 1_000, 900), &alice(), T0, 60_000).unwrap();
        tokens.offer(2, times(T0 / 1_000, 60), &alice(), T0, 60_000).unwrap();
        assert_eq!(tokens.get(0).map(|token| token.margin), Some(60_000));
        assert_eq!(tokens.get(2).map(|token| token.margin), Some(30_000), "half of a 60 s lifetime");
        assert_eq!(tokens.covered_until(), Some(T0 + 30_000));
        assert_eq!(tokens.next_lapse(), Some(T0 + 55_000));
        assert!(tokens.get(1).is_none());
        assert!(tokens.drop_origin(2));
        assert!(!tokens.drop_origin(2));
        assert_eq!(tokens.covered_until(), Some(T0 + 840_000));
    }
}
