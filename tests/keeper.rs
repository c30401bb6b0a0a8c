//! The renewal state machine against a simulated Connect host, natively, in milliseconds.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{token, Glued, Host};
use connect_token::core::clock::{JUMP_EVIDENCE, MAX_OPTIMISM};
use connect_token::core::error::{Code, Error};
use connect_token::core::keeper::*;
use connect_token::core::Millis;
use proptest::prelude::*;

const T0: Millis = 1_764_000_000_000;
const S: Millis = 1_000;

fn keeper() -> Glued {
    Glued::new(Settings::default())
}

/// Asks once and answers with `raw`; returns the answer's step.
fn first_token(keeper: &mut Glued, now: Millis, raw: &str) -> Step {
    let ask = keeper.tick(now).ask.expect("asks at once");
    keeper.answered(now, ask, Ok(raw))
}

#[test]
fn asks_at_once_then_renews_margin_before_exp() {
    let mut k = keeper();
    let step = first_token(&mut k, T0, &token(T0 / S, 900));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(step.notices, vec![Notice::Renewed]);
    assert_eq!(step.wake_at, Some(T0 + 840 * S), "renews 60 s before exp");
    assert!(k.tick(T0 + 839 * S).ask.is_none());
    assert!(k.tick(T0 + 840 * S).ask.is_some());
    assert!(k.usable(T0 + 840 * S).is_some(), "the old token stays usable during renewal");
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
    assert!(k.usable(T0 + 894_999).is_some());
    assert!(k.usable(T0 + 895_000).is_none());
}

#[test]
fn concurrent_wants_share_one_ask() {
    let mut k = keeper();
    let ask = k.tick(T0).ask.expect("asks");
    for i in 0..500 {
        assert_eq!(k.tick(T0 + i).ask, None);
        assert_eq!(k.force(T0 + i, "anything").ask, None);
    }
    let step = k.answered(T0 + 600, ask, Ok(&token(T0 / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(k.stats().host_calls, 1);
}

#[test]
fn forced_renewal_waits_for_the_minimum_interval_and_is_shared() {
    let mut k = keeper();
    let first = token(T0 / S, 900);
    first_token(&mut k, T0, &first);
    let step = k.force(T0 + 500, &first);
    assert_eq!(step.ask, None);
    assert_eq!(step.wake_at, Some(T0 + MIN_ASK_INTERVAL));
    assert!(k.usable(T0 + 500).is_none(), "a rejected token is not handed out again");
    assert_eq!(k.force(T0 + 600, &first).ask, None);
    let ask = k.tick(T0 + MIN_ASK_INTERVAL).ask.expect("asks after the interval");
    let second = token(T0 / S + 2, 900);
    k.answered(T0 + 2_100, ask, Ok(&second));
    // A 401 for the old token after the renewal changes nothing.
    assert_eq!(k.force(T0 + 2_200, &first).ask, None);
    assert_eq!(k.usable_token(T0 + 2_200), Some(second.as_str()));
}

#[test]
fn the_host_cache_is_reasked_at_widening_intervals_until_the_final_seconds() {
    let mut k = keeper();
    let cached = token(T0 / S, 900);
    first_token(&mut k, T0, &cached);
    let mut now = T0 + 840 * S;
    let mut asks = vec![];
    while let Some(ask) = k.tick(now).ask {
        asks.push(now - T0);
        let step = k.answered(now, ask, Ok(&cached));
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
        if let Some(ask) = k.tick(now).ask {
            asks += 1;
            let step = k.answered(now, ask, Ok(&host.answer(now)));
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
        if let Some(ask) = k.tick(now).ask {
            asks.push(now);
            k.answered(now, ask, Err(Error::new(Code::HostError, "down")));
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
        if let Some(ask) = k.tick(now).ask {
            break ask;
        }
        now += 50;
    };
    let step = k.answered(now, ask, Ok(&token(now / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!(k.status(), Status::Fresh);
}

#[test]
fn a_host_that_never_answers_times_out_and_its_late_answer_is_ignored() {
    let mut k = keeper();
    let step = k.tick(T0);
    let ask = step.ask.unwrap();
    assert_eq!(step.wake_at, Some(T0 + 10_000));
    let step = k.tick(T0 + 10_000);
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::Timeout));
    let late = k.answered(T0 + 10_500, ask, Ok(&token(T0 / S, 900)));
    assert_eq!(late.release, None);
    assert!(k.usable(T0 + 10_500).is_none());
}

#[test]
fn an_ask_cut_off_by_a_laptop_sleep_is_asked_again_not_failed() {
    let mut k = keeper();
    let first = k.tick(T0).ask.unwrap();
    // The laptop sleeps 30 minutes with the ask in flight; timers do not run.
    let woke = T0 + 30 * 60 * S;
    let step = k.tick(woke);
    assert_eq!((step.release.clone(), step.notices.clone()), (None, vec![]), "callers keep waiting");
    let again = step.ask.expect("asks again at once");
    assert_eq!(k.answered(woke + 50, first, Ok(&token(woke / S, 900))).release, None, "the cut-off ask is over");
    let step = k.answered(woke + 100, again, Ok(&token(woke / S, 900)));
    assert_eq!(step.release, Some(Release::Ready));
    assert_eq!((k.stats().host_calls, k.stats().failures), (2, 0));

    // Once only: if the page sleeps through the second ask too, it is a timeout.
    let mut k = keeper();
    k.tick(T0).ask.unwrap();
    assert!(k.tick(T0 + 30 * 60 * S).ask.is_some());
    let step = k.tick(T0 + 60 * 60 * S);
    assert!(matches!(step.release, Some(Release::Failed(Error { code: Code::Timeout, .. }))), "{step:?}");

    // A timeout seen on time (the timer fired, up to LATE_WAKE late) is a timeout.
    let mut k = keeper();
    k.tick(T0).ask.unwrap();
    k.tick(T0 + 9_000);
    let step = k.tick(T0 + 10_000 + LATE_WAKE);
    assert!(matches!(step.release, Some(Release::Failed(Error { code: Code::Timeout, .. }))), "{step:?}");
}

#[test]
fn malformed_and_expired_answers_are_typed_failures() {
    let mut k = keeper();
    let ask = k.tick(T0).ask.unwrap();
    let step = k.answered(T0, ask, Ok("not.a.jwt"));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::MalformedToken));
    // After a good token set the clock estimate, an already-expired token is refused.
    let now = T0 + 10 * S;
    let ask = k.tick(now).ask.unwrap();
    k.answered(now, ask, Ok(&token(now / S, 900)));
    let ask = k.force(now + 5 * S, &token(now / S, 900)).ask.unwrap();
    let step = k.answered(now + 5 * S, ask, Ok(&token(now / S - 1000, 900)));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::ExpiredToken));
}

#[test]
fn a_fatal_failure_stops_asking() {
    let mut k = keeper();
    let ask = k.tick(T0).ask.unwrap();
    let step = k.answered(T0, ask, Err(Error::fatal(Code::HostUnavailable, "no AP")));
    assert_eq!(step.wake_at, None);
    assert_eq!(k.stopped_by().map(|e| e.code), Some(Code::HostUnavailable));
    assert!(k.tick(T0 + 3_600 * S).ask.is_none());
    assert_eq!(k.status(), Status::Failed);
}

#[test]
fn tells_subscribers_when_the_token_expires_without_a_new_one() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    let mut now = T0 + 840 * S;
    let mut expired = 0;
    while now < T0 + 1000 * S {
        let step = k.tick(now);
        if let Some(ask) = step.ask {
            k.answered(now, ask, Err(Error::new(Code::HostError, "down")));
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
        let mut step = k.tick(now);
        if let Some(ask) = step.ask {
            step = k.answered(now, ask, Err(Error::new(Code::HostError, "down")));
        }
        assert_eq!(k.status() == Status::Fresh, k.usable(now).is_some(), "at {} ms", now - T0);
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
    assert_eq!(k.force(T0 + 500, &raw).ask, None, "within the minimum interval");
    assert_eq!(k.status(), Status::Renewing);
}

#[test]
fn dispose_fails_waiters_and_stops_everything() {
    let mut k = keeper();
    k.tick(T0);
    let step = k.dispose();
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::Disposed));
    assert_eq!(k.tick(T0 + 3_600 * S), Step::default());
    assert_eq!(k.dispose(), Step::default());
}

#[test]
fn laptop_sleep_renews_on_the_first_wake_up() {
    let mut k = keeper();
    first_token(&mut k, T0, &token(T0 / S, 900));
    // Timers did not run for 30 minutes; the first request after waking finds no usable token.
    let woke = T0 + 1_800 * S;
    assert!(k.usable(woke).is_none());
    let step = k.tick(woke);
    assert!(step.ask.is_some());
    assert!(step.notices.contains(&Notice::Expired));
}

#[test]
fn fresh_tokens_are_accepted_after_the_page_clock_jumps_forward_past_a_lifetime() {
    // Fuzzing regression (K1): the page's clock is 30 minutes slow, then corrected.
    let mut k = keeper();
    let skew = -30 * 60 * S;
    first_token(&mut k, T0 + skew, &token(T0 / S, 900));
    let now = T0 + 10 * 60 * S;
    let ask = k.tick(now).ask.expect("the held token looks expired");
    let step = k.answered(now, ask, Ok(&token(now / S, 900)));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::ExpiredToken), "not yet");
    // Newly minted tokens keep pointing at the same jump: after JUMP_EVIDENCE the estimate follows.
    let mut now = now;
    while k.usable(now).is_none() && now < T0 + 30 * 60 * S {
        now += S;
        if let Some(ask) = k.tick(now).ask {
            k.answered(now, ask, Ok(&token(now / S, 900)));
        }
    }
    assert!(k.usable(now).is_some(), "recovers");
    assert!(now - (T0 + 10 * 60 * S) <= JUMP_EVIDENCE + MAX_BACKOFF, "within the evidence time and a backoff step");
}

#[test]
fn a_reissued_token_that_has_expired_is_refused_not_handed_out() {
    // Fuzzing regression (K2): a source that caches by a slow clock hands back an expired token.
    let mut k = keeper();
    let raw = token(T0 / S, 900);
    first_token(&mut k, T0, &raw);
    let now = T0 + 14 * 3_600 * S;
    let ask = k.tick(now).ask.expect("asks: the token expired");
    let step = k.answered(now, ask, Ok(&raw));
    assert!(matches!(step.release, Some(Release::Failed(ref e)) if e.code == Code::ExpiredToken));
    assert!(k.usable(now).is_none());
}

#[test]
fn a_backward_step_of_the_page_clock_does_not_stretch_waits_or_timeouts() {
    // Fuzzing regression (K4): an NTP correction of a fast clock steps it back an hour.
    let mut k = keeper();
    let raw = token(T0 / S, 900);
    first_token(&mut k, T0, &raw);
    let now = T0 + 10 * S - 3_600 * S;
    let step = k.force(now, &raw);
    let wait = step.ask.map(|_| 0).or(step.wake_at.map(|at| at - now)).unwrap();
    assert!(wait <= MIN_ASK_INTERVAL, "the forced renewal waits {wait} ms");
    assert!(k.usable(now).is_none(), "forced");

    let mut k = keeper();
    k.tick(T0);
    let now = T0 + 1_000 - 3_600 * S;
    let wait = k.tick(now).wake_at.unwrap() - now;
    assert!(wait <= 10_000, "the ask in flight times out in {wait} ms");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For any page clock skew within ±24 h, host cache margin, latency, token lifetime and
    /// request pattern (including laptop sleeps): the keeper never hands out a token inside its
    /// final seconds by the issuer's true clock (allowing for `iat`'s one-second resolution and
    /// the round trip), never asks twice within the minimum interval, and asks about once per
    /// usable token lifetime plus a bounded number of host-cache re-asks.
    #[test]
    fn session_invariants(
        skew in -86_400_000i64..=86_400_000,
        ttl in 60i64..=3_600,
        margin_s in 0i64..=600,
        cache_margin_s in 0i64..=120,
        latency in 0i64..=1_500,
        request_every in 500i64..=20_000,
        sleeps in proptest::collection::vec((0i64..=40, 0i64..=3_600_000), 0..3),
        seed in any::<u64>(),
    ) {
        let settings = Settings { renew_margin: margin_s * S, timeout: 10_000, jitter_seed: seed };
        let mut host = Host::new(T0, ttl, cache_margin_s);
        let mut k = Glued::new(settings);
        let session = 8 * ttl * S;
        let mut page_now = T0 + skew;
        let mut end = page_now + session;
        let mut wake_at = Some(page_now);
        let mut pending: Option<(Millis, AskId)> = None;
        let mut next_request = page_now;
        let mut asks: Vec<Millis> = vec![];
        let mut slept: Millis = 0;
        let mut sleeps = sleeps;
        while page_now < end {
            let mut step = Step::default();
            if pending.is_some_and(|(at, _)| at <= page_now) {
                let (_, id) = pending.take().unwrap();
                let answer = host.answer(page_now - skew);
                step = k.answered(page_now, id, Ok(&answer));
            } else if wake_at.is_some_and(|at| at <= page_now) || next_request <= page_now {
                step = k.tick(page_now);
                if next_request <= page_now {
                    if let Some(held) = k.usable_token(page_now) {
                        let remaining = host.true_remaining(held, page_now - skew);
                        prop_assert!(remaining > FINAL_WINDOW - MAX_OPTIMISM, "handed out with {remaining} ms left");
                    }
                    next_request = page_now + request_every;
                    if let Some(pos) = sleeps.iter().position(|(at, _)| *at as usize == asks.len()) {
                        let (_, duration) = sleeps.remove(pos);
                        page_now += duration; // timers frozen, both clocks jump
                        end += duration;
                        slept += duration;
                        continue;
                    }
                }
            }
            if let Some(id) = step.ask {
                prop_assert!(pending.is_none(), "two asks at once");
                if let Some(last) = asks.last() {
                    prop_assert!(page_now - last >= MIN_ASK_INTERVAL);
                }
                asks.push(page_now);
                pending = Some((page_now + latency, id));
            }
            if step.wake_at.is_some() || step.ask.is_some() {
                wake_at = step.wake_at;
            }
            let next = [pending.map(|p| p.0), wake_at, Some(next_request)].into_iter().flatten().min().unwrap();
            page_now = next.max(page_now + 1);
        }
        let lifetime = ttl * S;
        let effective_margin = (margin_s * S).min(lifetime / 2).max(FINAL_WINDOW + MIN_ASK_INTERVAL);
        let usable_life = lifetime - effective_margin;
        let minimum = session / usable_life + 1;
        // The keeper may err up to MAX_OPTIMISM towards "older" on a slow host, so a host cache
        // margin within that of ours costs re-asks too.
        let reasks_per_token = if cache_margin_s * S >= effective_margin + MAX_OPTIMISM { 0 } else { 8 };
        let bound = (minimum + 1 + sleeps_count(slept)) * (1 + reasks_per_token);
        prop_assert!(asks.len() as i64 <= bound, "{} asks, bound {bound} (minimum {minimum})", asks.len());
    }
}

fn sleeps_count(slept: Millis) -> i64 {
    if slept > 0 {
        3
    } else {
        0
    }
}
