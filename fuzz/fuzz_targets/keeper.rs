//! The renewal state machine driven by arbitrary sessions (ticks, 401s, answers good, bad and
//! late, dispose; clocks that wait, sleep, skew and jump) against a model of the Connect host.
//! See harness/src/keeper_model.rs for every rule checked.
#![no_main]
use harness::keeper_model::{run, Checks, Scenario};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: Scenario| {
    let mut checks = Checks::default();
    // FUZZ_STRICT=1 also checks the known issues (see harness/tests/known_issues.rs).
    if harness::strict() {
        checks.true_clock_after_expired_reissue = true;
        checks.fresh_accepted_when_estimate_ahead = true;
        checks.liveness_after_backward_jump = true;
        checks.fresh_accepted_after_no_iat_estimate = true;
        checks.true_clock_after_stale_newer_token = true;
        checks.true_clock_after_quiet_backward_step = true;
    }
    if let Err(broken) = run(&scenario, checks) {
        panic!("keeper: {broken}\nscenario: {scenario:?}");
    }
});
