//! What the truthful readings seen allow the keeper's clock estimate to be: the one computation of
//! the bound that the keeper fuzz target (`keeper_model`) and the native property test
//! (`tests/clock_bounds.rs`) hold `core::clock::IssuerClock` to; its module docs state the
//! invariant.
//!
//! Offsets are issuer − monotonic. A reading that says the issuer's clock read at least `x` at
//! monotonic time `m` is a lower bound `x − m` on the true offset; its *error* is how far below the
//! true offset it is (≥ 0 when the source told the truth). The estimate may be behind the true
//! offset by at most the smallest error of the bounds seen or, while it follows the page's wall
//! clock (no token with `iat` judged yet), by that estimate's own error if it is smaller.
//!
//! ```
//! use harness::bounds::TrueBounds;
//! let mut bounds = TrueBounds::default();
//! assert_eq!(bounds.allowed_error(), None, "nothing seen: nothing to hold the estimate to");
//! bounds.token(Some(1_200), 0); // a token minted 1.2 s before it arrived
//! bounds.date(300, true); // a truthful Date read 0.3 s before its response arrived
//! assert_eq!(bounds.allowed_error(), Some(300));
//! bounds.paused(60_000); // a sleep stopped the monotonic clock for a minute
//! assert_eq!(bounds.allowed_error(), Some(60_300));
//! ```

use connect_token::core::clock::{MAX_HINT_STEP, MAX_OPTIMISM};
use connect_token::core::Millis;

/// The truthful bounds seen, as their errors.
#[derive(Debug, Clone, Default)]
pub struct TrueBounds {
    /// The smallest error of a lower bound (a token's `iat`, a truthful `Date`); negative after an
    /// `iat` in the future, which the estimate must then be ahead of.
    tightest: Option<Millis>,
    /// While the estimate follows the page's wall clock: that estimate's error (issuer − wall).
    wall: Option<Millis>,
    /// A token was judged.
    observed: bool,
    /// The monotonic clock stood still in a sleep since the newest token was accepted, or that
    /// token had expired when it arrived: the estimate may ignore a truthful `Date` as
    /// contradicting that token, so a `Date` is then no bound.
    dates_ignorable: bool,
}

impl TrueBounds {
    /// A token was judged (accepted or refused as expired): `iat_error` is the issuer's time at
    /// its arrival minus its `iat` (`None`: no `iat`); `wall_error` is the issuer's time minus the
    /// page's wall clock then. Tokens with `iat` are bounds and end an estimate from the wall
    /// clock; the first token without makes the wall clock the estimate.
    pub fn token(&mut self, iat_error: Option<Millis>, wall_error: Millis) {
        match iat_error {
            Some(error) => {
                self.bound(error);
                self.wall = None;
            }
            None if !self.observed => self.wall = Some(wall_error),
            None => {}
        }
        self.observed = true;
    }

    /// A token was accepted (`renewed`: a new one; otherwise the held one again); `expired` says
    /// it had expired by the issuer's true clock when it arrived.
    pub fn held(&mut self, renewed: bool, expired: bool) {
        if renewed {
            self.dates_ignorable = false;
        }
        self.dates_ignorable |= expired;
    }

    /// A truthful `Date` header: the issuer's time when its response arrived minus `date`.
    /// `plausible`: by [`date_plausible`]. Counts only after a token and while no sleep or expired
    /// token lets the estimate ignore it.
    pub fn date(&mut self, error: Millis, plausible: bool) {
        if self.observed && plausible && !self.dates_ignorable {
            self.bound(error);
        }
    }

    /// The estimate was taken from the page's wall clock again (the clocks disagreed), with this
    /// error; nothing changes once a token with `iat` was judged.
    pub fn wall_read(&mut self, wall_error: Millis) {
        if let Some(wall) = &mut self.wall {
            *wall = wall_error;
        }
    }

    /// The monotonic clock stood still for `ms` while the issuer's ran: every bound falls behind.
    pub fn paused(&mut self, ms: Millis) {
        self.tightest = self.tightest.map(|error| error + ms);
        self.wall = self.wall.map(|error| error + ms);
        self.dates_ignorable |= ms > 0;
    }

    /// A token was judged.
    pub fn observed(&self) -> bool {
        self.observed
    }

    /// The estimate follows the page's wall clock: a token was judged, none with `iat`.
    pub fn follows_wall(&self) -> bool {
        self.wall.is_some()
    }

    /// A bound was seen.
    pub fn has_bound(&self) -> bool {
        self.tightest.is_some()
    }

    /// How far behind the issuer's true clock the estimate may be (negative: how far ahead it must
    /// be); `None` before any token.
    pub fn allowed_error(&self) -> Option<Millis> {
        let wall = self.wall.map(|error| error.max(0));
        match (self.tightest, wall) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b).or(self.observed.then_some(0)),
        }
    }

    /// A lower bound with this error; a negative one came from a lie (an `iat` in the future) and
    /// still counts: the estimate never goes below any bound, and a sleep that stops the monotonic
    /// clock for longer than the lie makes it a true one.
    fn bound(&mut self, error: Millis) {
        self.tightest = Some(self.tightest.map_or(error, |tightest| tightest.min(error)));
    }
}

/// Whether a `Date` read `rtt` ms round trip is one the estimate must take (`IssuerClock::server_time`
/// ignores one more than `MAX_HINT_STEP` ahead of it, or behind it beyond the header's second,
/// the round trip and `MAX_OPTIMISM`).
pub fn date_plausible(estimate: Millis, date: Millis, rtt: Millis) -> bool {
    date - estimate <= MAX_HINT_STEP && date + 1_000 + rtt + MAX_OPTIMISM >= estimate
}
