//! Replays fuzz inputs through the checks: `cargo run --example replay -- <target> <file>...`
//! (targets: claims, claims_text, keeper, session, source_failure). Prints "<file>: ok" or what broke; the
//! decoded input too when it broke or when one file is given. Exits 1 if any input broke a check
//! (CI replays every corpus input this way, so a known input can never come back).
use arbitrary::{Arbitrary, Unstructured};
use harness::keeper_model::{run, run_session, Checks, Scenario, SessionScenario};

/// The decoded input, and what the target's checks say of it.
fn replay(target: &str, bytes: &[u8]) -> (String, Result<(), String>) {
    match target {
        "claims" => {
            let input = harness::claims_check::Input::arbitrary_take_rest(Unstructured::new(bytes)).expect("input");
            (format!("{input:#?}"), harness::claims_check::check(&input))
        }
        "claims_text" => {
            let input =
                harness::claims_text_check::Input::arbitrary_take_rest(Unstructured::new(bytes)).expect("input");
            (format!("{input:#?}\nsegment: {:?}", input.segment()), harness::claims_text_check::check(&input))
        }
        "source_failure" => {
            let input =
                harness::source_check::SourceInput::arbitrary_take_rest(Unstructured::new(bytes)).expect("input");
            (format!("{input:#?}"), harness::source_check::check(&input))
        }
        "keeper" => {
            let scenario = Scenario::arbitrary_take_rest(Unstructured::new(bytes)).expect("scenario");
            let result = run(&scenario, Checks::default()).map(|summary| eprintln!("{summary:?}"));
            (format!("{scenario:#?}"), result)
        }
        "session" => {
            let session = SessionScenario::arbitrary_take_rest(Unstructured::new(bytes)).expect("scenario");
            let result = run_session(&session, Checks::default()).map(|summary| eprintln!("{summary:?}"));
            (format!("{session:#?}"), result)
        }
        other => panic!("unknown target {other}"),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("target");
    let files: Vec<String> = args.collect();
    let mut broken = 0;
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        let (input, result) = replay(&target, &bytes);
        if result.is_err() || files.len() == 1 {
            println!("{input}");
        }
        match result {
            Ok(()) => println!("{file}: ok"),
            Err(error) => {
                broken += 1;
                println!("{file}: {error}");
            }
        }
    }
    if broken > 0 {
        eprintln!("replay: {broken} of {} input(s) broke a check", files.len());
        std::process::exit(1);
    }
}
