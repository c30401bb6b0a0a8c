//! The keeper's one wake-up timer: a gloo-timers `Timeout`, replaced whenever the keeper names a
//! new wake-up time and cancelled when dropped (on dispose).

use crate::core::keeper::timer_delay;
use crate::core::Millis;
use gloo_timers::callback::Timeout;

/// Starts a timer that calls `wake` at page time `at` (`now` is the page time now); the delay is
/// clamped to what a browser timer can wait ([`timer_delay`]).
///
/// ```ignore
/// let timer = timer::wake_at(step_wake_at, Date::now() as i64, move || keeper.tick());
/// drop(timer); // cancelled
/// ```
#[must_use = "the timer is cancelled when dropped"]
pub fn wake_at(at: Millis, now: Millis, wake: impl FnOnce() + 'static) -> Timeout {
    Timeout::new(timer_delay(at, now), wake)
}
