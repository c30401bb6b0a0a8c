//! The fuzz checks on stable Rust, without libFuzzer: the seed corpus in fuzz/corpus/ replayed
//! through each target's check, and a few thousand deterministic pseudo-random inputs per target.
//! Every test here passes on the current code; the failing ones are in known_issues.rs.
//! Run: `cargo test --test regressions` in fuzz/harness (about 10 s).

use arbitrary::{Arbitrary, Unstructured};
use connect_token::core::token::{times, Read};
use harness::keeper_model::{
    run, run_session, Answer, Broken, Checks, Claim, Event, Scenario, SessionScenario, TimeoutChoice,
};
use harness::{claims_check, claims_text_check, source_check, tokens};
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

/// The model of the binding's reading (`tokens::read`, as `web::claims::read`) on the tokens that
/// were the `decode` seeds before js/claims.js took over reading claims, and what it read.
#[test]
fn the_glue_model_reads_tokens_as_the_binding_does() {
    const HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";
    let claims = |exp: Option<f64>, iat: Option<f64>| Read::Claims { exp, iat };
    let with_claims = |segment: &str| format!("{HEADER}.{segment}.c2ln");
    let b64 = |bytes: &[u8]| with_claims(&tokens::base64url(bytes));
    let cases: Vec<(String, Read)> = vec![
        (tokens::token(1_764_000_000, 900, 1), claims(Some(1_764_000_900.0), Some(1_764_000_000.0))),
        // exp-float-exponent: {"exp":1.7640009e9,"iat":17640e5}
        (
            with_claims("eyJleHAiOjEuNzY0MDAwOWU5LCJpYXQiOjE3NjQwZTV9"),
            claims(Some(1_764_000_900.0), Some(1_764_000_000.0)),
        ),
        // exp-string: {"exp":"1764000900"}
        (with_claims("eyJleHAiOiIxNzY0MDAwOTAwIn0"), claims(Some(f64::NAN), None)),
        // nested-exp-dup: {"a":{"exp":1},"exp":3,"exp":1764000900}: top level, the last one
        (with_claims("eyJhIjp7ImV4cCI6MX0sImV4cCI6MywiZXhwIjoxNzY0MDAwOTAwfQ"), claims(Some(1_764_000_900.0), None)),
        // utf8-claims: {"exp":1764000900,"name":"Zoë Ægir 日本 🚀"}
        (
            with_claims("eyJleHAiOjE3NjQwMDA5MDAsIm5hbWUiOiJab8OrIMOGZ2lyIOaXpeacrCDwn5qAIn0"),
            claims(Some(1_764_000_900.0), None),
        ),
        // js/claims.js's TextDecoder dropped a BOM (Claims, exp 5); claims_text keeps it and
        // JSON.parse refuses it.
        (b64("\u{feff}{\"exp\":5}".as_bytes()), Read::Json),
        (b64(br#"{"exp":null,"iat":true}"#), claims(Some(f64::NAN), Some(f64::NAN))),
        (b64(br#"{"exp":-0}"#), claims(Some(-0.0), None)),
        (b64(b"{}"), claims(None, None)),
        // two-segments, garbage, padded (atob would take the "=", the ^[\w-]*$ test does not)
        (format!("{HEADER}.eyJleHAiOjE3NjQwMDA5MDB9"), Read::Segments),
        ("eyJ!!!.@@@.###".into(), Read::Base64),
        (with_claims("eyJleHAiOjE3NjQwMDA5MDB9="), Read::Base64),
        (with_claims("eyJleHAiOjE3NjQwMDA5MDB9A"), Read::Base64), // 4n+1 characters
        (with_claims("eyJ+"), Read::Base64),
        (b64(b"\xff{}"), Read::Utf8),
        (b64(b"\xed\xa0\x80"), Read::Utf8), // an encoded surrogate
        (with_claims(""), Read::Json),
        (b64(b"{\"exp\":1,}"), Read::Json),
        (b64(b"[{\"exp\":1}]"), Read::NotAnObject),
        (b64(b"null"), Read::NotAnObject),
        ("a.b.c.d".into(), Read::Segments),
        (String::new(), Read::Segments),
    ];
    for (raw, want) in cases {
        let got = tokens::read(&raw);
        let same = match (got, want) {
            (Read::Claims { exp: e1, iat: i1 }, Read::Claims { exp: e2, iat: i2 }) => {
                let bits = |v: Option<f64>| v.map(|v| if v.is_nan() { 0 } else { v.to_bits() });
                bits(e1) == bits(e2)
                    && bits(i1) == bits(i2)
                    && e1.is_some_and(f64::is_nan) == e2.is_some_and(f64::is_nan)
            }
            _ => got == want,
        };
        assert!(same, "{raw:?}: read {got:?}, want {want:?}");
    }
    let real = tokens::token(1_764_000_000, 900, 1);
    assert_eq!(times(tokens::read(&real)).unwrap().expires_at, 1_764_000_900_000);
}

/// `token::times` on the edges the fuzz target is biased towards, in every shape (by the harness's
/// shape numbers, `claims_check::shape_read`).
#[test]
fn claims_edges() {
    let values = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        5e-324,
        f64::MIN_POSITIVE,
        0.0009999,
        0.001,
        1.0,
        1_764_000_900.5,
        99_999_999_999.999_98,
        1e11,
        1e14,
        f64::MAX,
        -1.0,
        f64::MIN,
    ];
    let options = std::iter::once(None).chain(values.iter().copied().map(Some));
    for exp in options.clone() {
        for iat in options.clone() {
            for shape in [0, 1, 2, 3, 4, 5, 6, u32::MAX] {
                claims_check::check_read(claims_check::shape_read(shape, exp, iat))
                    .unwrap_or_else(|e| panic!("shape {shape} exp {exp:?} iat {iat:?}: {e}"));
            }
        }
    }
}

/// The harness's failure numbers (which replaced the deleted `Failure::from_code`) reach every
/// `Failure` once in 0..=5, and send anything else to `Rejected`, as the old numbers did.
#[test]
fn failure_numbers_reach_every_kind() {
    use source_check::{failure_kind, failure_number, KINDS};
    for (number, kind) in KINDS.iter().enumerate() {
        assert_eq!(failure_kind(number as u32), *kind);
        assert_eq!(failure_number(*kind), number as u32);
    }
    for code in [6, 7, 99, u32::MAX] {
        assert_eq!(failure_kind(code), connect_token::core::source::Failure::Rejected);
    }
}

/// `claims_text` on the cases its doc and unit tests give, and on what Node 20's `atob` was seen
/// to do behind js/claims.js's `^[\w-]*$` test: nonzero trailing bits ignored (`wx` and `ww` are
/// both 0xC3, `AB` and `AC` both 0x00), 4n+1 symbols refused; padding, whitespace, `+` and `/`
/// refused by the test (atob itself would take them).
#[test]
fn claims_text_cases() {
    use connect_token::core::token::claims_text;
    let ok = [
        ("", ""),
        ("e30", "{}"),
        ("e31", "{}"),
        ("e32", "{}"),
        ("e33", "{}"),
        ("eyJleHAiOjF9", r#"{"exp":1}"#),
        ("eyJleHAiOjE3NjQwMDA5MDAsIm5hbWUiOiJab8OrIOaXpeacrCDwn5qAIn0", r#"{"exp":1764000900,"name":"Zoë 日本 🚀"}"#),
        ("AB", "\0"),
        ("AC", "\0"),
        ("AP", "\0"),
        ("ABC", "\0\u{10}"),
        ("ABD", "\0\u{10}"),
        ("77u_", "\u{feff}"),
    ];
    for (segment, text) in ok {
        assert_eq!(claims_text(segment).as_deref(), Ok(text), "{segment:?}");
        claims_text_check::check_segment(segment).unwrap();
    }
    let base64 = [
        "A", "AAAAA", "e30=", "e3==", "ww==", "e3+0", "e3/0", "e3 0", " e30", "e30\n", "e30.", "e 30", "é", "e30*",
        "ｅ30",
    ];
    let utf8 = ["ww", "wx", "w_", "_w", "7aCA", "gA", "wKA", "8J-Y"];
    for segment in base64 {
        assert_eq!(claims_text(segment), Err(Read::Base64), "{segment:?}");
        claims_text_check::check_segment(segment).unwrap();
    }
    for segment in utf8 {
        assert_eq!(claims_text(segment), Err(Read::Utf8), "{segment:?}");
        claims_text_check::check_segment(segment).unwrap();
    }
}

/// Every segment of up to 3 symbols from `claims_text_check::SYMBOLS` (76, the 64 of base64url
/// and 12 near misses), and every one of 4 from a 20-symbol mix: about 600 000 segments, each
/// checked against the reference.
#[test]
fn claims_text_every_short_segment() {
    let symbols = claims_text_check::SYMBOLS;
    let mut segment = String::new();
    fn walk(segment: &mut String, symbols: &[char], depth: usize, count: &mut usize) {
        claims_text_check::check_segment(segment).unwrap_or_else(|e| panic!("{e}"));
        *count += 1;
        if depth == 0 {
            return;
        }
        for &c in symbols {
            segment.push(c);
            walk(segment, symbols, depth - 1, count);
            segment.pop();
        }
    }
    let mut count = 0;
    walk(&mut segment, &symbols, 3, &mut count);
    let mix = ['A', 'B', 'P', 'Q', '/', 'g', 'w', 'x', '7', '8', '-', '_', '=', '+', '/', ' ', 'é', 'e', '3', '0'];
    for a in mix {
        for b in mix {
            for c in mix {
                for d in mix {
                    claims_text_check::check_segment(&String::from_iter([a, b, c, d]))
                        .unwrap_or_else(|e| panic!("{e}"));
                    count += 1;
                }
            }
        }
    }
    assert!(count > 500_000, "{count}");
}

#[test]
fn typed_seeds() {
    for (path, bytes) in corpus("claims") {
        if let Some(input) = typed::<claims_check::Input>(&bytes) {
            claims_check::check(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    for (path, bytes) in corpus("claims_text") {
        if let Some(input) = typed::<claims_text_check::Input>(&bytes) {
            claims_text_check::check(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
    for (path, bytes) in corpus("session") {
        if let Some(session) = typed::<SessionScenario>(&bytes) {
            run_session(&session, Checks::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn pseudo_random_inputs() {
    for bytes in inputs(3_000, 600, 1) {
        if let Some(input) = typed::<claims_check::Input>(&bytes) {
            claims_check::check(&input).unwrap_or_else(|e| panic!("{e}\n{input:?}"));
        }
        if let Some(input) = typed::<source_check::SourceInput>(&bytes) {
            source_check::check(&input).unwrap_or_else(|e| panic!("{e}\n{input:?}"));
        }
        if let Some(input) = typed::<claims_text_check::Input>(&bytes) {
            claims_text_check::check(&input).unwrap_or_else(|e| panic!("{e}\n{input:?}"));
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
    let mut ran = 0;
    for bytes in inputs(3_000, 2_000, 3) {
        if let Some(session) = typed::<SessionScenario>(&bytes) {
            run_session(&session, Checks::default()).unwrap_or_else(|e| panic!("{e}\n{session:?}"));
            ran += 1;
        }
    }
    assert!(ran > 1_000, "only {ran} session scenarios");
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

/// The glue's part: answers broken at every stage of the browser's reading fail as
/// `malformed-token` with the message for that stage, answers read as odd numbers (NaN,
/// infinities, subnormals) are judged like any other, and the held token answered again by the
/// host's cache (`same_as_held`) is a re-issue, never a renewal. The model checks each of these.
#[test]
fn answers_of_every_shape_keep_the_glue_and_the_keeper_in_step() {
    use harness::claims_check::Value;
    let broken = [
        Broken::TwoSegments,
        Broken::Padded,
        Broken::BadLength,
        Broken::NotUtf8,
        Broken::NotJson,
        Broken::NotAnObject,
        Broken::NoExp,
        Broken::ExpNotANumber,
    ];
    let mut events = vec![Event::Answer(Answer::Host { latency: 100 }), Event::Request];
    for kind in broken {
        events.extend([Event::ForceHeld, Event::WaitSeconds(3), Event::WakeUp]);
        events.push(Event::Answer(Answer::Broken(kind, "Zoë \"x\" }".into())));
        events.extend([
            Event::WaitSeconds(40),
            Event::WakeUp,
            Event::Answer(Answer::Host { latency: 0 }),
            Event::Request,
        ]);
    }
    let claims = [
        (Claim::NotANumber, Claim::Absent),
        (Claim::Number(Value::Bits(f64::INFINITY.to_bits())), Claim::Absent),
        (Claim::Number(Value::Edge { index: 6, ulps: 0 }), Claim::Absent),
        (Claim::FromNow(600), Claim::Number(Value::Bits(f64::NAN.to_bits()))),
        (Claim::FromNow(600), Claim::FromNow(-10)),
        (Claim::FromNow(-600), Claim::FromNow(-1500)),
        (Claim::Absent, Claim::FromNow(0)),
    ];
    for (exp, iat) in claims {
        events.extend([Event::ForceHeld, Event::WaitSeconds(3), Event::WakeUp]);
        events.push(Event::Answer(Answer::Claims { exp, iat }));
        events.extend([Event::Request, Event::WaitSeconds(40), Event::WakeUp, Event::Answer(Answer::Held)]);
        events.extend([Event::Request, Event::ForceOther(7), Event::Request]);
    }
    let scenario = Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 3,
        ttl_s: 899,
        cache_margin_s: 60,
        skew_ms: 1_500,
        skew_days: None,
        prewarm_age_ms: None,
        events,
    };
    let summary = run(&scenario, Checks::default()).unwrap();
    assert!(summary.renewals >= 3, "{summary:?}");
    assert_eq!(summary.truly_expired_handed_out, 0, "{summary:?}");
}

/// Found by the keeper target on the first run after the API change, and present before it: the
/// model demanded that a freshly minted token is never refused as expired (the K1 check), but the
/// keeper then followed a forward jump of the page's clock only after newly minted tokens agreed
/// for five minutes. The estimate is now monotonic: the token minted right after the jump is
/// accepted at once (the model checks it: `Run::answer`).
#[test]
fn after_a_forward_jump_fresh_tokens_are_accepted_at_once() {
    let fresh = || Event::Answer(Answer::Fresh { ttl_s: 900, age_ms: 0, no_iat: false });
    let mut events = vec![fresh(), Event::PageJump(2 * 3_600_000), Event::Tick, fresh(), Event::Request];
    for _ in 0..30 {
        events.extend([Event::WakeUp, fresh(), Event::Request]);
    }
    let scenario = Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 5,
        ttl_s: 899,
        cache_margin_s: 60,
        skew_ms: 0,
        skew_days: None,
        prewarm_age_ms: None,
        events,
    };
    let summary = run(&scenario, Checks::default()).unwrap();
    assert!(summary.renewals >= 2 && summary.handed_out > 0, "{summary:?}");
}

/// A sleep that stopped the monotonic clock, then the backend's `Date`: the true-clock check holds
/// the keeper to the bound the `Date` gives from then on.
#[test]
fn a_sleep_that_stopped_the_monotonic_clock_then_a_date() {
    let host = || Event::Answer(Answer::Host { latency: 100 });
    let mut events = vec![host(), Event::Request, Event::SleepPaused(120), Event::Tick, host()];
    events.extend([Event::ServerDate { rtt: 200, wrong_s: None }, Event::Request]);
    events.extend([Event::ServerDate { rtt: 100, wrong_s: Some(3 * 3600) }, Event::Request]);
    for _ in 0..20 {
        events.extend([Event::WakeUp, host(), Event::Request, Event::ServerDate { rtt: 50, wrong_s: None }]);
    }
    let scenario = Scenario {
        renew_margin_s: 60,
        timeout: TimeoutChoice::Default,
        seed: 7,
        ttl_s: 300,
        cache_margin_s: 30,
        skew_ms: 0,
        skew_days: None,
        prewarm_age_ms: Some(200_000),
        events,
    };
    let summary = run(&scenario, Checks::default()).unwrap();
    assert!(summary.renewals >= 2 && summary.handed_out > 0, "{summary:?}");
    assert_eq!(summary.truly_expired_handed_out, 0, "{summary:?}");
}
