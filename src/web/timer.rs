//! The keeper's one wake-up timer: a gloo-timers `Timeout`, replaced whenever the keeper names a
//! new wake-up time and cancelled when dropped (on dispose).

use crate::core::keeper::timer_delay;
use crate::core::Millis;
use gloo_timers::callback::Timeout;

/// Starts a timer that calls `wake` at monotonic time `at` (`now_mono` is the monotonic clock
/// now); the delay is clamped to what a browser timer can wait ([`timer_delay`]).
///
/// ```ignore
/// let timer = timer::wake_at(step.wake_at, clock::now().mono, move || keeper.tick());
/// drop(timer); // cancelled
/// ```
#[must_use = "the timer is cancelled when dropped"]
pub fn wake_at(at: Millis, now_mono: Millis, wake: impl FnOnce() + 'static) -> Timeout {
    Timeout::new(timer_delay(at, now_mono), wake)
}
