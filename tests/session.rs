//! The backend's own session tokens (atlassian-connect-express's `{{token}}` and `X-acpt`) with
//! the keeper, natively: which token each request carries, and how often the host is asked.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{base64url, read, token, Glued};
use connect_token::core::keeper::*;
use connect_token::core::session::{Ignored, InitialToken, Subject};
use connect_token::core::{Millis, Now};

const T0: Millis = 1_764_000_000_000;
const S: Millis = 1_000;
const MIN: Millis = 60 * S;
/// The page's own origin (the ACE backend) and a second allowed origin.
const PAGE: usize = 0;
const SECOND: usize = 1;
/// The `sub` of every token `common::token` makes.
const USER: &str = "712020:39e9b5a4-0000-4000-8000-000000000000";

fn at(t: Millis) -> Now {
    Now { wall: t, mono: t }
}

fn user() -> Subject {
    Subject::Text(USER.into())
}

/// A session token as ACE mints it at its time `now`: `iat` = now, 15 minutes, the user's `sub`.
fn ace_token(now: Millis, sub: &str) -> String {
    let iat = now / S;
    let claims = format!(
        r#"{{"iss":"connect-token-demo","sub":"{sub}","iat":{iat},"exp":{},"aud":["jira:5e1f0c2a"]}}"#,
        iat + 900
    );
    format!("{}.{}.sig", base64url(br#"{"typ":"JWT","alg":"HS256"}"#), base64url(claims.as_bytes()))
}

/// A keeper that came with ACE's page token minted at `minted`.
fn with_page_token(now: Millis, minted: Millis) -> Glued {
    let mut keeper = Glued::new(Settings::default());
    assert_eq!(keeper.initial_token(at(now), read(&ace_token(minted, USER)), &user()), Ok(()));
    keeper
}

/// A request to `origin` at `now` that does not wait: what it carries. Answers any ask the host at
/// once (at `now`), so a waiting request is reported as `Wait`.
fn request(keeper: &mut Glued, now: Millis, origin: usize) -> Choice {
    let (choice, step) = keeper.choose(at(now), Some(origin));
    if let Some(ask) = step.ask {
        keeper.answered(at(now), ask, Ok(&token(now / S, 900)));
    }
    choice
}

/// The backend answers a request sent with a backend token with a fresh one.
fn x_acpt(keeper: &mut Glued, now: Millis, origin: usize) -> Result<(), Ignored> {
    keeper.offered(at(now), origin, read(&ace_token(now, USER)), &user()).0
}

/// Ticks every timer the keeper sets up to `until`, answering asks at once.
fn run_until(keeper: &mut Glued, from: Millis, until: Millis) {
    let mut now = from;
    loop {
        let step = keeper.tick(at(now));
        if let Some(ask) = step.ask {
            keeper.answered(at(now), ask, Ok(&token(now / S, 900)));
            continue;
        }
        match step.wake_at {
            Some(wake) if wake <= until => now = wake.max(now + 1),
            _ => return,
        }
    }
}

#[test]
fn the_page_token_serves_the_first_request_without_a_host_call() {
    let mut keeper = with_page_token(T0, T0 - 2 * S);
    assert_eq!(keeper.tick(at(T0)).ask, None);
    assert_eq!(request(&mut keeper, T0, PAGE), Choice::Backend);
    assert_eq!(keeper.stats().host_calls, 0);
    assert_eq!(keeper.stats().initial_token, InitialToken::Used);
    assert_eq!(keeper.status(), Status::Fresh);
    assert_eq!(keeper.page_choice(), Choice::Backend);
}

#[test]
fn an_hour_of_requests_with_x_acpt_costs_no_host_call() {
    let mut keeper = with_page_token(T0, T0);
    let mut now = T0;
    while now < T0 + 60 * MIN {
        run_until(&mut keeper, now, now + 30 * S);
        now += 30 * S;
        assert_eq!(request(&mut keeper, now, PAGE), Choice::Backend, "at {} s", (now - T0) / S);
        assert_eq!(x_acpt(&mut keeper, now, PAGE), Ok(()));
    }
    assert_eq!(keeper.stats().host_calls, 0);
    assert_eq!(keeper.stats().backend_tokens, 120);
}

#[test]
fn without_the_page_token_the_host_is_asked_twice_an_hour_then_not_at_all() {
    let mut keeper = Glued::new(Settings::default());
    let mut now = T0;
    assert_eq!(request(&mut keeper, now, PAGE), Choice::Wait, "the first request waits for the host");
    while now < T0 + 60 * MIN {
        run_until(&mut keeper, now, now + 30 * S);
        now += 30 * S;
        assert_ne!(request(&mut keeper, now, PAGE), Choice::Wait);
        x_acpt(&mut keeper, now, PAGE).unwrap();
    }
    // The first host token was handed out, so it was renewed once on schedule; its successor
    // was never needed.
    assert_eq!(keeper.stats().host_calls, 2);
}

#[test]
fn after_twenty_idle_minutes_the_next_request_finds_a_host_token_without_waiting() {
    let mut keeper = with_page_token(T0, T0);
    let step = keeper.tick(at(T0));
    assert_eq!(step.wake_at, Some(T0 + 14 * MIN), "the host is asked when the page token reaches its margin");
    run_until(&mut keeper, T0, T0 + 20 * MIN);
    assert_eq!(keeper.stats().host_calls, 1);
    assert_eq!(request(&mut keeper, T0 + 20 * MIN, PAGE), Choice::Host);
    assert_eq!(keeper.session_token(PAGE), None, "the lapsed page token was dropped");
}

#[test]
fn a_backend_token_within_its_margin_gives_way_to_the_host_token_but_never_makes_a_request_wait() {
    let mut keeper = with_page_token(T0, T0);
    // The host is slow: asked at the margin, it has not answered yet.
    let ask = keeper.tick(at(T0 + 14 * MIN)).ask.expect("asks at the margin");
    assert_eq!(keeper.choose(at(T0 + 14 * MIN + S), Some(PAGE)).0, Choice::Backend, "still fresh: no wait");
    keeper.answered(at(T0 + 14 * MIN + 2 * S), ask, Ok(&token((T0 + 14 * MIN) / S, 900)));
    assert_eq!(request(&mut keeper, T0 + 14 * MIN + 3 * S, PAGE), Choice::Host);
}

#[test]
fn a_second_origin_only_ever_gets_the_host_token() {
    let mut keeper = with_page_token(T0, T0);
    assert_eq!(request(&mut keeper, T0, SECOND), Choice::Wait);
    assert_eq!(request(&mut keeper, T0 + S, SECOND), Choice::Host);
    assert_eq!(request(&mut keeper, T0 + S, PAGE), Choice::Backend);
    // The second origin's own session token goes back to it alone.
    assert_eq!(x_acpt(&mut keeper, T0 + 2 * S, SECOND), Ok(()));
    assert_eq!(request(&mut keeper, T0 + 3 * S, SECOND), Choice::Backend);
    assert_eq!(keeper.session_token(2), None);
    assert_eq!(request(&mut keeper, T0 + 3 * S, 2), Choice::Host);
}

#[test]
fn a_rejected_backend_token_is_dropped_and_the_replay_gets_a_host_token() {
    let mut keeper = with_page_token(T0, T0);
    assert_eq!(request(&mut keeper, T0, PAGE), Choice::Backend);
    let step = keeper.rejected_backend(at(T0 + 100), PAGE, true);
    assert_eq!(keeper.session_token(PAGE), None);
    assert!(step.ask.is_some(), "the replay's host token is asked for at once");
    assert_eq!(keeper.choose(at(T0 + 100), Some(PAGE)).0, Choice::Wait);
}

#[test]
fn a_401_to_an_older_backend_token_keeps_the_newer_one() {
    let mut keeper = with_page_token(T0, T0);
    x_acpt(&mut keeper, T0 + 5 * S, PAGE).unwrap();
    keeper.rejected_backend(at(T0 + 6 * S), PAGE, false);
    assert_eq!(keeper.session_token(PAGE).map(|token| token.expires_at), Some(T0 + 905 * S));
}

#[test]
fn hostile_header_tokens_are_ignored_and_counted() {
    let mut keeper = with_page_token(T0, T0);
    let now = at(T0 + 10 * S);
    let cases = [
        (read("garbage"), user(), Ignored::Malformed),
        (read(&ace_token(T0 - 20 * MIN, USER)), user(), Ignored::Expired),
        (read(&ace_token(T0, "712020:mallory")), Subject::Text("712020:mallory".into()), Ignored::OtherUser),
        (read(&ace_token(T0 + 10 * S, USER)), Subject::Absent, Ignored::OtherUser),
        (read(&ace_token(T0, USER)), user(), Ignored::NotLater),
    ];
    for (index, (read, subject, why)) in cases.into_iter().enumerate() {
        assert_eq!(keeper.offered(now, PAGE, read, &subject).0, Err(why), "case {index}");
    }
    assert_eq!(keeper.stats().ignored_tokens, 4, "a repeat of the token held is not counted");
    assert_eq!(keeper.stats().last_ignored, Some(Ignored::OtherUser));
    assert_eq!(keeper.session_token(PAGE).map(|token| token.expires_at), Some(T0 + 900 * S));
}

#[test]
fn an_unusable_page_token_is_ignored_and_the_host_asked_at_once() {
    let stale = ace_token(T0 - 20 * MIN, USER);
    for (raw, why) in [("not.a.jwt".to_string(), Ignored::Malformed), (stale, Ignored::Expired)] {
        let mut keeper = Glued::new(Settings::default());
        assert_eq!(keeper.initial_token(at(T0), read(&raw), &user()), Err(why));
        assert_eq!(keeper.stats().initial_token, InitialToken::Ignored(why));
        assert!(keeper.tick(at(T0)).ask.is_some());
    }
    let mut keeper = Glued::new(Settings { page_origin: None, ..Settings::default() });
    let fresh = ace_token(T0, USER);
    assert_eq!(keeper.initial_token(at(T0), read(&fresh), &user()), Err(Ignored::OriginNotAllowed));
    assert!(keeper.tick(at(T0)).ask.is_some());
}

#[test]
fn a_host_token_of_another_user_drops_the_backend_tokens() {
    let mut keeper = Glued::new(Settings::default());
    keeper
        .initial_token(
            at(T0),
            read(&ace_token(T0, "712020:someone-else")),
            &Subject::Text("712020:someone-else".into()),
        )
        .unwrap();
    assert_eq!(request(&mut keeper, T0, SECOND), Choice::Wait);
    keeper.host_user(user());
    assert_eq!(keeper.session_token(PAGE), None);
    assert_eq!(request(&mut keeper, T0 + S, PAGE), Choice::Host);
}

#[test]
fn a_page_clock_an_hour_fast_makes_the_page_token_look_expired_and_the_host_is_asked() {
    let mut keeper = Glued::new(Settings::default());
    let fast = Now { wall: T0 + 60 * MIN, mono: 0 };
    assert_eq!(keeper.initial_token(fast, read(&ace_token(T0, USER)), &user()), Err(Ignored::Expired));
    assert!(keeper.tick(fast).ask.is_some());
}

#[test]
fn a_sleep_drops_the_session_tokens_and_the_next_request_waits_for_the_host() {
    let mut keeper = with_page_token(T0, T0);
    assert_eq!(request(&mut keeper, T0, PAGE), Choice::Backend);
    // The lid closed for 20 minutes; the monotonic clock stood still.
    let woke = Now { wall: T0 + 20 * MIN, mono: T0 + 1 };
    let (choice, step) = keeper.choose(woke, Some(PAGE));
    assert_eq!(choice, Choice::Wait);
    assert!(step.ask.is_some());
    assert_eq!(keeper.session_token(PAGE), None);
}
