//! The renewal state machine against a simulated Connect host, natively, in milliseconds.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{token, Glued, Host};
use connect_token::core::clock::MAX_OPTIMISM;
use connect_token::core::error::{Code, Error};
use connect_token::core::keeper::*;
use connect_token::core::{Millis, Now};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const T0: Millis = 1_764_000_000_000;
const S: Millis = 1_000;

/// A reading at page time `t` with the wall clock and the monotonic clock agreeing.
fn at(t: Millis) -> Now {
    Now { wall: t, mono: t }
}

fn keeper() -> Glued {
    Glued::new(Settings::default())
}

/// Asks once and answers with `raw`; returns the answer's step.
fn first_token(keeper: &mut Glued, now: Millis, raw: &str) -> Step {
    let ask = keeper.tick(at(now)).ask.expect("asks at once");
    keeper.answered(at(now), ask, Ok(raw))
}

#[test]
fn asks_at_once_then_renews_margin_before_exp() {
    let mut k = keeper();
    let step = first_token(&mut k, T0, &token(T0 / S, 900));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(step.notices, vec![Notice::Renewed]);
    assert_eq!(step.wake_at, Some(T0 + 840 * S), "renews 60 s before exp");
    assert!(k.tick(at(T0 + 839 * S)).ask.is_none());
    assert!(k.tick(at(T0 + 840 * S)).ask.is_some());
    assert!(k.usable(at(T0 + 840 * S)).is_some(), "the old token stays usable during renewal");
}

#[test]
fn margin_is_clamped_to_half_the_lifetime() {
    let mut k = Glued::new(Settings { renew_margin: 600 * S, ..Settings::default() });
    let step = first_token(&mut k, T0, &token(T0 / S, 60));
    assert_eq!(step.wake_at, Some(T0 + 30 * S));
}

#[test]
fn never_hands_out_a_token_in_its_final_seconds() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    assert!(k.usable(at(T0 + 894_999)).is_some());
    assert!(k.usable(at(T0 + 895_000)).is_none());
}

#[test]
fn concurrent_wants_share_one_ask() {
    let mut k = keeper();
    let ask = k.tick(at(T0)).ask.expect("asks");
    for i in 0..500 {
        assert_eq!(k.tick(at(T0 + i)).ask, None);
        assert_eq!(k.force(at(T0 + i), "anything").ask, None);
    }
    let step = k.answered(at(T0 + 600), ask, Ok(&token(T0 / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(k.stats().host_calls, 1);
}

#[test]
fn forced_renewal_waits_for_the_minimum_interval_and_is_shared() {
    let mut k = keeper();
    let first = token(T0 / S, 900);
    first_token(&mut k, T0, &first);
    let step = k.force(at(T0 + 500), &first);
    assert_eq!(step.ask, None);
    assert_eq!(step.wake_at, Some(T0 + MIN_ASK_INTERVAL));
    assert!(k.usable(at(T0 + 500)).is_none(), "a rejected token is not handed out again");
    assert_eq!(k.force(at(T0 + 600), &first).ask, None);
    let ask = k.tick(at(T0 + MIN_ASK_INTERVAL)).ask.expect("asks after the interval");
    let second = token(T0 / S + 2, 900);
    k.answered(at(T0 + 2_100), ask, Ok(&second));
    // A 401 for the old token after the renewal changes nothing.
    assert_eq!(k.force(at(T0 + 2_200), &first).ask, None);
    assert_eq!(k.usable_token(at(T0 + 2_200)), Some(second.as_str()));
}

#[test]
fn the_host_cache_is_reasked_at_widening_intervals_until_the_final_seconds() {
    let mut k = keeper();
    let cached = token(T0 / S, 900);
    first_token(&mut k, T0, &cached);
    let mut now = T0 + 840 * S;
    let mut asks = vec![];
    while let Some(ask) = k.tick(at(now)).ask {
        asks.push(now - T0);
        let step = k.answered(at(now), ask, Ok(&cached));
        assert!(step.notices.is_empty(), "the same token is not a renewal");
        now = step.wake_at.unwrap();
        if now >= T0 + 900 * S {
            break;
        }
    }
    assert_eq!(asks[..5], [840 * S, 845 * S, 855 * S, 875 * S, 893 * S], "capped at exp - 7 s");
    assert!(asks.windows(2).all(|w| w[1] - w[0] >= MIN_ASK_INTERVAL));
    assert!(asks.len() <= 12, "{asks:?}");
}

#[test]
fn a_host_cache_shorter_than_the_margin_costs_extra_asks_once_not_every_lifetime() {
    let mut host = Host::new(T0, 900, 30);
    let mut k = keeper();
    let mut now = T0;
    let mut asks_per_token = vec![];
    let mut asks = 0;
    while now < T0 + 6 * 900 * S {
        if let Some(ask) = k.tick(at(now)).ask {
            asks += 1;
            let step = k.answered(at(now), ask, Ok(&host.answer(now)));
            if step.notices.contains(&Notice::Renewed) {
                asks_per_token.push(asks);
                asks = 0;
            }
        }
        now += 100;
    }
    // The first token, then one cycle of re-asks (60 s, 55 s, 45 s, then minted below 30 s), then one ask each.
    assert_eq!(asks_per_token[..2], [1, 4], "{asks_per_token:?}");
    assert!(asks_per_token[2..].iter().all(|asks| *asks == 1), "{asks_per_token:?}");
}

#[test]
fn failures_back_off_exponentially_with_jitter_whatever_the_request_rate() {
    let mut k = keeper();
    let mut now = T0;
    let mut asks = vec![];
    while now < T0 + 300 * S {
        if let Some(ask) = k.tick(at(now)).ask {
            asks.push(now);
            k.answered(at(now), ask, Err(Error::new(Code::HostError, "down")));
        }
        now += 50; // a request every 50 ms
    }
    let gaps: Vec<Millis> = asks.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|gap| *gap >= MIN_ASK_INTERVAL && *gap <= MAX_BACKOFF + 50), "{gaps:?}");
    assert!(gaps[5..].iter().all(|gap| *gap >= MAX_BACKOFF / 2), "{gaps:?}");
    assert!(asks.len() < 20, "{} asks in 5 minutes", asks.len());
    assert_eq!(k.stats().failures as usize, asks.len());
    assert_eq!(k.stats().retries as usize, asks.len() - 1);
    // The host heals: the next attempt succeeds and the backoff resets.
    let ask = loop {
        if let Some(ask) = k.tick(at(now)).ask {
            break ask;
        }
        now += 50;
    };
    let step = k.answered(at(now), ask, Ok(&token(now / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(k.status(), Status::Fresh);
}

#[test]
fn a_host_that_never_answers_times_out_and_its_late_answer_is_ignored() {
    let mut k = keeper();
    let step = k.tick(at(T0));
    let ask = step.ask.unwrap();
    assert_eq!(step.wake_at, Some(T0 + 10_000));
    let step = k.tick(at(T0 + 10_000));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::Timeout));
    let late = k.answered(at(T0 + 10_500), ask, Ok(&token(T0 / S, 900)));
    assert_eq!(late.release, None);
    assert!(k.usable(at(T0 + 10_500)).is_none());
}

#[test]
fn an_ask_cut_off_by_a_laptop_sleep_is_asked_again_not_failed() {
    let mut k = keeper();
    let first = k.tick(at(T0)).ask.unwrap();
    // The laptop sleeps 30 minutes with the ask in flight; timers do not run.
    let woke = T0 + 30 * 60 * S;
    let step = k.tick(at(woke));
    assert_eq!((step.release.clone(), step.notices.clone()), (None, vec![]), "callers keep waiting");
    let again = step.ask.expect("asks again at once");
    assert_eq!(k.answered(at(woke + 50), first, Ok(&token(woke / S, 900))).release, None, "the cut-off ask is over");
    let step = k.answered(at(woke + 100), again, Ok(&token(woke / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!((k.stats().host_calls, k.stats().failures), (2, 0));

    // Once only: if the page sleeps through the second ask too, it is a timeout.
    let mut k = keeper();
    k.tick(at(T0)).ask.unwrap();
    assert!(k.tick(at(T0 + 30 * 60 * S)).ask.is_some());
    let step = k.tick(at(T0 + 60 * 60 * S));
    assert!(matches!(step.release, Some(Release::Failed(Error { code: Code::Timeout, .. }))), "{step:?}");

    // A timeout seen on time (the timer fired, up to LATE_WAKE late) is a timeout.
    let mut k = keeper();
    k.tick(at(T0)).ask.unwrap();
    k.tick(at(T0 + 9_000));
    let step = k.tick(at(T0 + 10_000 + LATE_WAKE));
    assert!(matches!(step.release, Some(Release::Failed(Error { code: Code::Timeout, .. }))), "{step:?}");
}

#[test]
fn malformed_and_expired_answers_are_typed_failures() {
    let mut k = keeper();
    let ask = k.tick(at(T0)).ask.unwrap();
    let step = k.answered(at(T0), ask, Ok("not.a.jwt"));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::MalformedToken));
    // After a good token set the clock estimate, an already-expired token is refused.
    let now = T0 + 10 * S;
    let ask = k.tick(at(now)).ask.unwrap();
    k.answered(at(now), ask, Ok(&token(now / S, 900)));
    let ask = k.force(at(now + 5 * S), &token(now / S, 900)).ask.unwrap();
    let step = k.answered(at(now + 5 * S), ask, Ok(&token(now / S - 1000, 900)));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::ExpiredToken));
}

#[test]
fn a_fatal_failure_stops_asking() {
    let mut k = keeper();
    let ask = k.tick(at(T0)).ask.unwrap();
    let step = k.answered(at(T0), ask, Err(Error::fatal(Code::HostUnavailable, "no AP")));
    assert_eq!(step.wake_at, None);
    assert_eq!(k.stopped_by().map(|e| e.code), Some(Code::HostUnavailable));
    assert!(k.tick(at(T0 + 3_600 * S)).ask.is_none());
    assert_eq!(k.status(), Status::Failed);
}

#[test]
fn tells_subscribers_when_the_token_expires_without_a_new_one() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    let mut now = T0 + 840 * S;
    let mut expired = 0;
    while now < T0 + 1000 * S {
        let step = k.tick(at(now));
        if let Some(ask) = step.ask {
            k.answered(at(now), ask, Err(Error::new(Code::HostError, "down")));
        }
        expired += step.notices.iter().filter(|n| **n == Notice::Expired).count();
        now += 100;
    }
    assert_eq!(expired, 1);
    assert_eq!(k.status(), Status::Failed);
}

#[test]
fn status_is_fresh_exactly_while_the_token_is_handed_out() {
    // Every renewal fails; driven by its own wake-ups only, the keeper must wake when the token's
    // final window begins and stop calling it fresh then (a snapshot must not say "fresh" while
    // token() and fetch wait).
    let mut k = keeper();
    let mut wake = first_token(&mut k, T0, &token(T0 / S, 900)).wake_at;
    assert_eq!(k.status(), Status::Fresh);
    let final_window = T0 + 895 * S;
    let mut woke_at_final_window = false;
    while let Some(now) = wake.filter(|at| *at <= T0 + 900 * S) {
        let version = k.version();
        let mut step = k.tick(at(now));
        if let Some(ask) = step.ask {
            step = k.answered(at(now), ask, Err(Error::new(Code::HostError, "down")));
        }
        assert_eq!(k.status() == Status::Fresh, k.usable(at(now)).is_some(), "at {} ms", now - T0);
        if now == final_window {
            woke_at_final_window = true;
            assert!(k.version() > version, "the snapshot changes when the final window begins");
        }
        wake = step.wake_at;
    }
    assert!(woke_at_final_window, "no wake-up at the final window");
    assert_eq!(k.status(), Status::Failed);

    // Rejected (a 401) with nothing asked yet: not fresh but due, so "renewing".
    let mut k = keeper();
    let raw = token(T0 / S, 900);
    first_token(&mut k, T0, &raw);
    assert_eq!(k.force(at(T0 + 500), &raw).ask, None, "within the minimum interval");
    assert_eq!(k.status(), Status::Renewing);
}

#[test]
fn dispose_fails_waiters_and_stops_everything() {
    let mut k = keeper();
    k.tick(at(T0));
    let step = k.dispose();
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::Disposed));
    assert_eq!(k.tick(at(T0 + 3_600 * S)), Step::default());
    assert_eq!(k.dispose(), Step::default());
}

#[test]
fn laptop_sleep_renews_on_the_first_wake_up() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    // Timers did not run for 30 minutes; the first request after waking finds no usable token.
    let woke = T0 + 1_800 * S;
    assert!(k.usable(at(woke)).is_none());
    let step = k.tick(at(woke));
    assert!(step.ask.is_some());
    assert!(step.notices.contains(&Notice::Expired));
}

#[test]
fn fresh_tokens_are_accepted_at_once_after_the_wall_clock_steps_forward_past_a_lifetime() {
    // Fuzzing regression (K1): the page's clock is 30 minutes slow, then corrected (a 40-minute
    // forward step while 10 minutes pass). Scheduling is monotonic: nothing looks expired.
    let mut k = keeper();
    let skew = -30 * 60 * S;
    let start = Now { wall: T0 + skew, mono: 0 };
    let ask = k.tick(start).ask.unwrap();
    k.answered(start, ask, Ok(&token(T0 / S, 900)));
    let now = Now { wall: T0 + 10 * 60 * S, mono: 10 * 60 * S };
    let ask = k.tick(now).ask.expect("the clocks disagree: renew once");
    assert!(k.usable(now).is_none(), "not handed out until the renewal answers");
    let step = k.answered(now, ask, Ok(&token(T0 / S + 600, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(k.expires_at_page_time(), Some(now.wall + 900 * S));
    assert_eq!((k.stats().host_calls, k.stats().failures), (2, 0));
}

#[test]
fn the_page_time_of_exp_is_one_number_between_events_however_the_page_clocks_round() {
    // Date.now() and a truncated performance.now() read apart differ by a millisecond now and
    // then (issue 20: the renewed event and a snapshot taken in its listener disagreed by 1 ms).
    let mut k = keeper();
    let now = Now { wall: T0, mono: 1_000 };
    let ask = k.tick(now).ask.unwrap();
    k.answered(now, ask, Ok(&token(T0 / S, 900)));
    let shown = k.expires_at_page_time();
    assert_eq!(shown, Some(T0 + 900 * S));
    // No event since: a reading that rounded the other way changes nothing shown.
    assert!(k.usable(Now { wall: T0 + 2_001, mono: 3_000 }).is_some());
    assert_eq!(k.expires_at_page_time(), shown);
    // The next event's reading is the one shown from then on.
    k.tick(Now { wall: T0 + 2_001, mono: 3_000 });
    assert_eq!(k.expires_at_page_time(), Some(T0 + 900 * S + 1));
}

#[test]
fn a_reissued_token_that_has_expired_is_refused_not_handed_out() {
    // Fuzzing regression (K2): a source that caches by a slow clock hands back an expired token.
    let mut k = keeper();
    let raw = token(T0 / S, 900);
    first_token(&mut k, T0, &raw);
    let now = T0 + 14 * 3_600 * S;
    let ask = k.tick(at(now)).ask.expect("asks: the token expired");
    let step = k.answered(at(now), ask, Ok(&raw));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::ExpiredToken));
    assert!(k.usable(at(now)).is_none());
}

#[test]
fn a_backward_step_of_the_page_clock_does_not_stretch_waits_or_timeouts() {
    // Fuzzing regression (K4): an NTP correction of a fast clock steps it back an hour.
    let mut k = keeper();
    let raw = token(T0 / S, 900);
    first_token(&mut k, T0, &raw);
    let now = Now { wall: T0 + 10 * S - 3_600 * S, mono: T0 + 10 * S };
    let step = k.force(now, &raw);
    let wait = step.ask.map(|_| 0).or(step.wake_at.map(|at| at - now.mono)).unwrap();
    assert!(wait <= MIN_ASK_INTERVAL, "the forced renewal waits {wait} ms");
    assert!(k.usable(now).is_none(), "forced");

    let mut k = keeper();
    k.tick(at(T0));
    let now = Now { wall: T0 + 1_000 - 3_600 * S, mono: T0 + 1_000 };
    let wait = k.tick(now).wake_at.unwrap() - now.mono;
    assert!(wait <= 10_000, "the ask in flight times out in {wait} ms");
}

/// A session of the keeper against the host model, driven by both page clocks and the issuer's
/// true clock, with requests that wait the way the binding makes them wait (bounded by the
/// timeout, [`Keeper::may_wait`]), go to a backend whose `Date` header tells the true time, and
/// are replayed once after a 401.
struct Sim {
    k: Glued,
    host: Host,
    /// The issuer's true time, the page's wall clock and its monotonic clock.
    truth: Millis,
    wall: Millis,
    mono: Millis,
    /// How long the host takes to answer; a backend round trip.
    latency: Millis,
    rtt: Millis,
    timeout: Millis,
    pending: Option<(Millis, AskId)>,
    wake_at: Option<Millis>,
    /// Monotonic times of the asks.
    asks: Vec<Millis>,
    /// Requests sent, failed (no token within the timeout, or the replay rejected too), rejected
    /// with a 401 (sent after the token's true expiry).
    sent: u32,
    failed: u32,
    rejected: u32,
    /// Requests sent with at most a second left by the true clock, and how many of them while
    /// the estimate could not know better (after a sleep that stopped the monotonic clock, or
    /// with a first token from a warm cache, before the first `Date`).
    risky: u32,
    risky_in_doubt: u32,
    doubt: bool,
}

impl Sim {
    fn new(settings: Settings, host: Host, skew: Millis) -> Sim {
        Sim {
            k: Glued::new(settings),
            host,
            truth: T0,
            wall: T0 + skew,
            mono: 1_000,
            latency: 100,
            rtt: 200,
            timeout: settings.timeout,
            pending: None,
            wake_at: Some(1_000),
            asks: vec![],
            sent: 0,
            failed: 0,
            rejected: 0,
            risky: 0,
            risky_in_doubt: 0,
            doubt: false,
        }
    }

    fn now(&self) -> Now {
        Now { wall: self.wall, mono: self.mono }
    }

    /// Time passes: all three clocks advance.
    fn pass(&mut self, dt: Millis) {
        let dt = dt.max(0);
        self.truth += dt;
        self.wall += dt;
        self.mono += dt;
    }

    /// The wall clock steps by `by` (either way); the page notices at its next event.
    fn step_wall(&mut self, by: Millis) {
        self.wall += by;
    }

    /// The laptop sleeps: the monotonic clock runs on or stands still; the page then wakes up.
    fn sleep(&mut self, duration: Millis, mono_runs: bool) -> Result<(), TestCaseError> {
        self.truth += duration;
        self.wall += duration;
        if mono_runs {
            self.mono += duration;
        } else {
            self.doubt = true;
        }
        let now = self.now();
        let step = self.k.tick(now);
        self.apply(&step)
    }

    fn apply(&mut self, step: &Step) -> Result<(), TestCaseError> {
        if let Some(id) = step.ask {
            // Asked again while an ask is in flight only if its answer was due while the page slept.
            let overdue = self.pending.is_none_or(|(due, _)| due <= self.mono);
            prop_assert!(overdue, "two asks at once");
            if let Some(last) = self.asks.last() {
                prop_assert!(self.mono - last >= MIN_ASK_INTERVAL, "asked {} ms after the last ask", self.mono - last);
            }
            self.asks.push(self.mono);
            self.pending = Some((self.mono + self.latency, id));
        }
        if step.wake_at.is_some() || step.ask.is_some() {
            self.wake_at = step.wake_at;
        }
        Ok(())
    }

    /// Handles the next answer or timer due by monotonic time `until`; `None` if there is none.
    fn next_event(&mut self, until: Millis) -> Result<Option<Step>, TestCaseError> {
        let next = [self.pending.map(|p| p.0), self.wake_at].into_iter().flatten().min();
        let Some(at) = next.filter(|at| *at <= until) else { return Ok(None) };
        self.pass(at - self.mono);
        let step = match self.pending {
            Some((due, id)) if due <= self.mono => {
                self.pending = None;
                let answer = self.host.answer(self.truth);
                let now = self.now();
                self.k.answered(now, id, Ok(&answer))
            }
            _ => {
                let now = self.now();
                self.k.tick(now)
            }
        };
        self.apply(&step)?;
        Ok(Some(step))
    }

    /// Lets time pass until monotonic time `until`, handling answers and timers.
    fn run_until(&mut self, until: Millis) -> Result<(), TestCaseError> {
        while self.next_event(until)?.is_some() {}
        self.pass(until - self.mono);
        Ok(())
    }

    /// A request now: waits for a usable token (at most the timeout), sends it, learns the
    /// backend's `Date`, and is replayed once after a 401.
    fn request(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..2 {
            let now = self.now();
            let step = self.k.tick(now);
            self.apply(&step)?;
            let deadline = self.mono + self.timeout;
            while self.k.usable(self.now()).is_none() {
                if self.k.may_wait(self.now(), deadline).is_err() {
                    self.failed += 1;
                    return Ok(());
                }
                match self.next_event(deadline)? {
                    None => {
                        self.pass(deadline - self.mono);
                        self.failed += 1;
                        return Ok(());
                    }
                    Some(step) if matches!(step.release, Some(Release::Failed(_))) => {
                        self.failed += 1;
                        return Ok(());
                    }
                    Some(_) => {}
                }
            }
            let raw = self.k.usable_token(self.now()).unwrap().to_string();
            let remaining = self.host.true_remaining(&raw, self.truth);
            self.sent += 1;
            if remaining <= FINAL_WINDOW - MAX_OPTIMISM {
                self.risky += 1;
                self.risky_in_doubt += u32::from(self.doubt);
            }
            // The backend read its clock half-way through the round trip.
            let sent = Now { wall: self.wall - self.rtt, mono: self.mono - self.rtt };
            let date = (self.truth - self.rtt / 2).div_euclid(S) * S;
            let now = self.now();
            let step = self.k.server_time(sent, now, date);
            self.apply(&step)?;
            let error = self.k.issuer_now(self.now()) - self.truth;
            prop_assert!(error.abs() <= 2 * S, "the estimate is {error} ms off after a Date");
            self.doubt = false;
            if remaining > 0 {
                return Ok(());
            }
            self.rejected += 1;
            let now = self.now();
            let step = self.k.force(now, &raw);
            self.apply(&step)?;
        }
        self.failed += 1;
        Ok(())
    }

    /// Requests every `every` ms of monotonic time for `duration`.
    fn requests(&mut self, every: Millis, duration: Millis) -> Result<(), TestCaseError> {
        let end = self.mono + duration;
        while self.mono < end {
            self.request()?;
            self.run_until(self.mono + every)?;
        }
        Ok(())
    }
}

/// Host calls in a session of 5-minute tokens with a request a second, with `disrupt` applied
/// after a minute.
fn calls_with(disrupt: impl FnOnce(&mut Sim)) -> (Sim, u32) {
    let mut sim = Sim::new(Settings::default(), Host::new(T0, 300, 30), 0);
    sim.requests(S, 60 * S).unwrap();
    disrupt(&mut sim);
    sim.requests(S, 30 * 60 * S).unwrap();
    let calls = sim.k.stats().host_calls;
    (sim, calls)
}

#[test]
fn a_wall_clock_step_of_ten_minutes_either_way_costs_one_host_call_and_no_failed_request() {
    let (_, baseline) = calls_with(|_| {});
    for step in [10 * 60 * S, -10 * 60 * S] {
        let (sim, calls) = calls_with(|sim| sim.step_wall(step));
        assert_eq!(calls, baseline + 1, "step {step}");
        assert_eq!((sim.failed, sim.rejected, sim.risky), (0, 0, 0), "step {step}");
        assert_eq!(sim.k.stats().failures, 0);
        // The page shows exp in its own (stepped) clock.
        let expires = sim.k.expires_at_page_time().unwrap();
        let exp = sim.k.held().unwrap().expires_at;
        assert!((expires - sim.wall - (exp - sim.truth)).abs() <= 2 * S, "step {step}");
    }
}

#[test]
fn a_small_disagreement_between_the_clocks_is_not_a_step() {
    let (_, baseline) = calls_with(|_| {});
    let (_, calls) = calls_with(|sim| sim.step_wall(CLOCK_TOLERANCE));
    assert_eq!(calls, baseline);
}

#[test]
fn a_sleep_that_stopped_the_monotonic_clock_is_corrected_by_the_first_date() {
    // Two minutes asleep with the token four minutes from exp; the monotonic clock stood still.
    let (sim, _) = calls_with(|sim| sim.sleep(2 * 60 * S, false).unwrap());
    assert_eq!((sim.failed, sim.risky), (0, 0));
    // Asleep past the token's exp: the renewal after waking brings a newly minted token.
    let (sim, _) = calls_with(|sim| sim.sleep(20 * 60 * S, false).unwrap());
    assert_eq!((sim.failed, sim.risky, sim.rejected), (0, 0, 0));
    let (sim, _) = calls_with(|sim| sim.sleep(20 * 60 * S, true).unwrap());
    assert_eq!((sim.failed, sim.risky, sim.rejected), (0, 0, 0));
}

#[test]
fn a_page_opened_on_a_warm_host_cache_is_corrected_by_the_first_date() {
    // The host's cache holds a 15-minute token minted 10 minutes ago.
    let mut host = Host::new(T0, 900, 30);
    host.prewarm(T0 - 10 * 60 * S);
    let mut sim = Sim::new(Settings::default(), host, 3 * 60 * S);
    let now = sim.now();
    let step = sim.k.tick(now);
    sim.apply(&step).unwrap();
    sim.next_event(sim.mono + S).unwrap();
    let now = sim.now();
    let optimistic = sim.k.expires_at_page_time().unwrap();
    assert!(optimistic - now.wall > 14 * 60 * S, "the first token is taken for fresh");
    sim.request().unwrap();
    let now = sim.now();
    let corrected = sim.k.expires_at_page_time().unwrap() - now.wall;
    assert!((corrected - 5 * 60 * S).abs() <= 2 * S, "{corrected} ms left after the first Date");
    // Renewed on time: 60 s before the true exp, and nothing sent with less than a second left.
    sim.requests(S, 20 * 60 * S).unwrap();
    assert_eq!((sim.failed, sim.rejected, sim.risky), (0, 0, 0));
    let renewed_after = sim.asks[1] - sim.asks[0];
    assert!(
        (240 * S..=242 * S).contains(&renewed_after),
        "renewed {renewed_after} ms after the first ask, not 60 s before the true exp"
    );
}

#[test]
fn a_wrong_date_is_ignored() {
    for off in [3 * 3_600 * S, -3 * 3_600 * S, 400 * 86_400 * S, -T0] {
        let mut k = keeper();
        first_token(&mut k, T0, &token(T0 / S, 900));
        let now = at(T0 + 10 * S);
        let before = (k.expires_at_page_time(), k.issuer_now(now));
        let step = k.server_time(at(T0 + 9 * S), now, T0 + 10 * S + off);
        assert_eq!(step.ask, None, "off by {off}");
        assert_eq!((k.expires_at_page_time(), k.issuer_now(now)), before, "off by {off}");
        assert_eq!(k.status(), Status::Fresh);
    }
}

#[test]
fn one_date_header_per_second_of_sending_is_looked_for() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    assert!(k.server_time_due(at(T0 + S)), "the first");
    // Whether or not that response had a Date, the next second's request is the next to look.
    for sent in [T0 + S, T0 + S + 999, T0 - 4 * S] {
        assert!(!k.server_time_due(at(sent)), "sent at T0 + {} ms", sent - T0);
    }
    assert!(k.server_time_due(at(T0 + 2 * S)));
    assert!(!k.server_time_due(at(T0 + 2 * S + 500)));
    // A header handed in changes nothing about when the next is due.
    k.server_time(at(T0 + 2 * S), at(T0 + 2 * S), T0 + 2 * S);
    assert!(k.server_time_due(at(T0 + 3 * S)));
}

#[test]
fn a_date_that_puts_the_held_token_in_its_final_window_renews_it_at_once() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S - 897, 900));
    // Taken for fresh; the backend says it has a second left.
    let now = at(T0 + 2 * S);
    assert!(k.usable(now).is_some());
    let step = k.server_time(now, now, T0 + 2 * S);
    assert!(step.ask.is_some(), "{step:?}");
    assert!(k.usable(now).is_none(), "not handed out within FINAL_WINDOW of exp");
    assert_eq!(k.status(), Status::Renewing);
    assert_eq!(k.expires_at_page_time(), Some(T0 + 3 * S));
}

#[test]
fn a_reask_scheduled_before_a_date_moved_the_estimate_still_comes_before_the_final_window() {
    // A token from a warm cache, 30 s older than it looks; the host hands it back when asked early.
    let mut k = Glued::new(Settings { renew_margin: 300 * S, ..Settings::default() });
    let raw = token(T0 / S - 30, 900);
    first_token(&mut k, T0, &raw);
    let mut now = T0 + 600 * S;
    let mut wake = now;
    for _ in 0..6 {
        now = wake;
        let ask = k.tick(at(now)).ask.expect("a re-ask");
        wake = k.answered(at(now), ask, Ok(&raw)).wake_at.unwrap();
    }
    // The re-ask waits until 7 s before exp by the estimate; then a Date tells the true time.
    assert_eq!(wake, T0 + 893 * S);
    let step = k.server_time(at(now), at(now), now);
    assert_eq!(step.wake_at, Some(T0 + 863 * S), "7 s before the true exp");
}

#[test]
fn during_an_outage_a_caller_fails_at_once_when_the_next_attempt_is_beyond_its_deadline() {
    let mut k = keeper();
    let mut now = T0;
    let failure = || Err(Error::new(Code::HostError, "The token source failed: 503."));
    // Fail until the backoff is at its cap.
    let mut next = now;
    for _ in 0..8 {
        now = next;
        let ask = k.tick(at(now)).ask.expect("due");
        assert_eq!(k.may_wait(at(now), now + 1), Ok(()), "an ask is under way: join it");
        now += 100;
        next = k.answered(at(now), ask, failure()).wake_at.unwrap();
    }
    assert!(next - now >= MAX_BACKOFF / 2, "at the cap: {} ms", next - now);
    // A caller whose wait (10 s) ends before the next attempt fails at once with the last code.
    let caller = now + 1_000;
    let error = k.may_wait(at(caller), caller + 10_000);
    if next > caller + 10_000 {
        let error = error.unwrap_err();
        assert_eq!(error.code, Code::HostError);
        let seconds = (next - caller + 999) / 1_000;
        assert!(error.message.contains(&format!("again in {seconds} s")), "{}", error.message);
        assert!(error.message.starts_with("The token source failed: 503."));
    }
    // A caller whose wait covers the next attempt joins it.
    let late = next - 9_000;
    assert_eq!(k.may_wait(at(late), late + 10_000), Ok(()));
    // If its deadline passes anyway, it times out saying what the keeper is doing.
    let ask = k.tick(at(next)).ask.expect("the attempt");
    let error = k.wait_timed_out(at(next + 1_000));
    assert_eq!(error.code, Code::Timeout);
    assert!(error.message.contains("has not answered the keeper's ask for 1 s"), "{}", error.message);
    // The host heals: a quick retry after a single fault stays invisible to a waiting caller.
    let step = k.answered(at(next + 200), ask, Ok(&token((next + 200) / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    let now = next + 300;
    let ask = k.force(at(now), &token((next + 200) / S, 900)).ask;
    let ask = ask.or_else(|| k.tick(at(now + MIN_ASK_INTERVAL)).ask).unwrap();
    let step = k.answered(at(now + MIN_ASK_INTERVAL), ask, failure());
    let retry = step.wake_at.unwrap();
    assert_eq!(k.may_wait(at(now + MIN_ASK_INTERVAL), now + MIN_ASK_INTERVAL + 10_000), Ok(()), "due within the wait");
    assert!(retry - (now + MIN_ASK_INTERVAL) <= FIRST_BACKOFF);
}

#[test]
fn the_wait_timed_out_error_says_when_the_next_attempt_is() {
    let mut k = keeper();
    let ask = k.tick(at(T0)).ask.unwrap();
    let next = k.answered(at(T0), ask, Err(Error::new(Code::HostError, "down"))).wake_at.unwrap();
    let error = k.wait_timed_out(at(T0 + 500));
    assert_eq!(error.code, Code::Timeout);
    let seconds = (next - T0 - 500 + 999) / 1_000;
    assert_eq!(
        error.message,
        format!("No token arrived within timeoutMs: the last ask failed with host-error; the keeper asks the token source again in {seconds} s.")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For any page clock skew within ±24 h, host cache margin (and a warm cache at start),
    /// latency, token lifetime, request pattern, laptop sleeps (the monotonic clock running on or
    /// standing still) and steps of the wall clock of ±(1 s .. 2 h): the keeper never hands out
    /// a token inside its final seconds by the issuer's true clock (allowing for `iat`'s
    /// one-second resolution and the round trip), except once after a sleep that stopped the
    /// monotonic clock or with a warm first token, before the first `Date` header corrects it;
    /// never asks twice within the minimum interval; no request fails; after every response the
    /// estimate is within 2 s of the truth; and it asks about once per usable token lifetime plus
    /// a bounded number of host-cache re-asks, plus at most one per step of the wall clock.
    #[test]
    fn session_invariants(
        skew in -86_400_000i64..=86_400_000,
        ttl in 60i64..=3_600,
        margin_s in 0i64..=600,
        cache_margin_s in 0i64..=120,
        latency in 0i64..=1_500,
        rtt in 0i64..=800,
        request_every in 500i64..=20_000,
        sleeps in proptest::collection::vec((0usize..=40, 0i64..=3_600_000, any::<bool>()), 0..3),
        steps in proptest::collection::vec((0usize..=40, 1_000i64..=7_200_000, any::<bool>()), 0..4),
        warm_age in proptest::option::of(0f64..1.0),
        seed in any::<u64>(),
    ) {
        let settings = Settings { renew_margin: margin_s * S, timeout: 10_000, jitter_seed: seed, ..Settings::default() };
        let mut host = Host::new(T0, ttl, cache_margin_s);
        if let Some(age) = warm_age {
            // Another iframe warmed the cache: a token the host still hands out.
            let age = ((ttl * S - cache_margin_s * S - S) as f64 * age) as Millis;
            host.prewarm(T0 - age.max(0));
        }
        let mut sim = Sim::new(settings, host, skew);
        sim.latency = latency;
        sim.rtt = rtt;
        sim.doubt = warm_age.is_some();
        let session = 8 * ttl * S;
        let mut end = sim.mono + session;
        let mut requests = 0;
        let (mut slept, mut paused, mut stepped) = (0, 0, 0);
        while sim.mono < end {
            sim.request()?;
            requests += 1;
            for (_, duration, mono_runs) in sleeps.iter().filter(|(at, ..)| *at == requests) {
                sim.sleep(*duration, *mono_runs)?;
                slept += 1;
                paused += u32::from(!*mono_runs);
                if *mono_runs {
                    end += duration;
                }
            }
            for (_, by, forward) in steps.iter().filter(|(at, ..)| *at == requests) {
                sim.step_wall(if *forward { *by } else { -*by });
                stepped += 1;
            }
            let until = sim.mono + request_every;
            sim.run_until(until)?;
        }
        prop_assert_eq!(sim.failed, 0, "failed requests");
        prop_assert_eq!(sim.risky, sim.risky_in_doubt, "handed out with a second or less left");
        prop_assert!(sim.risky_in_doubt <= paused + u32::from(warm_age.is_some()));
        prop_assert!(sim.rejected <= paused + u32::from(warm_age.is_some()));
        let lifetime = ttl * S;
        let effective_margin = (margin_s * S).min(lifetime / 2).max(FINAL_WINDOW + MIN_ASK_INTERVAL);
        let usable_life = lifetime - effective_margin;
        let minimum = session / usable_life + 1;
        // The keeper may err up to MAX_OPTIMISM towards "older" on a slow host, so a host cache
        // margin within that of ours costs re-asks too.
        let reasks_per_token = if cache_margin_s * S >= effective_margin + MAX_OPTIMISM { 0 } else { 8 };
        let disrupted = if slept > 0 { 3 } else { 0 } + i64::from(warm_age.is_some());
        let bound = (minimum + 1 + disrupted) * (1 + reasks_per_token) + stepped;
        let asks = sim.asks.len() as i64;
        prop_assert!(asks <= bound, "{} asks, bound {} (minimum {})", asks, bound, minimum);
    }
}
