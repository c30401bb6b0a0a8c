//! Drives `core::keeper::Keeper` through an arbitrary session against a model of the Connect
//! host and two clocks (the page's and the issuer's), and checks the keeper's rules after every
//! event:
//!
//! - `usable(now)` ⇒ `expires_at_page_time() − now.wall > FINAL_WINDOW` (the keeper's own
//!   view), and by the issuer's TRUE clock the token has more than `FINAL_WINDOW − e` left, where
//!   `e` is the error of the tightest lower bound on the offset (issuer − monotonic) that the tokens
//!   and the truthful `Date` headers seen so far give (`iat` resolution, delivery latency,
//!   host-cache age, the time a sleep stopped the monotonic clock all accounted for; a step of the
//!   page's wall clock changes nothing);
//! - a freshly minted token is never refused as expired (unless a source lied about the time);
//! - no ask while one is in flight, never two asks within `MIN_ASK_INTERVAL` (monotonic time);
//! - a late answer (stale id) changes nothing; `Release::Ready` only with a usable token;
//! - after `dispose` or a fatal failure: no more asks, empty steps;
//! - while not stopped there is always a wake-up, in the future, and with no usable token the
//!   next wake-up comes within `max(timeout, MAX_BACKOFF) + MIN_ASK_INTERVAL` (liveness);
//! - the counters agree with what was observed;
//! - the glue and the keeper agree: the model keeps the held token's string as web::keeper does
//!   (`Glued`), and holds a token exactly when the keeper does; a `renewed` answer's times are the
//!   held times; an answer that is the held token (`same_as_held`) never renews or changes them;
//!   an answer whose claims `token::times` refuses fails with `malformed-token` and that message.
//!
//! Tokens are strings, read into `token::Read` values the way web::claims reads them
//! (`tokens::read`); an answer can also be a token whose `Read` is given outright (any `exp` and
//! `iat`, NaN, infinities, subnormals) or one broken at a chosen stage of the browser's parsing.

use crate::bounds::{date_plausible, TrueBounds};
use crate::claims_check::Value;
use crate::glue::Glued;
use crate::tokens::{base64url, leaks, read, token, token_with_claims, token_without_iat, Host, HEADER_SEGMENT};
use arbitrary::Arbitrary;
use connect_token::core::clock::MAX_OPTIMISM;
use connect_token::core::error::{Code, Error};
use connect_token::core::keeper::{
    AskId, Choice, Notice, Release, Settings, Step, CLOCK_TOLERANCE, FINAL_WINDOW, LATE_WAKE, MAX_BACKOFF,
    MIN_ASK_INTERVAL,
};
use connect_token::core::options::MAX_TIMER_MS;
use connect_token::core::session::{Ignored, Subject};
use connect_token::core::token::{times, Read};
use connect_token::core::{Millis, Now};

/// Issuer time at the start of every session: 2025-11-24.
pub const T0: Millis = 1_764_000_000_000;

#[derive(Debug, Clone, Arbitrary)]
pub struct Scenario {
    pub renew_margin_s: u32,
    pub timeout: TimeoutChoice,
    pub seed: u64,
    /// Host token lifetime, 1..=7200 s.
    pub ttl_s: u16,
    pub cache_margin_s: u8,
    /// Page clock minus issuer clock, ms.
    pub skew_ms: i32,
    /// Plus this many days (a page clock years off: a dead CMOS battery), clamped so the page's
    /// clock stays after 1971.
    pub skew_days: Option<i16>,
    /// Another iframe of the app warmed the host's cache this long before the session started.
    pub prewarm_age_ms: Option<u32>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum TimeoutChoice {
    Default,
    Small(u16),
    Any(u32),
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Event {
    /// Both clocks advance by this many ms.
    Wait(u16),
    /// Both clocks advance by this many seconds.
    WaitSeconds(u16),
    /// The keeper's timer fires: both clocks advance to its wake-up and it ticks.
    WakeUp,
    /// Laptop sleep: all clocks jump this many seconds (at most 30 days), then a tick.
    Sleep(u32),
    /// Only the page's wall clock jumps (ms; negative is backwards), then a tick.
    PageJump(i32),
    Tick,
    /// A request: tick, then take the usable token.
    Request,
    /// A 401 for the held token (or `token({forceRefresh})`).
    ForceHeld,
    /// A 401 for a token that is not the held one.
    ForceOther(u32),
    /// The token source answers the ask in flight (or, with none in flight, the last one).
    Answer(Answer),
    /// An answer with an id that is not the ask in flight.
    AnswerStale(u8, Answer),
    Dispose,
    /// Laptop sleep during which the monotonic clock stood still: the wall clock and the issuer's
    /// jump this many seconds (at most 30 days), then a tick.
    SleepPaused(u32),
    /// A response from the backend with a `Date` header, read half-way through a round trip of
    /// `rtt` ms; off by `wrong_s` seconds if given (a wrong server clock).
    ServerDate {
        rtt: u16,
        wrong_s: Option<i32>,
    },
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Answer {
    /// The host model answers (cache or mint), minted up to `latency` ms before it arrives.
    Host {
        latency: u16,
    },
    /// A freshly minted token bypassing the cache, minted `age_ms` ago.
    Fresh {
        ttl_s: u16,
        age_ms: u32,
        no_iat: bool,
    },
    /// The held token again.
    Held,
    /// A token whose `exp` passed `by_s` seconds ago.
    Expired {
        by_s: u16,
    },
    /// Any string (usually not three segments).
    Malformed(String),
    /// A token broken at one stage of the browser's reading (or with claims that `times` refuses).
    Broken(Broken, String),
    /// A token whose claims the browser read as these values (`Read::Claims`).
    Claims {
        exp: Claim,
        iat: Claim,
    },
    Error {
        fatal: bool,
    },
}

/// Where a `Broken` token goes wrong, and the `Read` the browser makes of it.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Broken {
    /// Two segments: `Segments`.
    TwoSegments,
    /// A claims segment with `=` in it (base64, not base64url): `Base64`.
    Padded,
    /// A claims segment of 4n+1 characters: `Base64`.
    BadLength,
    /// Claims bytes that are not UTF-8: `Utf8`.
    NotUtf8,
    /// Claims text that is not JSON: `Json`.
    NotJson,
    /// Claims that are a JSON string: `NotAnObject`.
    NotAnObject,
    /// Claims without `exp`: `Claims { exp: None, .. }`.
    NoExp,
    /// `exp` a string: `Claims { exp: Some(NaN), .. }`.
    ExpNotANumber,
}

/// A claim's value as the browser read it.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Claim {
    Absent,
    /// Present but not a number (NaN).
    NotANumber,
    /// This many seconds after the issuer's now (before it, if negative).
    FromNow(i32),
    /// Any number.
    Number(Value),
}

impl Claim {
    fn get(self, issuer_now: Millis) -> Option<f64> {
        match self {
            Claim::Absent => None,
            Claim::NotANumber => Some(f64::NAN),
            Claim::FromNow(s) => Some((issuer_now / 1000 + i64::from(s)) as f64),
            Claim::Number(value) => Some(value.get()),
        }
    }
}

impl Broken {
    /// The token, and the `Read` the browser must make of it.
    fn token(self, text: &str) -> (String, Read) {
        let header = HEADER_SEGMENT;
        let claims = |json: &str| base64url(json.as_bytes());
        let quoted = serde_json::to_string(text).unwrap_or_default();
        match self {
            Broken::TwoSegments => (format!("{header}.{}", claims(r#"{"exp":1764000900}"#)), Read::Segments),
            Broken::Padded => (format!("{header}.{}=.sig", claims(text)), Read::Base64),
            Broken::BadLength => {
                let mut segment = claims(text);
                segment.truncate(segment.len() / 4 * 4);
                (format!("{header}.{segment}A.sig"), Read::Base64)
            }
            Broken::NotUtf8 => {
                let mut bytes = vec![0xff];
                bytes.extend_from_slice(text.as_bytes());
                (format!("{header}.{}.sig", base64url(&bytes)), Read::Utf8)
            }
            Broken::NotJson => (format!("{header}.{}.sig", claims(&format!("{{{text},"))), Read::Json),
            Broken::NotAnObject => (format!("{header}.{}.sig", claims(&quoted)), Read::NotAnObject),
            Broken::NoExp => (
                token_with_claims(&format!(r#"{{"iat":1764000000,"t":{quoted}}}"#)),
                Read::Claims { exp: None, iat: Some(1_764_000_000.0) },
            ),
            Broken::ExpNotANumber => {
                (token_with_claims(&format!(r#"{{"exp":{quoted}}}"#)), Read::Claims { exp: Some(f64::NAN), iat: None })
            }
        }
    }
}

/// Which checks run (all by default).
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    /// Check the true-clock bound (see the module docs).
    pub true_clock: bool,
    /// Keep checking it after the held token came back while the keeper's estimate said it had
    /// expired (on by default; known issue K2, fixed: the estimate was reset to "minted just now").
    pub true_clock_after_expired_reissue: bool,
    /// Check that a freshly minted token (≤ 2 s old, ≥ 60 s to live, with `iat`) is accepted
    /// even when the estimate is known to run ahead of the issuer (on by default; known issue K1, fixed).
    pub fresh_accepted_when_estimate_ahead: bool,
    /// Check liveness even after the page clock stepped backwards (on by default; a known issue,
    /// fixed: see tests/known_issues.rs).
    pub liveness_after_backward_jump: bool,
    /// Let the first token come from a warm host cache.
    pub allow_prewarm: bool,
    /// Keep checking the true clock after a token minted after every token seen, but already
    /// expired, was answered (on by default; known issue K5, fixed: the estimate was reset to it).
    pub true_clock_after_stale_newer_token: bool,
    /// Hold the keeper to the true clock after a backward step of the page's clock that followed
    /// time without a reading (known issue K7, fixed: the estimate is monotonic; no longer read,
    /// kept so that old replays compile).
    pub true_clock_after_quiet_backward_step: bool,
    /// Check that a fresh token is accepted even when the estimate came from a token without
    /// `iat` and no token with `iat` was accepted since (on by default; known issue K6, fixed).
    pub fresh_accepted_after_no_iat_estimate: bool,
}

impl Default for Checks {
    fn default() -> Checks {
        // All on: every known issue is fixed (see tests/known_issues.rs); the flags stay for
        // replaying old findings against older code.
        Checks {
            true_clock: true,
            true_clock_after_expired_reissue: true,
            fresh_accepted_when_estimate_ahead: true,
            liveness_after_backward_jump: true,
            allow_prewarm: true,
            fresh_accepted_after_no_iat_estimate: true,
            true_clock_after_stale_newer_token: true,
            true_clock_after_quiet_backward_step: true,
        }
    }
}

/// What one session did, for the tests.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub asks: u32,
    pub renewals: u32,
    pub handed_out: u32,
    /// Tokens handed out although by the issuer's true clock they had expired.
    pub truly_expired_handed_out: u32,
    pub events: u32,
}

struct Run {
    /// The keeper, driven as web::keeper drives it (the held token's string kept beside it).
    keeper: Glued,
    host: Host,
    checks: Checks,
    timeout: Millis,
    page_now: Millis,
    /// page − issuer.
    skew: Millis,
    in_flight: Option<(AskId, Millis)>,
    /// When the ask in flight times out (forward page time), and whether it was asked again
    /// because the previous one's timeout passed while the page was not running.
    in_flight_deadline: Millis,
    in_flight_resumed: bool,
    last_id: Option<AskId>,
    /// The page's monotonic clock: stands still only while the machine sleeps (`SleepPaused`).
    mono: Millis,
    /// The monotonic time of the keeper's latest event.
    last_event_mono: Millis,
    last_ask_at: Option<Millis>,
    wake_at: Option<Millis>,
    stopped: bool,
    disposed: bool,
    went_back: bool,
    /// The held token came back while the keeper's estimate said it had expired (issue K2).
    estimate_reset: bool,
    /// A stale token newer than every token accepted was answered (issue K5).
    stale_newer: bool,
    /// The latest `iat` of the tokens answered and not refused as expired.
    latest_iat: Option<Millis>,
    /// What the truthful tokens and `Date` headers seen allow the estimate to be (the bound the
    /// true-clock check holds the keeper to).
    truth: TrueBounds,
    /// A source lied about the issuer's time (a `Date` header off, a token with `iat` in the
    /// future): the keeper's estimate may run ahead of the issuer's clock.
    lied: bool,
    expired_noticed_for: Option<String>,
    renewed_notices: u32,
    failed_notices: u32,
    nonce: u64,
    summary: Summary,
    /// The host's token was asked for (a request chose it or waits for it) since the latest arrived.
    demand: bool,
    /// The page's user: the host token's `sub` once one arrived, else the first session token's.
    user: Option<Subject>,
    /// The session token the glue keeps for each origin, and the user it speaks for.
    sessions: Vec<(usize, String, Subject)>,
    /// The keeper is about to see its clocks disagree: it must drop every session token.
    clocks_disagreed: bool,
}

/// Runs `scenario` and returns what happened, or the first broken rule.
pub fn run(scenario: &Scenario, checks: Checks) -> Result<Summary, String> {
    run_with(scenario, None, &[], checks)
}

/// Runs a session with the backend's session tokens: `scenario`'s settings and events, then
/// `session.events`, the page having come with `session.initial`.
pub fn run_session(session: &SessionScenario, checks: Checks) -> Result<Summary, String> {
    run_with(&session.setup, session.initial.as_ref(), &session.events, checks)
}

fn run_with(scenario: &Scenario, initial: Option<&Offered>, more: &[Mixed], checks: Checks) -> Result<Summary, String> {
    let timeout = match scenario.timeout {
        TimeoutChoice::Default => 10_000,
        TimeoutChoice::Small(ms) => Millis::from(ms).max(1),
        TimeoutChoice::Any(ms) => Millis::from(ms).clamp(1, MAX_TIMER_MS as Millis),
    };
    let settings = Settings {
        renew_margin: Millis::from(scenario.renew_margin_s % 86_401) * 1000,
        timeout,
        jitter_seed: scenario.seed,
        page_origin: Some(0),
    };
    let mut host = Host::new(i64::from(scenario.ttl_s % 7200) + 1, i64::from(scenario.cache_margin_s));
    if let (Some(age), true) = (scenario.prewarm_age_ms, checks.allow_prewarm) {
        host.prewarm(T0, Millis::from(age));
    }
    let days = Millis::from(scenario.skew_days.unwrap_or(0)) * 86_400_000;
    let skew = (Millis::from(scenario.skew_ms) + days).max(-(T0 - 31_536_000_000));
    let mut run = Run {
        keeper: Glued::new(settings),
        host,
        checks,
        timeout,
        page_now: T0 + skew,
        skew,
        in_flight: None,
        in_flight_deadline: 0,
        in_flight_resumed: false,
        last_id: None,
        mono: 1_000,
        last_event_mono: 1_000,
        last_ask_at: None,
        wake_at: None,
        stopped: false,
        disposed: false,
        went_back: false,
        estimate_reset: false,
        stale_newer: false,
        latest_iat: None,
        truth: TrueBounds::default(),
        lied: false,
        expired_noticed_for: None,
        renewed_notices: 0,
        failed_notices: 0,
        nonce: 1_000_000,
        summary: Summary::default(),
        demand: false,
        user: None,
        sessions: Vec::new(),
        clocks_disagreed: false,
    };
    if let Some(initial) = initial {
        run.initial(initial)?;
    }
    let now = run.now();
    let step = run.keeper.tick(now);
    run.after(step, "first tick")?;
    let trace = std::env::var_os("HARNESS_TRACE").is_some();
    for (index, event) in scenario.events.iter().enumerate() {
        if trace {
            let held = run.keeper.held().map(|h| h.expires_at);
            eprintln!(
                "#{index} page {} issuer {} held {:?} expires_page {:?} usable {} in_flight {:?} | {event:?}",
                run.page_now,
                run.issuer_now(),
                held,
                run.keeper.expires_at_page_time(),
                run.keeper.usable(run.now()).is_some(),
                run.in_flight
            );
        }
        run.event(event).map_err(|error| format!("event {index} {event:?}: {error}"))?;
        run.summary.events += 1;
    }
    for (index, event) in more.iter().enumerate() {
        if trace {
            eprintln!("session #{index} page {} issuer {} | {event:?}", run.page_now, run.issuer_now());
        }
        run.mixed(event).map_err(|error| format!("session event {index} {event:?}: {error}"))?;
        run.summary.events += 1;
    }
    Ok(run.summary)
}

impl Run {
    fn issuer_now(&self) -> Millis {
        self.page_now - self.skew
    }

    /// The reading of the page's two clocks now.
    fn now(&self) -> Now {
        Now { wall: self.page_now, mono: self.mono }
    }

    /// Time passes: every clock advances.
    fn advance(&mut self, ms: Millis) {
        self.page_now += ms.max(0);
        self.mono += ms.max(0);
    }

    fn event(&mut self, event: &Event) -> Result<(), String> {
        match event {
            Event::Wait(ms) => {
                self.advance(Millis::from(*ms));
                Ok(())
            }
            Event::WaitSeconds(s) => {
                self.advance(Millis::from(*s) * 1000);
                Ok(())
            }
            Event::WakeUp => {
                if let Some(at) = self.wake_at {
                    self.advance(at - self.mono);
                }
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")
            }
            Event::Sleep(s) => {
                self.advance(Millis::from(*s % (30 * 86_400)) * 1000);
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")
            }
            Event::PageJump(ms) => {
                let ms = Millis::from(*ms);
                if self.page_now + ms < 31_536_000_000 {
                    return Ok(());
                }
                // Only the wall clock steps: the estimate (issuer − monotonic) and every bound on
                // it stay as they were.
                self.page_now += ms;
                self.skew += ms;
                self.went_back |= ms < 0;
                self.disagreement(ms);
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")
            }
            Event::SleepPaused(s) => {
                // The issuer's clock and the wall clock advance, the monotonic clock does not: the
                // offset grows by the sleep, so every bound's error does too.
                let ms = Millis::from(*s % (30 * 86_400)) * 1000;
                self.page_now += ms;
                self.truth.paused(ms);
                self.disagreement(ms);
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")
            }
            Event::ServerDate { rtt, wrong_s } => {
                let rtt = Millis::from(*rtt).min(self.mono);
                let sent = Now { wall: self.page_now - rtt, mono: self.mono - rtt };
                // As the glue does (src/web/fetch.rs): a Date only when the keeper wants one.
                if !self.keeper.server_time_due(sent) {
                    return Ok(());
                }
                let wrong = Millis::from(wrong_s.unwrap_or(0)) * 1000;
                let date = (self.issuer_now() - rtt / 2).div_euclid(1000) * 1000 + wrong;
                self.lied |= wrong != 0;
                let now = self.now();
                let plausible = date_plausible(self.keeper.issuer_now(now), date, rtt);
                let step = self.keeper.server_time(sent, now, date);
                if wrong == 0 {
                    self.truth.date(self.issuer_now() - date, plausible);
                }
                self.after(step, "server time")
            }
            Event::Tick => {
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")
            }
            Event::Request => {
                let now = self.now();
                let step = self.keeper.tick(now);
                self.after(step, "tick")?;
                if self.keeper.usable(self.now()).is_some() {
                    self.summary.handed_out += 1;
                }
                Ok(())
            }
            Event::ForceHeld => {
                let raw = self.keeper.held_token().map(str::to_string);
                let now = self.now();
                let step = self.keeper.force(now, raw.as_deref().unwrap_or_default());
                self.after(step, "force")?;
                if raw.is_some() && self.keeper.usable_token(self.now()) == raw.as_deref() {
                    return Err("the rejected token is still handed out after force".into());
                }
                Ok(())
            }
            Event::ForceOther(n) => {
                let before = self.keeper.usable_token(self.now()).map(str::to_string);
                let held_before = self.keeper.held().cloned();
                let other = token(T0 / 1000, i64::from(*n), u64::from(*n));
                if self.keeper.is_held(&other) {
                    return Ok(());
                }
                let now = self.now();
                let step = self.keeper.force(now, &other);
                self.after(step, "force other")?;
                let after = self.keeper.usable_token(self.now()).map(str::to_string);
                if before.is_some() && after != before {
                    return Err("forcing a token that is not held changed the usable token".into());
                }
                if self.keeper.held() != held_before.as_ref() {
                    return Err("forcing a token that is not held changed the held token".into());
                }
                Ok(())
            }
            Event::Answer(answer) => {
                let Some(id) = self.in_flight.map(|(id, _)| id).or(self.last_id) else {
                    return Ok(());
                };
                self.answer(id, answer)
            }
            Event::AnswerStale(k, answer) => {
                let current = self.in_flight.map(|(id, _)| id);
                let base = self.last_id.unwrap_or(0);
                let id = if k % 2 == 0 { base.saturating_sub(u64::from(*k / 2) + 1) } else { base + u64::from(*k) };
                if Some(id) == current {
                    return Ok(());
                }
                self.answer(id, answer)
            }
            Event::Dispose => {
                let step = self.keeper.dispose();
                let first = !self.disposed && !self.stopped;
                if first && !matches!(&step.release, Some(Release::Failed(e)) if e.code == Code::Disposed) {
                    return Err(format!("dispose released {:?}", step.release));
                }
                if !first && step != Step::default() {
                    return Err(format!("dispose of a stopped keeper gave {step:?}"));
                }
                if step.ask.is_some() || step.wake_at.is_some() {
                    return Err("dispose asked or scheduled".into());
                }
                self.disposed = true;
                self.stopped = true;
                self.in_flight = None;
                if self.keeper.stopped_by().map(|e| e.code) != Some(Code::Disposed) && first {
                    return Err(format!("stopped_by after dispose is {:?}", self.keeper.stopped_by()));
                }
                self.check_state()
            }
        }
    }

    fn answer(&mut self, id: AskId, answer: &Answer) -> Result<(), String> {
        let ask_issuer_time = self.in_flight.filter(|(f, _)| *f == id).map(|(_, at)| at);
        let issuer_now = self.issuer_now();
        let minted_before = self.host.minted();
        let mut fresh_mint = false;
        let with_read = |raw: String| {
            let read = read(&raw);
            (raw, read)
        };
        // The token answered and what the browser read from it, or the source's failure.
        let raw: Result<(String, Read), Error> = match answer {
            Answer::Host { latency } => {
                let minted = ask_issuer_time.unwrap_or(issuer_now).max(issuer_now - Millis::from(*latency));
                let raw = self.host.answer(minted.min(issuer_now));
                fresh_mint = self.host.minted() > minted_before && issuer_now - minted <= 1_000 && self.host.ttl >= 60;
                Ok(with_read(raw))
            }
            Answer::Fresh { ttl_s, age_ms, no_iat } => {
                self.nonce += 1;
                let iat = (issuer_now - Millis::from(*age_ms)).div_euclid(1000);
                let ttl = i64::from(*ttl_s);
                fresh_mint = !*no_iat && *age_ms <= 1_000 && ttl >= 60;
                Ok(with_read(if *no_iat {
                    token_without_iat(iat + ttl, self.nonce)
                } else {
                    token(iat, ttl, self.nonce)
                }))
            }
            Answer::Held => match (self.keeper.held_token(), self.keeper.held_read()) {
                (Some(raw), Some(read)) => Ok((raw.to_string(), read)),
                _ => Ok(with_read(self.host.answer(issuer_now))),
            },
            Answer::Expired { by_s } => {
                self.nonce += 1;
                let exp = issuer_now.div_euclid(1000) - i64::from(*by_s);
                Ok(with_read(token(exp - 900, 900, self.nonce)))
            }
            Answer::Malformed(text) => Ok(with_read(text.clone())),
            Answer::Broken(broken, text) => {
                let (raw, want) = broken.token(text);
                let got = read(&raw);
                if !same_shape(got, want) {
                    return Err(format!("harness: {broken:?} token {raw:?} read as {got:?}, not {want:?}"));
                }
                Ok((raw, got))
            }
            Answer::Claims { exp, iat } => {
                self.nonce += 1;
                let read = Read::Claims { exp: exp.get(issuer_now), iat: iat.get(issuer_now) };
                Ok((format!("{HEADER_SEGMENT}.given-claims-{}.sig", self.nonce), read))
            }
            Answer::Error { fatal: true } => Err(Error::fatal(Code::HostUnavailable, "no AP")),
            Answer::Error { fatal: false } => Err(Error::new(Code::HostError, "Host error 503")),
        };
        let judged = raw.as_ref().ok().map(|(_, read)| times(*read));
        let live = self.in_flight.is_some_and(|(f, _)| f == id) && !self.stopped;
        let held_before = self.keeper.held().cloned();
        let held_token_before = self.keeper.held_token().map(str::to_string);
        let same_as_held = raw.as_ref().is_ok_and(|(raw, _)| self.keeper.is_held(raw));
        let renewals_before = self.keeper.stats().renewals;
        let estimate_ahead = self.truth.observed() && !self.truth.has_bound();
        let follows_wall = self.truth.follows_wall();
        if live {
            if let Some(judged) = judged {
                if same_as_held && self.keeper.expires_at_page_time().is_some_and(|at| at <= self.page_now) {
                    self.estimate_reset = true;
                }
                self.observe(judged.ok());
            }
        }
        let given = raw.as_ref().map(|(raw, read)| (raw.as_str(), *read)).map_err(Clone::clone);
        let now = self.now();
        let step = self.keeper.answered_as(now, id, given);
        let renewed = step.notices.contains(&Notice::Renewed);
        if live {
            self.in_flight = None;
        } else {
            if renewed || self.keeper.stats().renewals != renewals_before {
                return Err("a stale answer renewed".into());
            }
            if self.keeper.held() != held_before.as_ref() || self.keeper.held_token() != held_token_before.as_deref() {
                return Err("a stale answer changed the held token".into());
            }
            if step.release == Some(Release::Ready) {
                return Err("a stale answer released the waiters".into());
            }
        }
        // The glue and the keeper agree on what is held.
        if renewed {
            let expires_at = match judged {
                Some(Ok(judged)) => judged.expires_at,
                _ => return Err(format!("renewed on an answer that times() refuses: {judged:?}")),
            };
            if same_as_held {
                return Err("the held token, answered again, counted as a new token".into());
            }
            if self.keeper.held().map(|held| held.expires_at) != Some(expires_at) {
                return Err(format!("renewed, but holds {:?}, not exp {expires_at}", self.keeper.held()));
            }
        }
        if live && same_as_held && self.keeper.held() != held_before.as_ref() {
            return Err("the held token, answered again, changed what is held".into());
        }
        if let (true, Some(Err(message))) = (live, judged) {
            let failed = step
                .notices
                .iter()
                .any(|n| matches!(n, Notice::Failed(e) if e.code == Code::MalformedToken && e.message == message));
            if !failed || !matches!(&step.release, Some(Release::Failed(e)) if e.code == Code::MalformedToken) {
                return Err(format!("an answer times() refuses ({message}) did not fail as malformed-token: {step:?}"));
            }
        }
        let refused_expired =
            step.notices.iter().any(|n| matches!(n, Notice::Failed(e) if e.code == Code::ExpiredToken));
        if let (true, Some(Ok(decoded))) = (live, judged) {
            let newer = decoded.issued_at.is_some_and(|iat| self.latest_iat.is_none_or(|latest| iat > latest));
            let stale = decoded.expires_at - issuer_now <= FINAL_WINDOW;
            if newer && stale {
                self.stale_newer = true;
            }
            if !refused_expired {
                self.latest_iat = self.latest_iat.max(decoded.issued_at);
            }
        }
        let k1 = estimate_ahead && !self.checks.fresh_accepted_when_estimate_ahead;
        let k6 = follows_wall && !self.checks.fresh_accepted_after_no_iat_estimate;
        // A token minted just now, asked for and answered within MAX_OPTIMISM − 1 s, is never
        // refused as expired: the estimate is monotonic, so no step of the page's wall clock and
        // no sleep makes it run ahead of the issuer's clock; only a source that lied can.
        let round_trip = ask_issuer_time.map_or(Millis::MAX, |asked| issuer_now - asked);
        let evidence = fresh_mint && round_trip <= MAX_OPTIMISM - 1_000;
        if live && evidence && refused_expired && !k1 && !k6 && !self.lied {
            return Err("a freshly minted token was refused as expired".into());
        }
        if live && judged.is_some_and(|j| j.is_ok_and(|d| d.issued_at.is_some_and(|iat| iat > issuer_now))) {
            self.lied = true; // a token minted in the future
        }
        if live && (renewed || same_as_held) && !refused_expired {
            if let Some(Ok(decoded)) = judged {
                // A token the source handed out already expired: a truthful Date contradicts it.
                self.truth.held(renewed, decoded.expires_at <= issuer_now);
            }
        }
        if let (Ok((raw, _)), Some(Release::Failed(error))) = (&raw, &step.release) {
            if leaks(&error.message, raw) {
                return Err(format!("an error message carries the answer: {}", error.message));
            }
        }
        self.after(step, "answered")
    }

    /// The wall clock moved `ms` more than the monotonic clock since the keeper's latest event: if
    /// the keeper sees it (as `Keeper::see` does), it takes an estimate from the wall clock again.
    fn disagreement(&mut self, ms: Millis) {
        let elapsed = self.mono - self.last_event_mono;
        if ms.abs() > CLOCK_TOLERANCE + elapsed.max(0) / 1_000 {
            self.truth.wall_read(-self.skew);
            self.clocks_disagreed = true;
        }
    }

    /// Updates the bounds for a token the keeper is about to judge (`None`: its claims are
    /// refused). Every token's iat bounds the issuer's clock, whether the keeper accepts the token
    /// or refuses it as expired (issue 19; an iat equal to exp included).
    fn observe(&mut self, judged: Option<connect_token::core::token::Times>) {
        let Some(decoded) = judged else { return };
        let issuer_now = self.issuer_now();
        self.truth.token(decoded.issued_at.map(|iat| issuer_now - iat), issuer_now - self.page_now);
    }

    /// Checks a step and the keeper's state after it.
    fn after(&mut self, step: Step, what: &str) -> Result<(), String> {
        let now = self.now();
        let mono = self.mono;
        let previous_mono = self.last_event_mono;
        self.last_event_mono = mono;
        if std::mem::take(&mut self.clocks_disagreed) && self.held_sessions().next().is_some() {
            return Err(format!("{what}: the clocks disagreed (a sleep, a step) and a session token is still held"));
        }
        if self.stopped {
            // Stopped before this step (dispose, or a fatal failure in an earlier step).
            if step != Step::default() {
                return Err(format!("{what} on a stopped keeper gave {step:?}"));
            }
            return self.check_state();
        }
        let timed_out = step.notices.iter().any(|n| matches!(n, Notice::Failed(e) if e.code == Code::Timeout));
        if timed_out {
            if self.in_flight.is_none() {
                return Err("a timeout with no ask in flight".into());
            }
            self.in_flight = None;
            if step.ask.is_some() {
                return Err("timed out and asked again in the same step".into());
            }
        }
        for notice in &step.notices {
            match notice {
                Notice::Renewed => {
                    self.renewed_notices += 1;
                    self.expired_noticed_for = None;
                    self.demand = false;
                    self.user = Some(host_user());
                }
                Notice::Failed(error) => {
                    self.failed_notices += 1;
                    if error.fatal {
                        self.stopped = true;
                    }
                }
                Notice::Expired => {
                    let held = self.keeper.held_token().map(str::to_string);
                    if held.is_none() {
                        return Err("expired notice without a held token".into());
                    }
                    if self.expired_noticed_for.is_some() {
                        return Err("expired noticed twice for one token".into());
                    }
                    self.expired_noticed_for = held;
                }
            }
        }
        if let Some(id) = step.ask {
            if self.stopped {
                return Err("asked after a fatal failure".into());
            }
            let mut resumed = false;
            if let Some((pending, _)) = self.in_flight {
                // Allowed once: the ask's timeout passed while the page was not running (no event
                // between its deadline and a wake-up more than LATE_WAKE after it).
                let deadline = self.in_flight_deadline;
                let overslept = previous_mono < deadline && self.mono - deadline > LATE_WAKE;
                if !overslept || self.in_flight_resumed {
                    return Err(format!("asked ({id}) while ask {pending} is in flight"));
                }
                resumed = true;
            }
            if let Some(last) = self.last_ask_at {
                if self.mono - last < MIN_ASK_INTERVAL {
                    return Err(format!("asked {} ms (forward page time) after the previous ask", self.mono - last));
                }
            }
            if self.last_id.is_some_and(|last| id <= last) {
                return Err(format!("ask id {id} not new"));
            }
            self.in_flight = Some((id, self.issuer_now()));
            self.in_flight_deadline = self.mono + self.timeout;
            self.in_flight_resumed = resumed;
            self.last_id = Some(id);
            self.last_ask_at = Some(self.mono);
            self.summary.asks += 1;
        }
        if step.release == Some(Release::Ready) && self.keeper.usable(now).is_none() {
            return Err("released waiters as ready without a usable token".into());
        }
        if !self.stopped {
            match step.wake_at {
                None => return Err(format!("{what}: no wake-up while running")),
                Some(at) if at <= mono => return Err(format!("{what}: wake-up {at} not after now {mono}")),
                Some(at) => {
                    // Proactive renewal: with a usable token, no ask in flight and no failure
                    // being backed off, the keeper wakes before the token enters its final window.
                    // While session tokens serve and nobody asked for the host's token, the host's
                    // token may lapse: the keeper wakes by the first session token's lapse.
                    let lazy = !self.demand && self.held_sessions().next().is_some();
                    if let Some(lapse) = self.held_sessions().map(|held| held.expires_at - FINAL_WINDOW).min() {
                        let lapse_mono = self.keeper.page_time(lapse).unwrap_or(Millis::MAX) - now.wall + mono;
                        if at > lapse_mono.max(mono + 1) {
                            return Err(format!(
                                "{what}: a session token lapses at {lapse_mono} but the next wake-up is at {at}"
                            ));
                        }
                    }
                    let liveness = !lazy && (!self.went_back || self.checks.liveness_after_backward_jump);
                    let quiet = liveness && self.in_flight.is_none() && self.keeper.last_error().is_none();
                    if let (true, Some(_), Some(expires)) =
                        (quiet, self.keeper.usable(now), self.keeper.expires_at_page_time())
                    {
                        // In monotonic time, as wake-ups are.
                        let expires = expires - now.wall + mono;
                        let can_ask = self.last_ask_at.map_or(mono, |last| last + MIN_ASK_INTERVAL).max(mono);
                        if at > expires - FINAL_WINDOW && expires - FINAL_WINDOW > can_ask {
                            return Err(format!(
                                "{what}: usable token enters its final window at {} but the next wake-up is at {at}",
                                expires - FINAL_WINDOW
                            ));
                        }
                    }
                    let bound = self.timeout.max(MAX_BACKOFF) + MIN_ASK_INTERVAL;
                    if liveness && self.keeper.usable(now).is_none() && at - mono > bound {
                        return Err(format!(
                            "{what}: no usable token and the next wake-up is {} ms away (bound {bound})",
                            at - mono
                        ));
                    }
                }
            }
            self.wake_at = step.wake_at;
        }
        self.check_state()
    }

    fn check_state(&mut self) -> Result<(), String> {
        let now = self.now();
        let keeper = &self.keeper;
        if keeper.held().is_some() != keeper.expires_at_page_time().is_some() {
            return Err("held and expires_at_page_time disagree".into());
        }
        if keeper.held().is_some() != keeper.held_token().is_some() {
            return Err(format!("the keeper holds {:?} but the glue {:?}", keeper.held(), keeper.held_token()));
        }
        if let Some(usable) = keeper.usable(now) {
            if self.stopped {
                return Err("a stopped keeper hands out a token".into());
            }
            if keeper.held() != Some(usable) {
                return Err("usable is not the held token".into());
            }
            let expires = keeper.expires_at_page_time().unwrap_or(Millis::MIN);
            if expires.saturating_sub(now.wall) <= FINAL_WINDOW {
                return Err(format!("usable with {} ms left by the keeper's own estimate", expires - now.wall));
            }
            let true_remaining = usable.expires_at - self.issuer_now();
            if true_remaining <= 0 {
                self.summary.truly_expired_handed_out += 1;
            }
            let checked = (!self.estimate_reset || self.checks.true_clock_after_expired_reissue)
                && (!self.stale_newer || self.checks.true_clock_after_stale_newer_token);
            if self.checks.true_clock && checked {
                // A bound that a forward jump made too high is no longer a lower bound: the
                // keeper may drop it, but must not then hand out a token the issuer has expired.
                let error = self.truth.allowed_error().unwrap_or(0);
                if true_remaining <= FINAL_WINDOW - error {
                    return Err(format!(
                        "usable with {true_remaining} ms left by the issuer's true clock; the tokens seen bound the estimate's error to {error} ms"
                    ));
                }
            }
        }
        let stats = keeper.stats();
        if stats.host_calls != self.summary.asks {
            return Err(format!("host_calls {} but {} asks seen", stats.host_calls, self.summary.asks));
        }
        if stats.renewals != self.renewed_notices {
            return Err(format!("renewals {} but {} renewed notices", stats.renewals, self.renewed_notices));
        }
        if stats.failures != self.failed_notices {
            return Err(format!("failures {} but {} failed notices", stats.failures, self.failed_notices));
        }
        self.summary.renewals = stats.renewals;
        use connect_token::core::keeper::Status;
        let status = keeper.status();
        let usable = keeper.usable(now).is_some();
        let page_session = keeper.session_token(PAGE).is_some() && !self.stopped;
        for origin in 0..ORIGINS {
            if keeper.session_token(origin).is_some() && !self.sessions.iter().any(|(o, _, _)| *o == origin) {
                return Err(format!("the keeper holds a session token for origin {origin} the glue never kept"));
            }
        }
        if (status == Status::Fresh) != ((usable || page_session) && self.in_flight.is_none()) {
            return Err(format!("status {status:?} but usable(now) is {usable}, in flight {:?}", self.in_flight));
        }
        // Renewing: an ask is in flight, or one is due (a held token that may not be handed out, no
        // failure to report instead).
        let due = keeper.held().is_some() && !usable && !self.stopped && keeper.last_error().is_none();
        let renewing = status == Status::Renewing;
        if self.in_flight.is_some() && !renewing || renewing && !(self.in_flight.is_some() || due) {
            return Err(format!("status {status:?} but the model has in flight {:?} (due {due})", self.in_flight));
        }
        if self.stopped != keeper.stopped_by().is_some() {
            return Err(format!("model stopped {} but stopped_by {:?}", self.stopped, keeper.stopped_by()));
        }
        Ok(())
    }
}

/// Whether two `Read`s have the same shape and, for claims, the same values (NaN equal to NaN).
fn same_shape(a: Read, b: Read) -> bool {
    let bits = |v: Option<f64>| v.map(|v| if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() });
    match (a, b) {
        (Read::Claims { exp: e1, iat: i1 }, Read::Claims { exp: e2, iat: i2 }) => {
            bits(e1) == bits(e2) && bits(i1) == bits(i2)
        }
        _ => a == b,
    }
}

/// The page's own origin (the keeper's `page_origin`) and how many allowed origins a session has.
const PAGE: usize = 0;
const ORIGINS: usize = 3;
/// The user every host token speaks for (`tokens::claims`).
fn host_user() -> Subject {
    Subject::Text(crate::tokens::SUB.into())
}

/// A session with the backend's session tokens (the `session` fuzz target): the keeper target's
/// scenario, then events that mix its events with session tokens offered by backends, requests to
/// origins and 401s to session tokens.
#[derive(Debug, Clone, Arbitrary)]
pub struct SessionScenario {
    /// The page came with this token (`initialToken`).
    pub initial: Option<Offered>,
    pub setup: Scenario,
    pub events: Vec<Mixed>,
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Mixed {
    Keeper(Event),
    /// A 2xx response from origin `origin % 3` offered this token (`sessionTokenHeader`).
    Offer {
        origin: u8,
        token: Offered,
    },
    /// A request to origin `n % 3`: which token it carries.
    RequestTo(u8),
    /// Origin `origin % 3` answered 401 to a session token (`held`: the one held, else an older one).
    RejectBackend {
        origin: u8,
        held: bool,
    },
}

/// A session token, as a backend answers it.
#[derive(Debug, Clone, Arbitrary)]
pub struct Offered {
    pub kind: OfferedKind,
    pub user: OfferedUser,
}

#[derive(Debug, Clone, Arbitrary)]
pub enum OfferedKind {
    /// Minted by a truthful backend `age_ms` ago, `ttl_s` seconds to live (ACE: 900).
    Fresh { ttl_s: u16, age_ms: u32 },
    /// A token whose `exp` passed `by_s` seconds ago.
    Expired { by_s: u16 },
    /// Claims the browser read as these values.
    Claims { exp: Claim, iat: Claim },
    /// A token broken at one stage of the browser's reading.
    Broken(Broken, String),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum OfferedUser {
    /// The host token's `sub`.
    Page,
    Other,
    Absent,
    /// A `sub` that is not a string.
    NotAString,
}

impl OfferedUser {
    fn subject(self) -> Subject {
        match self {
            OfferedUser::Page => host_user(),
            OfferedUser::Other => Subject::Text("712020:someone-else".into()),
            OfferedUser::Absent => Subject::Absent,
            OfferedUser::NotAString => Subject::Other,
        }
    }
}

impl Run {
    /// The token string, what the browser reads from it, and its user.
    fn offered_token(&mut self, offered: &Offered, origin: usize) -> Result<(String, Read, Subject), String> {
        self.nonce += 1;
        let issuer_now = self.issuer_now();
        let raw = format!("{HEADER_SEGMENT}.session-o{origin}-{}.sig", self.nonce);
        let read = match &offered.kind {
            OfferedKind::Fresh { ttl_s, age_ms } => {
                let iat = (issuer_now - Millis::from(*age_ms)).div_euclid(1000);
                Read::Claims { exp: Some((iat + i64::from(*ttl_s)) as f64), iat: Some(iat as f64) }
            }
            OfferedKind::Expired { by_s } => {
                let exp = issuer_now.div_euclid(1000) - i64::from(*by_s);
                Read::Claims { exp: Some(exp as f64), iat: Some((exp - 900) as f64) }
            }
            OfferedKind::Claims { exp, iat } => Read::Claims { exp: exp.get(issuer_now), iat: iat.get(issuer_now) },
            OfferedKind::Broken(broken, text) => {
                let (raw, want) = broken.token(text);
                let got = read(&raw);
                if !same_shape(got, want) {
                    return Err(format!("harness: {broken:?} token {raw:?} read as {got:?}, not {want:?}"));
                }
                return Ok((raw, got, offered.user.subject()));
            }
        };
        Ok((raw, read, offered.user.subject()))
    }

    fn initial(&mut self, offered: &Offered) -> Result<(), String> {
        let (raw, read, subject) = self.offered_token(offered, PAGE)?;
        let now = self.now();
        let outcome = self.keeper.initial_token(now, read, &subject);
        self.judged(PAGE, raw, read, subject, outcome)
    }

    /// Checks the keeper's judgement of a session token and keeps it as the glue does.
    fn judged(
        &mut self,
        origin: usize,
        raw: String,
        read: Read,
        subject: Subject,
        outcome: Result<(), Ignored>,
    ) -> Result<(), String> {
        let decoded = times(read);
        match outcome {
            Err(Ignored::Malformed) if decoded.is_ok() => return Err("a token times() reads was malformed".into()),
            Ok(()) | Err(_) if decoded.is_err() && outcome != Err(Ignored::Malformed) => {
                return Err(format!("a token times() refuses was judged {outcome:?}"));
            }
            Ok(()) => {
                if self.user.as_ref().is_some_and(|user| !user.same_user(&subject)) {
                    return Err(format!("took a session token of {subject:?} for the page of {:?}", self.user));
                }
                let held = self.keeper.session_token(origin).map(|held| held.expires_at);
                if held != decoded.ok().map(|decoded| decoded.expires_at) {
                    return Err(format!("took a token but holds {held:?} for origin {origin}"));
                }
                if self.user.is_none() {
                    self.user = Some(subject.clone());
                }
                self.sessions.retain(|(other, _, _)| *other != origin);
                self.sessions.push((origin, raw, subject));
            }
            Err(_) => {}
        }
        Ok(())
    }

    /// The session tokens the keeper holds.
    fn held_sessions(&self) -> impl Iterator<Item = &connect_token::core::session::SessionToken> {
        (0..ORIGINS).filter_map(|origin| self.keeper.session_token(origin))
    }

    fn mixed(&mut self, event: &Mixed) -> Result<(), String> {
        match event {
            Mixed::Keeper(event) => self.event(event),
            Mixed::Offer { origin, token } => {
                let origin = usize::from(*origin) % ORIGINS;
                let held_before = self.keeper.session_token(origin).map(|held| held.expires_at);
                let (raw, read, subject) = self.offered_token(token, origin)?;
                let now = self.now();
                let (outcome, step) = self.keeper.offered(now, origin, read, &subject);
                if outcome.is_ok() && held_before.is_some_and(|held| times(read).is_ok_and(|t| t.expires_at <= held)) {
                    return Err("took a session token that does not expire later than the one held".into());
                }
                self.judged(origin, raw, read, subject, outcome)?;
                self.after(step, "offered")
            }
            Mixed::RequestTo(origin) => {
                let origin = usize::from(*origin) % ORIGINS;
                let now = self.now();
                let (choice, step) = self.keeper.choose(now, Some(origin));
                if choice != Choice::Backend {
                    self.demand = true;
                }
                self.after(step, "request")?;
                let now = self.now();
                match choice {
                    Choice::Host if self.keeper.usable(now).is_none() => Err("chose the host token, not usable".into()),
                    Choice::Backend => self.check_backend(origin),
                    Choice::Wait if self.keeper.usable(now).is_some() && !self.stopped => {
                        Err("a request waits although the host token is usable".into())
                    }
                    _ => Ok(()),
                }
            }
            Mixed::RejectBackend { origin, held } => {
                let origin = usize::from(*origin) % ORIGINS;
                let is_held = *held && self.sessions.iter().any(|(o, _, _)| *o == origin);
                let before = self.keeper.session_token(origin).cloned();
                let now = self.now();
                let step = self.keeper.rejected_backend(now, origin, is_held);
                self.after(step, "rejected backend")?;
                if is_held && self.keeper.session_token(origin).is_some() {
                    return Err("a rejected session token is still held".into());
                }
                if !is_held && self.keeper.session_token(origin) != before.as_ref() && before.is_some() {
                    let lapsed = before.is_some_and(|b| b.expires_at - FINAL_WINDOW <= self.keeper.issuer_now(now));
                    if !lapsed {
                        return Err("a 401 to an older session token dropped the held one".into());
                    }
                }
                Ok(())
            }
        }
    }

    /// A request to `origin` carries its session token: the one its backend gave, of the page's
    /// user, with more than the final window left by the issuer's true clock (less the estimate's
    /// allowed error), and never from a stopped keeper.
    fn check_backend(&mut self, origin: usize) -> Result<(), String> {
        let Some(held) = self.keeper.session_token(origin).cloned() else {
            return Err(format!("chose a session token for origin {origin} but holds none"));
        };
        let Some((_, raw, subject)) = self.sessions.iter().find(|(o, _, _)| *o == origin) else {
            return Err("chose a session token the glue does not have".into());
        };
        if !raw.contains(&format!("session-o{origin}-")) && raw.contains("session-o") {
            return Err(format!("origin {origin} would get another origin's token"));
        }
        if self.user.as_ref().is_some_and(|user| !user.same_user(subject)) {
            return Err(format!(
                "origin {origin} would get a token of {subject:?}, the page's user is {:?}",
                self.user
            ));
        }
        if self.stopped {
            return Err("a stopped keeper hands out a session token".into());
        }
        let true_remaining = held.expires_at - self.issuer_now();
        // Before any token or Date, the estimate is the page's wall clock: it may be behind the
        // issuer's by the skew.
        let error = self.truth.allowed_error().unwrap_or(-self.skew).max(0);
        if self.checks.true_clock && true_remaining <= FINAL_WINDOW - error {
            return Err(format!(
                "a session token with {true_remaining} ms left by the issuer's true clock (error {error} ms)"
            ));
        }
        self.summary.handed_out += 1;
        Ok(())
    }
}
