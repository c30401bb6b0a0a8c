//! The page's estimate of the token issuer's clock.
//!
//! The page's clock may be hours off, and the browser cannot ask the server for the time. Each
//! token carries two readings of the issuer's clock: `iat` (when it was minted) and `exp`. When a
//! token arrives at page time `t`, the issuer's time was at least `iat`, so the offset
//! (issuer − page) is at least `iat − t`; and if the token was valid, less than `exp − t`.
//!
//! The estimate is the tightest lower bound seen so far: a freshly minted token pins the offset to
//! within the round trip and `iat`'s one-second resolution, whatever the page's clock says. Lower
//! bounds never make a token look older than it is, so a skewed clock never causes a storm of
//! renewals. A token that arrives already past its `exp` by this estimate is reported as expired
//! rather than allowed to drag the clock back, unless it was minted after every token seen before
//! (a later `iat`): then the page's clock jumped forward, and the new token resets the estimate.
//! A backward step of the page's clock is seen directly and shifts the estimate with it.

use super::Millis;

/// How much fresher than the latest possible mint time a token may be taken to be; the final
/// window (5 s) is wider, so a handed-out token always has at least a second left.
pub const MAX_OPTIMISM: Millis = 4_000;

/// How long newly minted tokens must agree that the page's clock jumped forward before the
/// estimate follows them (a source handing out expired tokens looks the same for a while).
pub const JUMP_EVIDENCE: Millis = 5 * 60_000;

/// The longest round trip taken into account when judging how fresh a token is.
pub const MAX_ROUND_TRIP: Millis = 10_000;

/// How far past `exp` (by the estimate, plus the round trip) a re-issued token may look before it
/// counts as expired: `iat`'s second and a host that compares whole seconds.
pub const REISSUE_TOLERANCE: Millis = 2_000;

/// The estimated offset between the issuer's clock and the page's.
///
/// ```
/// use connect_token::core::clock::{IssuerClock, Reading};
/// let mut clock = IssuerClock::default();
/// // The page's clock is 10 minutes fast: it reads 600 s past the issuer's at arrival.
/// let page_now = 1_000_600_000;
/// assert_eq!(clock.observe(page_now, page_now, Some(1_000_000_000), 1_000_900_000, false), Reading::Valid);
/// assert_eq!(clock.issuer_now(page_now), 1_000_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssuerClock {
    /// Issuer time minus page time, in milliseconds; `None` until the first token.
    offset: Option<Millis>,
    /// The latest `iat` seen.
    latest_issued: Option<Millis>,
    /// A new offset that newly minted but expired-looking tokens point to, and since when.
    jump: Option<(Millis, Millis)>,
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
    /// The issuer's time now, by the estimate; the page's time until a token was seen.
    pub fn issuer_now(&self, page_now: Millis) -> Millis {
        page_now.saturating_add(self.offset.unwrap_or(0))
    }

    /// The page time at which the issuer's clock reads `issuer_time`.
    pub fn page_time(&self, issuer_time: Millis) -> Millis {
        issuer_time.saturating_sub(self.offset.unwrap_or(0))
    }

    /// The page's clock stepped back by `back` milliseconds: the issuer's did not.
    pub fn page_stepped_back(&mut self, back: Millis) {
        if let Some(offset) = &mut self.offset {
            *offset = offset.saturating_add(back);
        }
    }

    /// Learns from a token asked for at page time `asked_at` that arrived at `page_now`;
    /// `reissued` says it is the token already held.
    pub fn observe(
        &mut self,
        asked_at: Millis,
        page_now: Millis,
        issued_at: Option<Millis>,
        expires_at: Millis,
        reissued: bool,
    ) -> Reading {
        // If minted while it was asked for, the issuer's clock read between iat at `page_now` and
        // iat + 1 s at `asked_at` (iat is whole seconds). The estimate takes the early end, so
        // renewals are not early, but never more than MAX_OPTIMISM before the late end, so a slow
        // host cannot make a token look fresher than that. A round trip longer than
        // MAX_ROUND_TRIP (the page slept while asking) is not evidence.
        // (max/min, not clamp: clamp's panic path would add core::fmt to the wasm.)
        let asked_at = asked_at.max(page_now.saturating_sub(MAX_ROUND_TRIP)).min(page_now);
        let minted = issued_at.map(|iat| {
            let early = iat.saturating_sub(page_now);
            let late = iat.saturating_add(1_000).saturating_sub(asked_at);
            early.max(late - MAX_OPTIMISM)
        });
        let upper = expires_at.saturating_sub(page_now);
        let offset = match (self.offset, minted) {
            // First token: assume it was just minted; without `iat`, trust the page's clock.
            (None, Some(minted)) => minted,
            (None, None) => 0,
            (Some(known), Some(minted)) => known.max(minted),
            (Some(known), None) => known,
        };
        let minted_after_all = issued_at.is_some_and(|iat| self.latest_issued.is_none_or(|latest| iat > latest));
        let offset = match minted {
            // Looks expired, yet minted after every token seen: either the page's clock jumped
            // forward, or the source hands out expired tokens. Only tokens that agree on the new
            // offset for JUMP_EVIDENCE tell the first from the second.
            Some(minted) if offset >= upper && minted_after_all && !reissued => match self.jump {
                Some((candidate, since)) if (candidate - minted).abs() <= 5_000 => {
                    if page_now - since >= JUMP_EVIDENCE {
                        minted
                    } else {
                        offset
                    }
                }
                _ => {
                    self.jump = Some((minted, page_now));
                    offset
                }
            },
            _ => offset,
        };
        if offset < upper {
            self.offset = Some(offset);
            self.latest_issued = self.latest_issued.max(issued_at);
            self.jump = None;
            return Reading::Valid;
        }
        if reissued && offset - upper <= REISSUE_TOLERANCE + (page_now - asked_at) {
            // Handed back around its last second: within the estimate's own error (iat's second,
            // the round trip) and a host that judges expiry in whole seconds, so not proof of
            // expiry. It stays held (unusable: inside the final window) and is asked again.
            return Reading::Valid;
        }
        if self.offset.is_none() {
            // Without a token before it, an expired token and a page clock that is fast by more
            // than the token's lifetime look the same; record the page's clock as the estimate.
            self.offset = Some(offset);
        }
        Reading::Expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const ISSUER: Millis = 1_764_000_000_000;

    #[test]
    fn a_fresh_token_pins_the_offset_whatever_the_page_clock_says() {
        for skew in [-24 * 60 * MIN, -10 * MIN, -1, 0, 1, 10 * MIN, 24 * 60 * MIN] {
            let mut clock = IssuerClock::default();
            let page_now = ISSUER + skew;
            let reading = clock.observe(page_now, page_now, Some(ISSUER), ISSUER + 15 * MIN, false);
            assert_eq!(reading, Reading::Valid);
            assert_eq!(clock.issuer_now(page_now + 5_000), ISSUER + 5_000, "skew {skew}");
            assert_eq!(clock.page_time(ISSUER + 15 * MIN), page_now + 15 * MIN);
        }
    }

    #[test]
    fn keeps_the_tightest_lower_bound() {
        let mut clock = IssuerClock::default();
        // A token minted 5 minutes before it arrived (host cache), then a fresh one.
        clock.observe(ISSUER, ISSUER, Some(ISSUER - 5 * MIN), ISSUER + 10 * MIN, false);
        assert_eq!(clock.issuer_now(ISSUER), ISSUER - 5 * MIN);
        clock.observe(ISSUER + MIN, ISSUER + MIN, Some(ISSUER + MIN), ISSUER + 16 * MIN, false);
        assert_eq!(clock.issuer_now(ISSUER + MIN), ISSUER + MIN);
        // An older token afterwards does not pull the estimate back.
        clock.observe(ISSUER + 2 * MIN, ISSUER + 2 * MIN, Some(ISSUER - 3 * MIN), ISSUER + 12 * MIN, false);
        assert_eq!(clock.issuer_now(ISSUER + 2 * MIN), ISSUER + 2 * MIN);
    }

    #[test]
    fn a_new_token_already_past_exp_is_expired_and_does_not_move_the_clock() {
        let mut clock = IssuerClock::default();
        clock.observe(ISSUER, ISSUER, Some(ISSUER), ISSUER + 15 * MIN, false);
        let stale = clock.observe(ISSUER + MIN, ISSUER + MIN, Some(ISSUER - 20 * MIN), ISSUER - 5 * MIN, false);
        assert_eq!(stale, Reading::Expired);
        assert_eq!(clock.issuer_now(ISSUER + MIN), ISSUER + MIN);
    }

    #[test]
    fn after_a_forward_jump_of_the_page_clock_a_newly_minted_token_resets_the_estimate() {
        let mut clock = IssuerClock::default();
        clock.observe(ISSUER, ISSUER, Some(ISSUER), ISSUER + 15 * MIN, false);
        // The page's clock jumps 20 minutes ahead. The held token handed back again looks expired
        // and is refused: it may truly have expired (a host cache judging by a slow clock).
        let jumped = ISSUER + MIN + 20 * MIN;
        assert_eq!(clock.observe(jumped, jumped, Some(ISSUER), ISSUER + 15 * MIN, true), Reading::Expired);
        // A token minted after it (a later iat) proves the page's clock moved, not the token.
        let fresh = ISSUER + MIN;
        // One such token is not enough: a source of expired tokens looks the same for a while.
        assert_eq!(clock.observe(jumped, jumped, Some(fresh), fresh + 15 * MIN, false), Reading::Expired);
        let later = jumped + JUMP_EVIDENCE;
        let fresh = fresh + JUMP_EVIDENCE;
        assert_eq!(clock.observe(later, later, Some(fresh), fresh + 15 * MIN, false), Reading::Valid);
        assert_eq!(clock.issuer_now(later), fresh);
    }

    #[test]
    fn a_reissue_in_its_last_second_is_not_taken_for_expired() {
        let mut clock = IssuerClock::default();
        clock.observe(ISSUER, ISSUER, Some(ISSUER), ISSUER + 15 * MIN, false);
        let last = ISSUER + 15 * MIN - 500;
        assert_eq!(clock.observe(last, last, Some(ISSUER), ISSUER + 15 * MIN, true), Reading::Valid);
        let late = ISSUER + 15 * MIN + 5_000;
        assert_eq!(clock.observe(late, late, Some(ISSUER), ISSUER + 15 * MIN, true), Reading::Expired);
    }

    #[test]
    fn a_backward_step_of_the_page_clock_shifts_the_estimate() {
        let mut clock = IssuerClock::default();
        clock.observe(ISSUER, ISSUER, Some(ISSUER), ISSUER + 15 * MIN, false);
        clock.page_stepped_back(60 * MIN);
        assert_eq!(clock.issuer_now(ISSUER - 60 * MIN), ISSUER);
    }

    #[test]
    fn without_iat_the_page_clock_is_trusted() {
        let mut clock = IssuerClock::default();
        assert_eq!(clock.observe(ISSUER, ISSUER, None, ISSUER + 15 * MIN, false), Reading::Valid);
        assert_eq!(clock.issuer_now(ISSUER), ISSUER);
        let mut clock = IssuerClock::default();
        assert_eq!(clock.observe(ISSUER, ISSUER, None, ISSUER - 1, false), Reading::Expired);
    }
}

#[cfg(test)]
mod slow_host {
    use super::*;

    #[test]
    fn a_slow_answer_never_makes_the_token_look_fresher_than_it_is() {
        let mut clock = IssuerClock::default();
        // Asked at page time 0, minted 7 s later (issuer time = page time), answered at 9 s.
        let minted = 1_764_000_007_000;
        clock.observe(minted - 7_000, minted + 2_000, Some(minted), minted + 900_000, false);
        let estimate = clock.issuer_now(minted + 2_000);
        assert!(estimate >= minted + 2_000 - MAX_OPTIMISM, "never more than MAX_OPTIMISM fresher than it may be");
    }
}
