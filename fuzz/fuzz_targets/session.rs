//! The renewal state machine with the backend's session tokens (`initialToken`, `X-acpt`): the
//! keeper target's sessions mixed with tokens offered by three origins' backends (fresh, expired,
//! any claims, broken; of the page's user or another), requests to each origin and 401s to session
//! tokens. See harness/src/keeper_model.rs (`run_session`) for the rules checked.
#![no_main]
use harness::keeper_model::{run_session, Checks, SessionScenario};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|session: SessionScenario| {
    if let Err(broken) = run_session(&session, Checks::default()) {
        panic!("session: {broken}\nscenario: {session:?}");
    }
});
