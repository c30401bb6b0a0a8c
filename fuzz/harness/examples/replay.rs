//! Replays fuzz inputs through the checks: `cargo run --example replay -- <target> <file>...`
//! (targets: claims, claims_text, keeper, source_failure). Prints the input and what broke.
use arbitrary::{Arbitrary, Unstructured};
use harness::keeper_model::{run, Checks, Scenario};

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("target");
    for file in args {
        let bytes = std::fs::read(&file).expect("read");
        let result = match target.as_str() {
            "claims" => {
                let input =
                    harness::claims_check::Input::arbitrary_take_rest(Unstructured::new(&bytes)).expect("input");
                println!("{input:#?}");
                harness::claims_check::check(&input)
            }
            "claims_text" => {
                let input =
                    harness::claims_text_check::Input::arbitrary_take_rest(Unstructured::new(&bytes)).expect("input");
                println!("{input:#?}\nsegment: {:?}", input.segment());
                harness::claims_text_check::check(&input)
            }
            "source_failure" => {
                let input =
                    harness::source_check::SourceInput::arbitrary_take_rest(Unstructured::new(&bytes)).expect("input");
                println!("{input:#?}");
                harness::source_check::check(&input)
            }
            "keeper" => {
                let scenario = Scenario::arbitrary_take_rest(Unstructured::new(&bytes)).expect("scenario");
                println!("{scenario:#?}");
                let mut checks = Checks::default();
                if harness::strict() {
                    checks.true_clock_after_expired_reissue = true;
                    checks.fresh_accepted_when_estimate_ahead = true;
                    checks.liveness_after_backward_jump = true;
                    checks.fresh_accepted_after_no_iat_estimate = true;
                    checks.true_clock_after_stale_newer_token = true;
                    checks.true_clock_after_quiet_backward_step = true;
                }
                run(&scenario, checks).map(|summary| println!("{summary:?}"))
            }
            other => panic!("unknown target {other}"),
        };
        println!("{file}: {}", result.err().unwrap_or_else(|| "ok".into()));
    }
}
