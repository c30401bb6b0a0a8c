//! The renewal state machine driven by arbitrary sessions (ticks, 401s, answers good, bad and
//! late, dispose; clocks that wait, sleep, skew and jump) against a model of the Connect host.
//! See harness/src/keeper_model.rs for every rule checked.
#![no_main]
use harness::keeper_model::{run, Checks, Scenario};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: Scenario| {
    let mut checks = Checks::default();
    // FUZZ_KEEPER_ALL=1 also checks the two known issues (see harness/tests/known_issues.rs).
    if std::env::var_os("FUZZ_KEEPER_ALL").is_some() {
        checks.true_clock_after_forward_jump = true;
        checks.liveness_after_backward_jump = true;
    }
    if let Err(broken) = run(&scenario, checks) {
        panic!("keeper: {broken}\nscenario: {scenario:?}");
    }
});
