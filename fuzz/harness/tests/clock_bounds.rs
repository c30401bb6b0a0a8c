//! The clock estimate's invariant (src/core/clock.rs, "The invariant"), as a property: for random
//! sequences of token answers (with or without `iat`, freshly minted, old or from the future,
//! expired or not, the held one again), `Date` headers (true or wrong by any number of seconds), waits, sleeps that
//! stop the monotonic clock, and steps of the page's wall clock, on a page clock that may be
//! decades off, `IssuerClock` is never behind the issuer's true clock by more than the truthful
//! bounds seen allow (`harness::bounds`, the computation the keeper fuzz target uses), and,
//! while no source lied and an `iat` was seen, never ahead of it by more than a token's optimism.
//! Run: `cargo test --test clock_bounds` in fuzz/harness.

use connect_token::core::clock::{IssuerClock, Reading, MAX_OPTIMISM, MAX_ROUND_TRIP};
use connect_token::core::keeper::CLOCK_TOLERANCE;
use connect_token::core::{Millis, Now};
use harness::bounds::{date_plausible, TrueBounds};
use proptest::prelude::*;

const T0: Millis = 1_764_000_000_000;
const DAY: Millis = 86_400_000;

#[derive(Debug, Clone)]
enum Event {
    /// Both clocks run this many ms.
    Wait(Millis),
    /// The machine sleeps this many ms with the monotonic clock standing still.
    SleepPaused(Millis),
    /// The page's wall clock alone steps this many ms (either way).
    Step(Millis),
    /// The token source answers after `latency` ms with a token minted `age` ms ago that lives
    /// `ttl_s` seconds, with or without `iat`.
    Token { age: Millis, ttl_s: Millis, latency: Millis, iat: bool },
    /// The source hands back the last token after `latency` ms.
    Again { latency: Millis },
    /// A response whose `Date` was read half-way through an `rtt` ms round trip, wrong by
    /// `wrong_s` seconds (0: true).
    Date { rtt: Millis, wrong_s: Millis },
}

fn event() -> impl Strategy<Value = Event> {
    let ms = prop_oneof![0..5_000i64, 0..20 * 60_000i64, 0..40 * DAY];
    prop_oneof![
        ms.clone().prop_map(Event::Wait),
        ms.clone().prop_map(Event::SleepPaused),
        prop_oneof![-5_000..5_000i64, -40 * DAY..40 * DAY].prop_map(Event::Step),
        // A negative age is a lie: an `iat` in the future.
        (
            prop_oneof![0..2_000i64, 0..40 * DAY, -40 * DAY..0],
            prop_oneof![0..1_000i64, 0..50_000i64],
            0..20_000i64,
            any::<bool>()
        )
            .prop_map(|(age, ttl_s, latency, iat)| Event::Token { age, ttl_s, latency, iat }),
        (0..20_000i64).prop_map(|latency| Event::Again { latency }),
        (0..70_000i64, prop_oneof![Just(0i64), Just(0), -1_000_000..1_000_000i64])
            .prop_map(|(rtt, wrong_s)| Event::Date { rtt, wrong_s }),
    ]
}

/// The issuer's true clock, the page's two clocks, and what the truthful readings allow.
struct World {
    issuer: Millis,
    mono: Millis,
    /// Page wall clock minus the issuer's.
    skew: Millis,
    clock: IssuerClock,
    truth: TrueBounds,
    /// The last token answered: `iat`, `exp`.
    last: Option<(Option<Millis>, Millis)>,
    /// A wrong `Date` was taken, or a token had an `iat` in the future: the estimate may run ahead.
    lied: bool,
}

impl World {
    fn now(&self) -> Now {
        Now { wall: self.issuer + self.skew, mono: self.mono }
    }

    /// The clocks disagreed by `ms`: the keeper tells the clock when it notices (`Keeper::see`).
    fn disagreed(&mut self, ms: Millis) {
        if ms.abs() > CLOCK_TOLERANCE {
            self.clock.clocks_disagreed(self.now());
            self.truth.wall_read(-self.skew);
        }
    }

    fn answer(&mut self, latency: Millis, iat: Option<Millis>, exp: Millis, reissued: bool) {
        let latency = latency.min(self.mono);
        self.lied |= iat.is_some_and(|iat| iat > self.issuer);
        let asked = Now { wall: self.issuer + self.skew - latency, mono: self.mono - latency };
        self.truth.token(iat.map(|iat| self.issuer - iat), -self.skew);
        if self.clock.observe(asked, self.now(), iat, exp, reissued) == Reading::Valid {
            self.truth.held(!reissued, exp <= self.issuer);
        }
        self.last = Some((iat, exp));
    }

    fn apply(&mut self, event: &Event) {
        match *event {
            Event::Wait(ms) => {
                self.issuer += ms;
                self.mono += ms;
            }
            Event::SleepPaused(ms) => {
                self.issuer += ms;
                self.truth.paused(ms);
                self.disagreed(ms);
            }
            Event::Step(ms) => {
                if self.issuer + self.skew + ms > 31_536_000_000 {
                    self.skew += ms;
                    self.disagreed(ms);
                }
            }
            Event::Token { age, ttl_s, latency, iat } => {
                let minted = (self.issuer - age).div_euclid(1_000) * 1_000;
                self.answer(latency, iat.then_some(minted), minted + ttl_s * 1_000, false);
            }
            Event::Again { latency } => {
                if let Some((iat, exp)) = self.last {
                    self.answer(latency, iat, exp, true);
                }
            }
            Event::Date { rtt, wrong_s } => {
                let rtt = rtt.min(self.mono);
                let now = self.now();
                let sent = Now { wall: now.wall - rtt, mono: now.mono - rtt };
                let date = (self.issuer - rtt / 2).div_euclid(1_000) * 1_000 + wrong_s * 1_000;
                let plausible = date_plausible(self.clock.issuer_now(now), date, rtt);
                let taken = self.clock.server_time(sent, now, date);
                if wrong_s == 0 {
                    self.truth.date(self.issuer - date, plausible);
                }
                self.lied |= wrong_s != 0 && taken;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_estimate_stays_within_the_truthful_bounds(
        skew in prop_oneof![-5_000..5_000i64, -60 * 365 * DAY..30 * 365 * DAY],
        events in prop::collection::vec(event(), 1..40),
    ) {
        let mut world = World {
            issuer: T0,
            mono: 1_000,
            skew,
            clock: IssuerClock::default(),
            truth: TrueBounds::default(),
            last: None,
            lied: false,
        };
        for (index, event) in events.iter().enumerate() {
            world.apply(event);
            let Some(allowed) = world.truth.allowed_error() else { continue };
            let estimate = world.clock.issuer_now(world.now());
            let behind = world.issuer - estimate;
            prop_assert!(behind <= allowed, "after event {index} {event:?}: {behind} ms behind, the bounds allow {allowed}");
            if !world.lied && !world.truth.follows_wall() && world.truth.has_bound() {
                let optimism = MAX_ROUND_TRIP - (MAX_OPTIMISM - 1_000);
                prop_assert!(-behind <= optimism, "after event {index} {event:?}: {} ms ahead with no lie", -behind);
            }
        }
    }
}
