//! The session model (`keeper_model::run_session`, the `session` fuzz target) on hand-made sessions:
//! what atlassian-connect-express does, so that the target is known to reach the session rules.
use harness::keeper_model::{
    run_session, Answer, Checks, Event, Mixed, Offered, OfferedKind, OfferedUser, Scenario, SessionScenario,
    TimeoutChoice,
};

fn setup() -> Scenario {
    Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 1,
        ttl_s: 900,
        cache_margin_s: 60,
        skew_ms: 0,
        skew_days: None,
        prewarm_age_ms: None,
        events: vec![],
    }
}

fn ace_token(user: OfferedUser) -> Offered {
    Offered { kind: OfferedKind::Fresh { ttl_s: 900, age_ms: 300 }, user }
}

#[test]
fn an_hour_of_x_acpt_costs_no_host_call_and_every_request_carries_a_session_token() {
    let mut events = vec![];
    for _ in 0..120 {
        events.push(Mixed::Keeper(Event::WaitSeconds(30)));
        events.push(Mixed::RequestTo(0));
        events.push(Mixed::Offer { origin: 0, token: ace_token(OfferedUser::Page) });
    }
    let session = SessionScenario { initial: Some(ace_token(OfferedUser::Page)), setup: setup(), events };
    let summary = run_session(&session, Checks::default()).unwrap();
    assert_eq!(summary.asks, 0);
    assert_eq!(summary.handed_out, 120);
}

#[test]
fn an_idle_page_asks_the_host_once_its_session_token_nears_its_end() {
    let mut events = vec![Mixed::RequestTo(0)];
    for _ in 0..6 {
        events.push(Mixed::Keeper(Event::WakeUp));
        events.push(Mixed::Keeper(Event::Answer(Answer::Host { latency: 200 })));
    }
    events.push(Mixed::Keeper(Event::WaitSeconds(200)));
    events.push(Mixed::RequestTo(0));
    events.push(Mixed::RequestTo(1));
    let session = SessionScenario { initial: Some(ace_token(OfferedUser::Page)), setup: setup(), events };
    let summary = run_session(&session, Checks::default()).unwrap();
    assert!(summary.asks >= 1);
    assert_eq!(summary.handed_out, 1, "only the first request carried the session token");
}

#[test]
fn another_users_and_broken_tokens_are_never_handed_out() {
    let events = vec![
        Mixed::Offer { origin: 0, token: ace_token(OfferedUser::Other) },
        Mixed::Offer { origin: 1, token: ace_token(OfferedUser::NotAString) },
        Mixed::Offer { origin: 2, token: Offered { kind: OfferedKind::Expired { by_s: 5 }, user: OfferedUser::Page } },
        Mixed::RequestTo(0),
        Mixed::RequestTo(1),
        Mixed::RequestTo(2),
    ];
    let session = SessionScenario { initial: Some(ace_token(OfferedUser::Page)), setup: setup(), events };
    let summary = run_session(&session, Checks::default()).unwrap();
    assert_eq!(summary.handed_out, 1, "origin 0 keeps the page token; 1 and 2 get none");
}
