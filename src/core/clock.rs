//! The page's estimate of the token issuer's clock.
//!
//! The page has two clocks: the wall clock (`Date.now()`), which may be hours off and may step
//! in either direction at any time (NTP, the user, a VM resuming), and a monotonic clock
//! (`performance.now()`), which never steps but may stand still while the machine sleeps. The
//! estimate is an offset between the issuer's clock and the **monotonic** one, so a step of the
//! wall clock moves nothing; the wall clock is used only before the first token and to show
//! `exp` in the page's time.
//!
//! Each token carries two readings of the issuer's clock: `iat` (when it was minted) and `exp`.
//! When a token arrives at monotonic time `m`, the issuer's time was at least `iat`, so the offset
//! (issuer − monotonic) is at least `iat − m`; and if the token was valid, less than `exp − m`.
//! The estimate is the tightest lower bound seen so far: a freshly minted token pins the offset to
//! within the round trip and `iat`'s one-second resolution, whatever the page's clocks say. Lower
//! bounds never make a token look older than it is, so a skewed clock never causes a storm of
//! renewals. Issuer time minus monotonic time never decreases (the monotonic clock does not run
//! faster than real time; it may only stand still), so an old lower bound stays a lower bound
//! across a sleep or a step, and a newly minted token can never look expired because of one.
//!
//! A second source of readings is the `Date` header of the app's backend ([`IssuerClock::server_time`]):
//! the server's clock read `date` (whole seconds) at some moment between sending and receiving,
//! which bounds the offset from below like `iat` does (and above, which is used only to reject an
//! absurd header: one that contradicts the newest token is ignored).
//!
//! # The invariant
//!
//! The estimate is the largest of three numbers, each kept on its own and never moved back: the
//! tightest lower bound the `iat` of every token judged gives (accepted or refused as expired), the
//! tightest lower bound from the `Date` headers not found absurd, and, only while no token with
//! `iat` was judged, the page's wall clock (read again at each discontinuity, so it may go back).
//! So, however far off the page's clock is and whatever it does, with or without `iat`, **the
//! estimate is never below a lower bound seen**. It runs ahead of the issuer's clock only if a
//! source lied (a `Date` ahead, an `iat` in the future), which makes tokens look older than they
//! are (earlier renewals, a fresh token refused), never younger; or, for a token minted while it
//! was asked for, by at most its round trip beyond `MAX_OPTIMISM − 1 s`. Upper bounds (`exp` at
//! the arrival of a token judged valid, a `Date`'s second) only reject absurd headers. A token is
//! handed out only while the estimate says it has more than the final window left, so by the
//! issuer's true clock it has at least the final window less the error of the tightest truthful
//! bound seen. `fuzz/harness/tests/clock_bounds.rs` (a native property test) and the keeper fuzz
//! target check exactly that, with one computation of the bound (`harness::bounds`).

use super::{Millis, Now};

/// How much fresher than the latest possible mint time a token may be taken to be; the final
/// window (5 s) is wider, so a handed-out token always has at least a second left.
pub const MAX_OPTIMISM: Millis = 4_000;

/// The longest round trip taken into account when judging how fresh a token is.
pub const MAX_ROUND_TRIP: Millis = 10_000;

/// How far past `exp` (by the estimate, plus the round trip) a re-issued token may look before it
/// counts as expired: `iat`'s second and a host that compares whole seconds. Also how far past the
/// newest token's `exp` (at its arrival) a `Date` header may put the issuer's clock before the
/// header counts as absurd.
pub const REISSUE_TOLERANCE: Millis = 2_000;

/// A `Date` header more than this far ahead of the estimate is absurd and ignored.
pub const MAX_HINT_STEP: Millis = 86_400_000;

/// The estimated offset between the issuer's clock and the page's monotonic clock.
///
/// ```
/// use connect_token::core::clock::{IssuerClock, Reading};
/// use connect_token::core::Now;
/// let mut clock = IssuerClock::default();
/// // The page's wall clock is 10 minutes fast; its monotonic clock reads 5 s since page load.
/// let now = Now { wall: 1_000_600_000, mono: 5_000 };
/// assert_eq!(clock.observe(now, now, Some(1_000_000_000), 1_000_900_000, false), Reading::Valid);
/// assert_eq!(clock.issuer_now(now), 1_000_000_000);
/// // The wall clock steps back an hour a second later: the estimate does not move.
/// let later = Now { wall: 1_000_600_000 - 3_600_000 + 1_000, mono: 6_000 };
/// assert_eq!(clock.issuer_now(later), 1_000_001_000);
/// // Where the page shows `exp`: in its (stepped) wall clock.
/// assert_eq!(clock.page_time(1_000_900_000, later), later.wall + 899_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssuerClock {
    /// The tightest lower bound on the offset (issuer − monotonic) that the `iat` of the tokens
    /// judged gives (each taken as minted while it was asked for, within [`MAX_OPTIMISM`]);
    /// `None` until a token with `iat` was judged, accepted or refused as expired.
    minted: Option<Millis>,
    /// The page's wall clock as an offset, read at the first token and again at every
    /// discontinuity: the estimate while no token with `iat` was judged. No bound.
    wall: Option<Millis>,
    /// The tightest lower bound from `Date` headers; kept even while it is below an estimate taken
    /// from the wall clock, which may step back later.
    dates: Option<Millis>,
    /// `exp` minus monotonic time at the arrival of the newest token judged valid: the issuer's
    /// clock read less than its `exp` when it arrived.
    upper: Option<Millis>,
}

/// What a token's timestamps say, judged by the clock estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The token is consistent with the estimate (which may have been refined by it).
    Valid,
    /// The token had already expired when it arrived.
    Expired,
}

impl IssuerClock {
    /// The offset (issuer − monotonic), once a token was seen: the bound from the tokens' `iat`
    /// (or, without one yet, the page's wall clock), raised to the bound from `Date` headers.
    fn estimate(&self) -> Option<Millis> {
        let base = self.minted.or(self.wall)?;
        Some(base.max(self.dates.unwrap_or(Millis::MIN)))
    }

    /// The estimate still follows the page's wall clock: a token was seen, none with `iat`.
    fn follows_wall(&self) -> bool {
        self.minted.is_none() && self.wall.is_some()
    }

    /// The issuer's time at `now`, by the estimate; the page's wall clock until a token was seen.
    pub fn issuer_now(&self, now: Now) -> Millis {
        self.estimate().map_or(now.wall, |offset| now.mono.saturating_add(offset))
    }

    /// The monotonic time at which the issuer's clock reads `issuer_time`, by the estimate.
    pub fn mono_time(&self, issuer_time: Millis, now: Now) -> Millis {
        now.mono.saturating_add(issuer_time.saturating_sub(self.issuer_now(now)))
    }

    /// The page's wall-clock time at which the issuer's clock reads `issuer_time`, by the
    /// estimate and the wall clock at `now` (for display only: the wall clock may step later).
    pub fn page_time(&self, issuer_time: Millis, now: Now) -> Millis {
        now.wall.saturating_add(issuer_time.saturating_sub(self.issuer_now(now)))
    }

    /// The page's two clocks disagreed about the time since the previous reading (a step of the
    /// wall clock, or a sleep that stopped the monotonic clock). An estimate taken from the wall
    /// clock (no token with `iat` yet) is taken from it again, never below the `Date` bound; the
    /// bounds stay.
    pub fn clocks_disagreed(&mut self, now: Now) {
        if self.follows_wall() {
            self.wall = Some(now.wall.saturating_sub(now.mono));
        }
    }

    /// Learns from a token asked for at `asked` that arrived at `arrived`; `reissued` says it is
    /// the token already held.
    pub fn observe(
        &mut self,
        asked: Now,
        arrived: Now,
        issued_at: Option<Millis>,
        expires_at: Millis,
        reissued: bool,
    ) -> Reading {
        let now = arrived.mono;
        // If minted while it was asked for, the issuer's clock read between iat at `now` and
        // iat + 1 s at `asked_at` (iat is whole seconds). The estimate takes the early end, so
        // renewals are not early, but never more than MAX_OPTIMISM before the late end, so a slow
        // host cannot make a token look fresher than that. A round trip longer than
        // MAX_ROUND_TRIP (the page slept while asking) is not evidence.
        // (max/min, not clamp: clamp's panic path would add core::fmt to the wasm.)
        let asked_at = asked.mono.max(now.saturating_sub(MAX_ROUND_TRIP)).min(now);
        let minted = issued_at.map(|iat| {
            let early = iat.saturating_sub(now);
            let late = iat.saturating_add(1_000).saturating_sub(asked_at);
            early.max(late - MAX_OPTIMISM)
        });
        let upper = expires_at.saturating_sub(now);
        // By the tokens alone: their bound, or the page's wall clock until one has `iat`.
        let offset = match (self.minted, minted) {
            (Some(known), Some(minted)) => known.max(minted),
            (None, Some(minted)) => minted,
            (Some(known), None) => known,
            (None, None) => self.wall.unwrap_or(arrived.wall.saturating_sub(now)),
        };
        // The `Date` headers are bounds too, never dropped: a newly minted token they say had
        // expired is refused. Only a `Date` that lies can make that happen, and lies only ever
        // make tokens look older than they are (earlier renewals), never younger.
        let estimate = offset.max(self.dates.unwrap_or(Millis::MIN));
        if estimate < upper {
            match issued_at {
                Some(_) => self.minted = Some(offset),
                None if self.minted.is_none() => self.wall = Some(offset),
                None => {}
            }
            self.upper = Some(upper);
            return Reading::Valid;
        }
        if reissued && estimate - upper <= REISSUE_TOLERANCE + (now - asked_at) {
            // Handed back around its last second: within the estimate's own error (iat's second,
            // the round trip) and a host that judges expiry in whole seconds, so not proof of
            // expiry. It stays held (unusable: inside the final window) and is asked again.
            return Reading::Valid;
        }
        match (self.minted.or(self.wall), issued_at) {
            // Without a token before it, an expired token and a page clock that is fast by more
            // than the token's lifetime look the same; record the page's clock as the estimate
            // (without `iat`, only until a token with `iat` arrives).
            (None, Some(_)) => self.minted = Some(offset),
            (None, None) => self.wall = Some(offset),
            // An expired token's `iat` is still a reading of the issuer's clock: it read at least
            // `iat` when the token arrived. That bound ends an estimate taken from the page's
            // clock (which may be decades off) and tightens any other.
            (Some(_), Some(iat)) => {
                let bound = iat.saturating_sub(now);
                self.minted = Some(self.minted.map_or(bound, |known| known.max(bound)));
            }
            (Some(_), None) => {}
        }
        Reading::Expired
    }

    /// Learns from a response's `Date` header: the server's clock read `date` (milliseconds, a
    /// whole second) at some moment between `sent` and `received`. Returns whether the estimate
    /// moved (forward: it never moves back).
    ///
    /// The header is a hint, ignored (never a failure) before the first token, when `sent` is
    /// after `received`, and when it is absurd: it would put the issuer's clock past the newest
    /// token's `exp` (at that token's arrival) by more than [`REISSUE_TOLERANCE`], more than
    /// [`MAX_HINT_STEP`] ahead of the estimate, or behind the estimate by more than
    /// [`MAX_OPTIMISM`] (the estimate's own error) beyond the header's second. One that is not
    /// absurd is kept as a bound even when the estimate is ahead of it: an estimate taken from
    /// the page's wall clock may step back later, and never below it.
    ///
    /// ```
    /// use connect_token::core::clock::IssuerClock;
    /// use connect_token::core::Now;
    /// let at = |mono| Now { wall: 1_000_000_000 + mono, mono };
    /// let mut clock = IssuerClock::default();
    /// // The first token came from the host's cache, minted 10 minutes before it arrived.
    /// clock.observe(at(0), at(0), Some(1_000_000_000 - 600_000), 1_000_000_000 + 300_000, false);
    /// assert_eq!(clock.issuer_now(at(1_000)), 1_000_000_000 - 599_000, "assumed freshly minted");
    /// // The backend's Date header (read while the request was under way) says otherwise.
    /// assert!(clock.server_time(at(1_000), at(1_200), 1_000_001_000));
    /// assert_eq!(clock.issuer_now(at(1_200)), 1_000_001_000);
    /// // A Date hours ahead would put that token past its exp: ignored.
    /// assert!(!clock.server_time(at(2_000), at(2_100), 1_000_000_000 + 3 * 3_600_000));
    /// ```
    pub fn server_time(&mut self, sent: Now, received: Now, date: Millis) -> bool {
        let Some(known) = self.estimate() else { return false };
        if sent.mono > received.mono {
            return false;
        }
        let lower = date.saturating_sub(received.mono);
        let upper = date.saturating_add(1_000).saturating_sub(sent.mono);
        let behind = upper.saturating_add(MAX_OPTIMISM) < known;
        let too_far = lower.saturating_sub(known) > MAX_HINT_STEP;
        let past_newest = self.upper.is_some_and(|newest| lower > newest.saturating_add(REISSUE_TOLERANCE));
        if behind || too_far || past_newest {
            return false;
        }
        self.dates = Some(self.dates.map_or(lower, |dates| dates.max(lower)));
        lower > known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const ISSUER: Millis = 1_764_000_000_000;

    /// A reading `mono` ms after page load, with the wall clock `skew` off the issuer's.
    fn at(mono: Millis, skew: Millis) -> Now {
        Now { wall: ISSUER + skew + mono, mono }
    }

    #[test]
    fn a_fresh_token_pins_the_offset_whatever_the_page_clock_says() {
        for skew in [-24 * 60 * MIN, -10 * MIN, -1, 0, 1, 10 * MIN, 24 * 60 * MIN] {
            let mut clock = IssuerClock::default();
            let reading = clock.observe(at(0, skew), at(0, skew), Some(ISSUER), ISSUER + 15 * MIN, false);
            assert_eq!(reading, Reading::Valid);
            assert_eq!(clock.issuer_now(at(5_000, skew)), ISSUER + 5_000, "skew {skew}");
            assert_eq!(clock.mono_time(ISSUER + 15 * MIN, at(0, skew)), 15 * MIN);
            assert_eq!(clock.page_time(ISSUER + 15 * MIN, at(0, skew)), ISSUER + skew + 15 * MIN);
        }
    }

    #[test]
    fn keeps_the_tightest_lower_bound() {
        let mut clock = IssuerClock::default();
        // A token minted 5 minutes before it arrived (host cache), then a fresh one.
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER - 5 * MIN), ISSUER + 10 * MIN, false);
        assert_eq!(clock.issuer_now(at(0, 0)), ISSUER - 5 * MIN);
        clock.observe(at(MIN, 0), at(MIN, 0), Some(ISSUER + MIN), ISSUER + 16 * MIN, false);
        assert_eq!(clock.issuer_now(at(MIN, 0)), ISSUER + MIN);
        // An older token afterwards does not pull the estimate back.
        clock.observe(at(2 * MIN, 0), at(2 * MIN, 0), Some(ISSUER - 3 * MIN), ISSUER + 12 * MIN, false);
        assert_eq!(clock.issuer_now(at(2 * MIN, 0)), ISSUER + 2 * MIN);
    }

    #[test]
    fn a_new_token_already_past_exp_is_expired_and_does_not_move_the_clock() {
        let mut clock = IssuerClock::default();
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 15 * MIN, false);
        let stale = clock.observe(at(MIN, 0), at(MIN, 0), Some(ISSUER - 20 * MIN), ISSUER - 5 * MIN, false);
        assert_eq!(stale, Reading::Expired);
        assert_eq!(clock.issuer_now(at(MIN, 0)), ISSUER + MIN);
    }

    #[test]
    fn a_wall_clock_step_in_either_direction_moves_nothing() {
        for step in [-2 * 60 * MIN, -10 * MIN, -2_000, 2_000, 10 * MIN, 2 * 60 * MIN] {
            let mut clock = IssuerClock::default();
            clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 5 * MIN, false);
            let stepped = at(MIN, step);
            assert_eq!(clock.issuer_now(stepped), ISSUER + MIN, "step {step}");
            assert_eq!(clock.mono_time(ISSUER + 5 * MIN, stepped), 5 * MIN);
            // A token minted after the step is fresh, not expired-looking.
            let reading = clock.observe(stepped, stepped, Some(ISSUER + MIN), ISSUER + 6 * MIN, false);
            assert_eq!(reading, Reading::Valid, "step {step}");
            assert_eq!(clock.page_time(ISSUER + 6 * MIN, stepped), stepped.wall + 5 * MIN);
        }
    }

    #[test]
    fn after_a_sleep_that_stopped_the_monotonic_clock_a_newly_minted_token_moves_the_estimate_forward() {
        let mut clock = IssuerClock::default();
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 15 * MIN, false);
        // An hour of sleep: the wall clock advanced, the monotonic clock stood still.
        let woke = Now { wall: ISSUER + 60 * MIN + 1_000, mono: 1_000 };
        assert_eq!(clock.issuer_now(woke), ISSUER + 1_000, "the estimate cannot know yet");
        let reading = clock.observe(woke, woke, Some(ISSUER + 60 * MIN), ISSUER + 75 * MIN, false);
        assert_eq!(reading, Reading::Valid);
        assert_eq!(clock.issuer_now(woke), ISSUER + 60 * MIN);
    }

    #[test]
    fn a_reissue_in_its_last_second_is_not_taken_for_expired() {
        let mut clock = IssuerClock::default();
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 15 * MIN, false);
        let last = at(15 * MIN - 500, 0);
        assert_eq!(clock.observe(last, last, Some(ISSUER), ISSUER + 15 * MIN, true), Reading::Valid);
        let late = at(15 * MIN + 5_000, 0);
        assert_eq!(clock.observe(late, late, Some(ISSUER), ISSUER + 15 * MIN, true), Reading::Expired);
    }

    #[test]
    fn the_page_clock_trusted_for_a_token_without_iat_gives_way_to_the_first_iat() {
        // The wall clock is two hours fast; the first token has no iat.
        let mut clock = IssuerClock::default();
        let fast = at(0, 120 * MIN);
        assert_eq!(clock.observe(fast, fast, None, ISSUER + 15 * MIN, false), Reading::Expired);
        let later = at(31_000, 120 * MIN);
        let reading = clock.observe(later, later, Some(ISSUER + 31_000), ISSUER + 16 * MIN, false);
        assert_eq!(reading, Reading::Valid);
        assert_eq!(clock.issuer_now(later), ISSUER + 31_000);
    }

    #[test]
    fn a_date_outweighs_an_old_token_after_an_estimate_taken_from_the_page_clock() {
        // The wall clock is 12 hours slow; the first token has no iat.
        let mut clock = IssuerClock::default();
        let slow = at(0, -12 * 60 * MIN);
        assert_eq!(clock.observe(slow, slow, None, ISSUER + MIN, false), Reading::Valid);
        // A truthful Date, 12 hours ahead of the page's clock, is taken.
        assert!(clock.server_time(at(1_000, 0), at(1_100, 0), ISSUER + 1_000));
        assert_eq!(clock.issuer_now(at(1_100, 0)), ISSUER + 1_000);
        // A token with an iat 24 days old, valid for 14 hours after it, is expired, not fresh.
        let now = at(2_000, 0);
        let stale = clock.observe(now, now, Some(ISSUER - 24 * 1_440 * MIN), ISSUER - 23 * 1_440 * MIN, false);
        assert_eq!(stale, Reading::Expired);
    }

    #[test]
    fn an_estimate_from_the_page_clock_follows_it_across_a_discontinuity_and_a_bound_does_not() {
        let mut clock = IssuerClock::default();
        let now = at(0, 0);
        clock.observe(now, now, None, ISSUER + 15 * MIN, false);
        // An hour asleep with the monotonic clock stopped: the wall clock is still trusted.
        let woke = Now { wall: ISSUER + 60 * MIN, mono: 10 };
        clock.clocks_disagreed(woke);
        assert_eq!(clock.issuer_now(woke), ISSUER + 60 * MIN);
        // With a token with iat the estimate is a bound: a step of the wall clock moves nothing.
        let mut clock = IssuerClock::default();
        clock.observe(now, now, Some(ISSUER), ISSUER + 15 * MIN, false);
        clock.clocks_disagreed(Now { wall: ISSUER + 60 * MIN, mono: 10 });
        assert_eq!(clock.issuer_now(at(10, 0)), ISSUER + 10);
    }

    #[test]
    fn an_expired_tokens_iat_replaces_an_estimate_taken_from_a_page_clock_decades_off() {
        // The page's clock is 56 years slow; the first token has no iat and expired 8 days ago.
        let skew = -56 * 365 * 1_440 * MIN;
        let mut clock = IssuerClock::default();
        let first = at(0, skew);
        assert_eq!(clock.observe(first, first, None, ISSUER - 8 * 1_440 * MIN, false), Reading::Valid);
        // A one-second token asked for at 1 s arrives at 16 s: expired, but minted by then.
        let (asked, arrived) = (at(1_000, skew), at(16_000, skew));
        assert_eq!(clock.observe(asked, arrived, Some(ISSUER + 1_000), ISSUER + 2_000, false), Reading::Expired);
        assert_eq!(clock.issuer_now(arrived), ISSUER + 1_000, "at least its iat");
        // It is a bound from then on: a wall-clock step moves nothing.
        clock.clocks_disagreed(at(17_000, skew + 60 * MIN));
        assert_eq!(clock.issuer_now(at(17_000, skew + 60 * MIN)), ISSUER + 2_000);
        // An older expired token afterwards does not pull the estimate back.
        let later = at(18_000, skew);
        assert_eq!(clock.observe(later, later, Some(ISSUER - 20 * MIN), ISSUER - 5 * MIN, false), Reading::Expired);
        assert_eq!(clock.issuer_now(later), ISSUER + 3_000);
    }

    #[test]
    fn without_iat_the_page_clock_is_trusted() {
        let mut clock = IssuerClock::default();
        let now = at(7, 0);
        assert_eq!(clock.observe(now, now, None, ISSUER + 15 * MIN, false), Reading::Valid);
        assert_eq!(clock.issuer_now(now), now.wall);
        let mut clock = IssuerClock::default();
        assert_eq!(clock.observe(now, now, None, ISSUER - 1, false), Reading::Expired);
    }

    #[test]
    fn a_date_header_bounds_the_estimate_from_below() {
        let mut clock = IssuerClock::default();
        // Before the first token a Date is ignored.
        assert!(!clock.server_time(at(0, 0), at(100, 0), ISSUER));
        // A 15-minute token minted 10 minutes before the page opened.
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER - 10 * MIN), ISSUER + 5 * MIN, false);
        assert_eq!(clock.issuer_now(at(0, 0)), ISSUER - 10 * MIN);
        // The backend's clock read ISSUER + 2 s (the true time, to the second) during the request.
        assert!(clock.server_time(at(2_000, 0), at(2_300, 0), ISSUER + 2_000));
        let estimate = clock.issuer_now(at(2_300, 0));
        assert!((ISSUER + 2_000..=ISSUER + 2_300).contains(&estimate), "{}", estimate - ISSUER);
        // Within a second of what is known: nothing to learn.
        assert!(!clock.server_time(at(3_000, 0), at(3_100, 0), ISSUER + 2_000));
    }

    #[test]
    fn an_absurd_date_header_is_ignored() {
        let fresh = || {
            let mut clock = IssuerClock::default();
            clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 15 * MIN, false);
            clock
        };
        let unchanged = |date: Millis, sent: Now, received: Now| {
            let mut clock = fresh();
            let before = clock;
            assert!(!clock.server_time(sent, received, date), "{}", date - ISSUER);
            assert_eq!(clock, before);
        };
        // Hours ahead: the token that just arrived would be long expired.
        unchanged(ISSUER + 3 * 60 * MIN, at(1_000, 0), at(1_100, 0));
        // Ahead by more than the token's remaining life plus the tolerance.
        unchanged(ISSUER + 15 * MIN + REISSUE_TOLERANCE + 2_000, at(1_000, 0), at(1_100, 0));
        // Behind the estimate (an hour, or years).
        unchanged(ISSUER - 60 * MIN, at(1_000, 0), at(1_100, 0));
        unchanged(0, at(1_000, 0), at(1_100, 0));
        // Received before it was sent.
        unchanged(ISSUER + 5_000, at(1_100, 0), at(1_000, 0));
        // Going backwards after a Date that was taken.
        let mut clock = fresh();
        assert!(clock.server_time(at(1_000, 0), at(1_100, 0), ISSUER + 10_000));
        let before = clock;
        assert!(!clock.server_time(at(2_000, 0), at(2_100, 0), ISSUER + 2_000));
        assert_eq!(clock, before);
    }

    #[test]
    fn a_date_below_an_estimate_from_the_page_clock_still_bounds_it_after_a_backward_step() {
        // The first token has no iat; the page's clock is right. A truthful Date read over a 32 s
        // round trip is 16 s below the estimate: nothing to learn yet, but a bound.
        let mut clock = IssuerClock::default();
        clock.observe(at(0, 0), at(0, 0), None, ISSUER + 15 * MIN, false);
        assert!(!clock.server_time(at(1_000, 0), at(33_000, 0), ISSUER + 17_000));
        // The page's clock steps back 30 days: the estimate follows it only down to that bound.
        let stepped = at(40_000, -30 * 1_440 * MIN);
        clock.clocks_disagreed(stepped);
        assert_eq!(clock.issuer_now(stepped), ISSUER + 17_000 + 7_000);
    }

    #[test]
    fn a_date_header_is_a_bound_that_a_newly_minted_token_does_not_undo() {
        let mut clock = IssuerClock::default();
        clock.observe(at(0, 0), at(0, 0), Some(ISSUER), ISSUER + 15 * MIN, false);
        // A Date 14 minutes ahead: not absurd by the held token (if it is wrong, the server lied).
        assert!(clock.server_time(at(1_000, 0), at(1_000, 0), ISSUER + 14 * MIN));
        // A token minted 2 s later with 5 minutes to live expired 9 minutes ago by that Date: were
        // the Date true, handing it out would send an expired token, so it is refused.
        let now = at(2_000, 0);
        assert_eq!(clock.observe(now, now, Some(ISSUER + 2_000), ISSUER + 5 * MIN, false), Reading::Expired);
        assert_eq!(clock.issuer_now(now), ISSUER + 14 * MIN + 1_000);
        // A 15-minute token minted then is valid: a lie of 14 minutes only shortens its use.
        assert_eq!(clock.observe(now, now, Some(ISSUER + 2_000), ISSUER + 17 * MIN, false), Reading::Valid);
    }
}

#[cfg(test)]
mod slow_host {
    use super::*;

    #[test]
    fn a_slow_answer_never_makes_the_token_look_fresher_than_it_is() {
        let mut clock = IssuerClock::default();
        // Asked at monotonic time 0, minted 7 s later (issuer time = mono + minted − 7 s), answered at 9 s.
        let minted = 1_764_000_007_000;
        let asked = Now { wall: minted - 7_000, mono: 0 };
        let arrived = Now { wall: minted + 2_000, mono: 9_000 };
        clock.observe(asked, arrived, Some(minted), minted + 900_000, false);
        let estimate = clock.issuer_now(arrived);
        assert!(estimate >= minted + 2_000 - MAX_OPTIMISM, "never more than MAX_OPTIMISM fresher than it may be");
    }
}
