//! The fuzz checks on stable Rust, without libFuzzer: the seed corpus in fuzz/corpus/ replayed
//! through each target's check, and a few thousand deterministic pseudo-random inputs per target.
//! Every test here passes on the current code; the failing ones are in known_issues.rs.
//! Run: `cargo test --test regressions` in fuzz/harness (about 10 s).

use arbitrary::{Arbitrary, Unstructured};
use harness::keeper_model::{run, Answer, Checks, Event, Scenario, TimeoutChoice};
use harness::{decode_check, json_check, source_check};
use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files.into_iter().map(|path| (path.clone(), std::fs::read(&path).unwrap())).collect()
}

/// What libfuzzer-sys does with a typed fuzz target's bytes.
fn typed<'a, T: Arbitrary<'a>>(bytes: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(bytes)).ok()
}

/// Deterministic pseudo-random byte strings (xorshift), for a stable mini-fuzz.
fn inputs(count: usize, max_len: usize, seed: u64) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count).map(move |_| {
        let len = (next() as usize) % max_len;
        (0..len).map(|_| next() as u8).collect()
    })
}

#[test]
fn decode_seeds() {
    for (path, bytes) in corpus("decode") {
        let token = String::from_utf8_lossy(&bytes);
        decode_check::check_token(&token).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let real = String::from_utf8(
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/decode/real-900s")).unwrap(),
    )
    .unwrap();
    assert_eq!(connect_token::core::token::decode(&real).unwrap().expires_at, 1_764_000_900_000);
}

#[test]
fn json_seeds() {
    for (path, bytes) in corpus("json") {
        let text = String::from_utf8(bytes).unwrap();
        json_check::check(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn typed_seeds() {
    for (path, bytes) in corpus("decode_parts") {
        if let Some(parts) = typed::<decode_check::Parts>(&bytes) {
            decode_check::check_parts(&parts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    for (path, bytes) in corpus("source_failure") {
        if let Some(input) = typed::<source_check::SourceInput>(&bytes) {
            source_check::check(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    for (path, bytes) in corpus("keeper") {
        if let Some(scenario) = typed::<Scenario>(&bytes) {
            run(&scenario, Checks::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn pseudo_random_inputs() {
    for bytes in inputs(3_000, 600, 1) {
        decode_check::check_token(&String::from_utf8_lossy(&bytes)).unwrap();
        if let Some(parts) = typed::<decode_check::Parts>(&bytes) {
            decode_check::check_parts(&parts).unwrap_or_else(|e| panic!("{e}\n{parts:?}"));
        }
        if let Some(input) = typed::<source_check::SourceInput>(&bytes) {
            source_check::check(&input).unwrap_or_else(|e| panic!("{e}\n{input:?}"));
        }
    }
    let mut ran = 0;
    for bytes in inputs(3_000, 2_000, 2) {
        if let Some(scenario) = typed::<Scenario>(&bytes) {
            run(&scenario, Checks::default()).unwrap_or_else(|e| panic!("{e}\n{scenario:?}"));
            ran += 1;
        }
    }
    assert!(ran > 1_000, "only {ran} scenarios");
}

/// A long, healthy session against the caching host: many renewals, no rule broken, and never a
/// token handed out that the issuer had expired.
#[test]
fn a_healthy_session_renews_steadily() {
    let mut events = vec![];
    for _ in 0..400 {
        events.push(Event::WakeUp);
        events.push(Event::Answer(Answer::Host { latency: 300 }));
        events.push(Event::Request);
        events.push(Event::WaitSeconds(7));
    }
    let scenario = Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 7,
        ttl_s: 899,
        cache_margin_s: 60,
        skew_ms: -3_600_000,
        skew_days: Some(-3_650),
        prewarm_age_ms: None,
        events,
    };
    let summary = run(&scenario, Checks::default()).unwrap();
    assert!(summary.renewals >= 5, "{summary:?}");
    assert!(summary.handed_out > 300, "{summary:?}");
    assert_eq!(summary.truly_expired_handed_out, 0, "{summary:?}");
}

/// The scenario in which the fuzzer found issue K2 (a token 12.7 h past exp handed out again)
/// passes every check now that K2 is fixed.
#[test]
fn the_k2_scenario_passes_every_check() {
    let scenario = Scenario {
        renew_margin_s: 8,
        timeout: TimeoutChoice::Default,
        seed: 1,
        ttl_s: 899,
        cache_margin_s: 60,
        skew_ms: 0,
        skew_days: None,
        prewarm_age_ms: None,
        events: vec![
            Event::Answer(Answer::Host { latency: 0 }),
            Event::WaitSeconds(50_851),
            Event::ForceHeld,
            Event::Answer(Answer::Held),
        ],
    };
    let summary = run(&scenario, Checks::default()).unwrap();
    assert_eq!(summary.truly_expired_handed_out, 0, "{summary:?}");
}

/// Found by the keeper target against the backward-step fix: after the page's clock stepped back
/// 9.3 h and then forward 3.7 h, the keeper asked again 10 s (of forward time) after the first
/// ask. Fine by the rules (a backward step is not time passing); the model now measures the
/// interval in forward page time.
#[test]
fn asks_after_a_backward_then_forward_step_respect_the_interval_in_forward_time() {
    let scenario = Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 14_685_095_945_734_604_101,
        ttl_s: 1227,
        cache_margin_s: 0,
        skew_ms: 787_870_976,
        skew_days: None,
        prewarm_age_ms: Some(3_419_088_426),
        events: vec![
            Event::Tick,
            Event::WakeUp,
            Event::Answer(Answer::Malformed(String::new())),
            Event::PageJump(-33_554_333),
            Event::Tick,
            Event::PageJump(13_355_873),
        ],
    };
    run(&scenario, Checks::default()).unwrap();
}
