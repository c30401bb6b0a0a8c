//! The renewal state machine: when to ask the token source, what to do with its answer, and when
//! a token may be handed out, and how long a caller may wait. Events go in with a reading of the
//! page's two clocks ([`Now`]); a [`Step`] of commands comes out. Every duration and every
//! scheduled time is monotonic (`Now::mono`); the wall clock only relates the page to the issuer.
//!
//! The rules, each enforced here and tested below:
//! 1. A token is handed out only while the clock estimate gives it more than [`FINAL_WINDOW`]
//!    to live ([`Keeper::usable`]). Callers that find no usable token wait for the next answer.
//! 2. Renewal is proactive: the source is asked `renewMarginSeconds` before `exp`, the margin
//!    clamped to half the token's lifetime, so requests in steady state never wait.
//! 3. One ask at a time, and never two asks within [`MIN_ASK_INTERVAL`] of each other.
//! 4. If the source hands back the token already held (its cache), the keeper asks again after
//!    5 s, 10 s, 20 s, … but no later than just before the final window, and remembers how close
//!    to `exp` the source finally minted a new one: later tokens are renewed at that margin, so
//!    the cache costs extra asks once, not every lifetime.
//! 5. Every ask is bounded by the timeout; but if the keeper was not running when the timeout
//!    passed (the laptop slept, the tab was throttled), the host's silence is no evidence: it asks
//!    once more, and waiting callers keep waiting. After a failure, the next ask waits an exponential,
//!    jittered, capped backoff, whatever the request rate; a fatal failure stops asking.
//! 6. A rejected token (a 401) or `forceRefresh` forces one renewal; callers share it.
//! 7. A caller waits at most until its own deadline ([`Keeper::may_wait`]): if no ask is under way
//!    and the next is not due before it, it fails at once with the last failure's code.
//! 8. When the wall clock and the monotonic clock disagree about the time between two events by
//!    more than [`CLOCK_TOLERANCE`] (a step of the wall clock, or a sleep that stopped the
//!    monotonic clock), the held token is renewed once before it is handed out again.
//! 9. A `Date` header from the app's backend bounds the clock estimate ([`Keeper::server_time`]);
//!    one per second of sending is enough ([`Keeper::server_time_due`]).
//! 10. The app backend's own session tokens (`super::session`) serve the requests to the origin
//!     that issued them ([`Keeper::choose`]). While one is held and the host's token has not been
//!     asked for since it arrived, the host is not asked: not until the first backend token
//!     reaches its margin, or a request needs the host's token. A host token in use is renewed as
//!     in rule 2.

use super::clock::{IssuerClock, Reading};
use super::error::{Code, Error};
use super::session::{Ignored, InitialToken, OriginId, SessionToken, SessionTokens, Subject};
use super::token::{times, Read};
use super::{push_decimal, Millis, Now};
use alloc::string::String;
use alloc::vec::Vec;

/// No token is handed out within this time of its expiry (by the clock estimate).
pub const FINAL_WINDOW: Millis = 5_000;
/// The source is never asked twice within this interval.
pub const MIN_ASK_INTERVAL: Millis = 2_000;
/// The first re-ask after the source returned the token already held.
pub const FIRST_REASK: Millis = 5_000;
/// The first backoff step after a failure; it doubles with each failure in a row.
pub const FIRST_BACKOFF: Millis = 2_000;
/// The longest backoff step.
pub const MAX_BACKOFF: Millis = 30_000;
/// An ask's timeout seen more than this late was not seen while the page ran (it slept or its
/// timers were throttled).
pub const LATE_WAKE: Millis = 2_000;
/// How much the wall clock and the monotonic clock may disagree about the time between two
/// events (plus 1 ms per second between them, for NTP slewing) before the keeper takes it for a
/// discontinuity: a step of the wall clock, or a sleep during which the monotonic clock stood still.
pub const CLOCK_TOLERANCE: Millis = 1_000;

/// How often a response's `Date` header is worth reading: once per second of sending. The header
/// has whole seconds, so the requests sent within one second tell about the same, and looking for
/// it costs every response a header lookup.
pub const SERVER_TIME_INTERVAL: Millis = 1_000;

/// Numbers the keeper is configured with (validated by [`super::options`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long before `exp` to renew (before clamping to half the lifetime).
    pub renew_margin: Millis,
    /// How long one ask may take before it counts as failed.
    pub timeout: Millis,
    /// Seed of the backoff jitter.
    pub jitter_seed: u64,
    /// The page's own origin, if it is allowed: where `initialToken` goes.
    pub page_origin: Option<OriginId>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { renew_margin: 60_000, timeout: 10_000, jitter_seed: 0x9E37_79B9_7F4A_7C15, page_origin: Some(0) }
    }
}

/// Which token a request to an allowed origin carries ([`Keeper::choose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The session token its own backend issued.
    Backend,
    /// The host's token, usable now.
    Host,
    /// The host's token, once the keeper has one (it asks now).
    Wait,
}

/// Identifies one ask, so that a late answer to an ask that timed out is ignored.
pub type AskId = u64;

/// A token the source answered, as the glue saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    /// Whether it is the very token the keeper holds (the host's cache handed it back). The glue
    /// keeps the token string; the keeper only its times.
    pub same_as_held: bool,
    /// What the browser read from its claims.
    pub read: Read,
}

/// The token the keeper holds (the glue keeps the string: [`Notice::Renewed`] says when).
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// `exp` by the issuer's clock, in milliseconds.
    pub expires_at: Millis,
    /// How long before `exp` it is renewed.
    margin: Millis,
}

/// What the keeper asks the glue to do after an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    /// Ask the token source now, tagging the answer with this id.
    pub ask: Option<AskId>,
    /// Call [`Keeper::tick`] at this monotonic time (replaces any earlier wake-up): set a timer
    /// for [`timer_delay`]`(wake_at, now.mono)`.
    pub wake_at: Option<Millis>,
    /// Settle the callers that are waiting for a token.
    pub release: Option<Release>,
    /// Tell subscribers.
    pub notices: Vec<Notice>,
}

/// How waiting callers are settled.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// A usable token is held: take it (a caller whose rejected token came back gives up).
    Ready,
    /// The ask failed: fail with this error.
    Failed(Error),
}

/// What subscribers are told.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A new token arrived.
    Renewed,
    /// An ask failed.
    Failed(Error),
    /// The held token's `exp` passed without a new one.
    Expired,
}

/// The keeper's state as `snapshot().status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No token yet and no ask made.
    Idle,
    /// A token is held that may be handed out now (not in its final seconds, not rejected).
    Fresh,
    /// An ask is under way, or one is due: the held token is in its final seconds or was rejected.
    Renewing,
    /// The last ask failed and no token may be handed out.
    Failed,
}

impl Status {
    /// The status as `snapshot().status` names it.
    ///
    /// ```
    /// use connect_token::core::keeper::Status;
    /// assert_eq!(Status::Renewing.as_str(), "renewing");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Fresh => "fresh",
            Status::Renewing => "renewing",
            Status::Failed => "failed",
        }
    }
}

/// The longest delay a browser timer can wait (2^31 − 1 ms, about 24.8 days); a longer one fires
/// at once.
pub const MAX_TIMER_DELAY: u32 = 2_147_483_647;

/// The timer delay that wakes the keeper at monotonic time `wake_at`, from `now_mono`: never negative, never longer
/// than [`MAX_TIMER_DELAY`] (the keeper then wakes early, finds nothing due, and sets the timer again).
///
/// ```
/// use connect_token::core::keeper::{timer_delay, MAX_TIMER_DELAY};
/// assert_eq!(timer_delay(1_500, 1_000), 500);
/// assert_eq!(timer_delay(900, 1_000), 0);
/// assert_eq!(timer_delay(i64::MAX, 0), MAX_TIMER_DELAY);
/// ```
pub fn timer_delay(wake_at: Millis, now_mono: Millis) -> u32 {
    let delay = wake_at.saturating_sub(now_mono).max(0).min(Millis::from(MAX_TIMER_DELAY));
    u32::try_from(delay).unwrap_or(MAX_TIMER_DELAY)
}

/// Counters, as `stats()` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Asks made to the token source.
    pub host_calls: u32,
    /// New tokens accepted.
    pub renewals: u32,
    /// Asks made while recovering from a failure.
    pub retries: u32,
    /// Asks that failed (error, timeout, malformed or expired token).
    pub failures: u32,
    /// Backend session tokens taken from responses.
    pub backend_tokens: u32,
    /// Backend session tokens offered in responses and ignored (malformed, expired, another
    /// user's; a repeat of the one held is not counted).
    pub ignored_tokens: u32,
    /// Why the latest one was ignored.
    pub last_ignored: Option<Ignored>,
    /// What became of the `initialToken` option.
    pub initial_token: InitialToken,
}

#[derive(Debug, Clone, Copy)]
struct Ask {
    id: AskId,
    /// When it was asked.
    started: Now,
    /// Asked again because the previous ask's timeout passed while the page was not running.
    resumed: bool,
}

/// The renewal state machine. Every method takes a reading of the page's two clocks as `now`.
///
/// ```
/// use connect_token::core::keeper::{Answer, Keeper, Notice, Release, Settings};
/// use connect_token::core::token::Read;
/// use connect_token::core::Now;
/// let mut keeper = Keeper::new(Settings::default());
/// // Date.now() and performance.now(): the page loaded 1 s ago.
/// let now = Now { wall: 1_000, mono: 1_000 };
/// let step = keeper.tick(now);
/// let ask = step.ask.expect("a new keeper asks for its first token at once");
/// let read = Read::Claims { exp: Some(901.0), iat: Some(1.0) };
/// let now = Now { wall: 1_050, mono: 1_050 };
/// let step = keeper.answered(now, ask, Ok(Answer { same_as_held: false, read }));
/// assert_eq!(step.release, Some(Release::Ready));
/// assert_eq!(step.notices, [Notice::Renewed]);
/// // Taken as minted at arrival (the issuer read 1_000 at monotonic 1_050): renews 60 s before exp.
/// assert_eq!(step.wake_at, Some(841_050));
/// assert_eq!(keeper.usable(now).map(|held| held.expires_at), Some(901_000));
/// assert_eq!(keeper.expires_at_page_time(), Some(901_050));
/// ```
#[derive(Debug, Clone)]
pub struct Keeper {
    settings: Settings,
    clock: IssuerClock,
    held: Option<Held>,
    /// The held token was rejected (or a fresh one was demanded, or the clocks disagreed): renew
    /// before using it again.
    forced: bool,
    ask: Option<Ask>,
    next_id: AskId,
    /// Monotonic times, like every other time kept here.
    last_ask_at: Option<Millis>,
    /// The source handed back the held token this many times in a row.
    reissues: u32,
    reask_at: Option<Millis>,
    /// How long before `exp` the source last minted a new token after handing back its cached one.
    source_margin: Option<Millis>,
    /// Failures in a row.
    failures: u32,
    retry_at: Option<Millis>,
    last_error: Option<Error>,
    /// The held token's final window began (it is no longer handed out).
    final_noticed: bool,
    expired_noticed: bool,
    stopped: bool,
    /// When the request whose response's `Date` header was last looked for left (monotonic).
    server_time_looked: Option<Millis>,
    /// The latest reading of the clocks, to notice a discontinuity.
    last_now: Option<Now>,
    /// The monotonic time of the event before the latest one.
    previous_mono: Millis,
    rng: u64,
    stats: Stats,
    version: u64,
    /// The backend's session tokens, one per origin.
    sessions: SessionTokens,
    /// The host's token was asked for (handed out, or awaited) since the latest arrived: it is
    /// renewed on schedule even while backend tokens serve the requests.
    host_demand: bool,
}

impl Keeper {
    /// A keeper that holds no token yet; its first [`Keeper::tick`] asks for one.
    pub fn new(settings: Settings) -> Keeper {
        Keeper {
            settings,
            clock: IssuerClock::default(),
            held: None,
            forced: false,
            ask: None,
            next_id: 1,
            last_ask_at: None,
            reissues: 0,
            reask_at: None,
            source_margin: None,
            failures: 0,
            retry_at: None,
            last_error: None,
            final_noticed: false,
            expired_noticed: false,
            stopped: false,
            server_time_looked: None,
            last_now: None,
            previous_mono: Millis::MIN,
            rng: settings.jitter_seed | 1,
            stats: Stats::default(),
            version: 0,
            sessions: SessionTokens::default(),
            host_demand: false,
        }
    }

    /// Judges the `initialToken` option (a token the page came with: ACE's `{{token}}`) before
    /// the first [`Keeper::tick`]: taken for the page's origin if it decodes, is fresh by the
    /// clock estimate, and the page's origin is allowed; then the first requests need no host
    /// call. Otherwise it is ignored (the host is asked as without it) and `stats()` says why.
    ///
    /// ```
    /// use connect_token::core::keeper::{Choice, Keeper, Settings};
    /// use connect_token::core::session::Subject;
    /// use connect_token::core::token::Read;
    /// use connect_token::core::Now;
    /// let now = Now { wall: 1_764_000_000_000, mono: 0 };
    /// let mut keeper = Keeper::new(Settings::default());
    /// let read = Read::Claims { exp: Some(1_764_000_900.0), iat: Some(1_764_000_000.0) };
    /// assert_eq!(keeper.initial_token(now, read, &Subject::Text("alice".into())), Ok(()));
    /// assert_eq!(keeper.tick(now).ask, None, "no host call");
    /// assert_eq!(keeper.choose(now, Some(0)).0, Choice::Backend);
    /// ```
    pub fn initial_token(&mut self, now: Now, read: Read, subject: &Subject) -> Result<(), Ignored> {
        self.see(now);
        let outcome = match self.settings.page_origin {
            None => Err(Ignored::OriginNotAllowed),
            Some(origin) => self.judge(now, origin, read, subject),
        };
        self.stats.initial_token = match outcome {
            Ok(()) => InitialToken::Used,
            Err(why) => InitialToken::Ignored(why),
        };
        self.version += 1;
        outcome
    }

    /// A 2xx response from `origin` to a request that carried one of our tokens offered a
    /// session token (the `sessionTokenHeader`): taken if the rules of `super::session` allow,
    /// else ignored and counted.
    pub fn offered(
        &mut self,
        now: Now,
        origin: OriginId,
        read: Read,
        subject: &Subject,
    ) -> (Result<(), Ignored>, Step) {
        self.see(now);
        let outcome = self.judge(now, origin, read, subject);
        match outcome {
            Ok(()) => self.stats.backend_tokens += 1,
            // A repeat (ACE mints the same token for requests within a second) or a late arrival:
            // nothing wrong with it, so not counted.
            Err(Ignored::NotLater) => {}
            Err(why) => {
                self.stats.ignored_tokens += 1;
                self.stats.last_ignored = Some(why);
            }
        }
        self.version += 1;
        (outcome, self.plan(now, Step::default()))
    }

    fn judge(&mut self, now: Now, origin: OriginId, read: Read, subject: &Subject) -> Result<(), Ignored> {
        let decoded = times(read).map_err(|_| Ignored::Malformed)?;
        let issuer_now = self.clock.issuer_now(now);
        self.sessions.offer(origin, decoded, subject, issuer_now, self.settings.renew_margin)
    }

    /// Which token a request to `origin` carries (`None`: a caller of `token()`, which always gets
    /// the host's): its backend's token while that has more than its margin left; else the host's,
    /// if usable; else the backend's while it is out of its final window; else the host's once it
    /// comes (the step asks for it). Asking for the host's token makes it renewed on schedule.
    ///
    /// ```
    /// use connect_token::core::keeper::{Choice, Keeper, Settings};
    /// use connect_token::core::Now;
    /// let mut keeper = Keeper::new(Settings::default());
    /// let (choice, step) = keeper.choose(Now { wall: 0, mono: 0 }, Some(0));
    /// assert_eq!(choice, Choice::Wait);
    /// assert!(step.ask.is_some());
    /// ```
    pub fn choose(&mut self, now: Now, origin: Option<OriginId>) -> (Choice, Step) {
        self.see(now);
        self.drop_lapsed(now);
        let choice = self.pick(now, origin);
        if choice != Choice::Backend && !self.host_demand {
            self.host_demand = true;
        }
        (choice, self.plan(now, Step::default()))
    }

    /// [`Keeper::choose`]'s answer, without asking for anything.
    fn pick(&self, now: Now, origin: Option<OriginId>) -> Choice {
        let issuer_now = self.clock.issuer_now(now);
        let backend = origin.and_then(|origin| self.sessions.get(origin)).filter(|_| !self.stopped);
        let backend = backend.filter(|token| issuer_now < token.expires_at.saturating_sub(FINAL_WINDOW));
        match backend {
            Some(token) if issuer_now < token.expires_at - token.margin => Choice::Backend,
            _ if self.usable(now).is_some() => Choice::Host,
            Some(_) => Choice::Backend,
            None => Choice::Wait,
        }
    }

    /// What the page's own origin's requests carry as of the latest event (for `snapshot()` and
    /// `claims()`): [`Choice::Backend`] or the host's token.
    pub fn page_choice(&self) -> Choice {
        match self.last_now {
            Some(now) => self.pick(now, self.settings.page_origin),
            None => Choice::Wait,
        }
    }

    /// The session token held for `origin`.
    pub fn session_token(&self, origin: OriginId) -> Option<&SessionToken> {
        self.sessions.get(origin)
    }

    /// `origin` answered 401 to its session token (`is_held`: the one held, not an older one):
    /// it is dropped, and the request is replayed with the host's token.
    pub fn rejected_backend(&mut self, now: Now, origin: OriginId, is_held: bool) -> Step {
        self.see(now);
        if is_held && self.sessions.drop_origin(origin) {
            self.version += 1;
        }
        self.plan(now, Step::default())
    }

    /// The host's new token speaks for `subject` (call after [`Notice::Renewed`]): the page's
    /// user from now on; backend tokens of another user are dropped.
    pub fn host_user(&mut self, subject: Subject) {
        if self.sessions.host_user(subject) {
            self.version += 1;
        }
    }

    /// The page's wall-clock time (as `now.wall` counts) of issuer time `issuer_time`, as of the
    /// latest event (see [`Keeper::expires_at_page_time`]).
    pub fn page_time(&self, issuer_time: Millis) -> Option<Millis> {
        Some(self.clock.page_time(issuer_time, self.last_now?))
    }

    fn drop_lapsed(&mut self, now: Now) {
        if self.sessions.drop_lapsed(self.clock.issuer_now(now)) {
            self.version += 1;
        }
    }

    /// The held token, if it may be handed out now: more than [`FINAL_WINDOW`] from `exp` by
    /// the clock estimate, not rejected, and the keeper not stopped.
    pub fn usable(&self, now: Now) -> Option<&Held> {
        let held = self.held.as_ref()?;
        let fresh = self.clock.issuer_now(now) < held.expires_at - FINAL_WINDOW;
        (fresh && !self.forced && !self.stopped).then_some(held)
    }

    /// The held token whether or not it is usable (for claims and display).
    pub fn held(&self) -> Option<&Held> {
        self.held.as_ref()
    }

    /// The wall-clock time (as `now.wall` counts) at which the held token expires, by the clock
    /// estimate, as of the latest event: `exp` in the monotonic clock, moved to the wall clock by
    /// that event's reading of the two. For display (`snapshot().expiresAt`, the `renewed` event):
    /// every caller between two events gets the same number, however the page's clocks round
    /// (`Date.now()` and a truncated `performance.now()` read apart drift by a millisecond).
    pub fn expires_at_page_time(&self) -> Option<Millis> {
        let (held, last) = (self.held.as_ref()?, self.last_now?);
        Some(self.clock.page_time(held.expires_at, last))
    }

    /// The issuer's time at `now`, by the clock estimate (the wall clock until a token arrived).
    pub fn issuer_now(&self, now: Now) -> Millis {
        self.clock.issuer_now(now)
    }

    /// The error that stopped the keeper, if it stopped (fatal failure or dispose).
    pub fn stopped_by(&self) -> Option<&Error> {
        self.last_error.as_ref().filter(|_| self.stopped)
    }

    /// The latest failure, until a token arrives.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Changes whenever anything a snapshot shows changes.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The status for `snapshot()`, as of the latest event: `Fresh` exactly when
    /// [`Keeper::usable`] was true then (the keeper wakes at the final window to notice it).
    pub fn status(&self) -> Status {
        let held = self.held.is_some() && !self.stopped;
        let page_session = self.settings.page_origin.and_then(|origin| self.sessions.get(origin));
        if self.ask.is_some() {
            Status::Renewing
        } else if (page_session.is_some() && !self.stopped) || (held && !self.final_noticed && !self.forced) {
            Status::Fresh
        } else if self.last_error.is_some() {
            Status::Failed
        } else if held {
            Status::Renewing
        } else {
            Status::Idle
        }
    }

    /// Whether a caller that found no usable token at `now` may wait for one until `deadline` (a
    /// monotonic time: the caller's start plus `timeoutMs`, or sooner for its `AbortSignal`).
    ///
    /// `Ok`: wait (a usable token is held, an ask is under way, or the next one is due by the
    /// deadline). `Err`: fail at once with the last failure's code (`timeout` if there was none)
    /// and a message that says in how many seconds the keeper asks again; or with the error that
    /// stopped the keeper. The keeper's own schedule never changes for a caller.
    ///
    /// ```
    /// use connect_token::core::error::{Code, Error};
    /// use connect_token::core::keeper::{Keeper, Settings};
    /// use connect_token::core::Now;
    /// let at = |mono| Now { wall: 1_764_000_000_000 + mono, mono };
    /// let mut keeper = Keeper::new(Settings::default());
    /// let ask = keeper.tick(at(0)).ask.unwrap();
    /// assert_eq!(keeper.may_wait(at(0), 10_000), Ok(()), "an ask is under way");
    /// keeper.answered(at(100), ask, Err(Error::new(Code::HostError, "The host failed.")));
    /// // The next attempt is 2 s after the first (backoff): due within the caller's wait.
    /// assert_eq!(keeper.may_wait(at(200), 10_200), Ok(()));
    /// let error = keeper.may_wait(at(200), 300).unwrap_err();
    /// assert_eq!(error.code, Code::HostError);
    /// assert_eq!(error.message, "The host failed. The keeper asks the token source again in 2 s, later than this call may wait (timeoutMs).");
    /// ```
    pub fn may_wait(&self, now: Now, deadline: Millis) -> Result<(), Error> {
        if let Some(error) = self.stopped_by() {
            return Err(error.clone());
        }
        let next = self.next_ask_at(now);
        if self.ask.is_some() || self.usable(now).is_some() || next <= deadline {
            return Ok(());
        }
        let mut error = self.last_error.clone().unwrap_or_else(|| Error::new(Code::Timeout, "No token is usable now."));
        error.message.push_str(" The keeper asks the token source again in ");
        push_seconds(&mut error.message, next - now.mono);
        error.message.push_str(", later than this call may wait (timeoutMs).");
        Err(error)
    }

    /// The error for a caller whose deadline (see [`Keeper::may_wait`]) passed at `now` while it
    /// waited: code `timeout`, with what the keeper is doing.
    ///
    /// ```
    /// use connect_token::core::error::Code;
    /// use connect_token::core::keeper::{Keeper, Settings};
    /// use connect_token::core::Now;
    /// let mut keeper = Keeper::new(Settings::default());
    /// keeper.tick(Now { wall: 0, mono: 0 });
    /// let error = keeper.wait_timed_out(Now { wall: 3_000, mono: 3_000 });
    /// assert_eq!(error.code, Code::Timeout);
    /// assert_eq!(error.message, "No token arrived within timeoutMs: the token source has not answered the keeper's ask for 3 s.");
    /// ```
    pub fn wait_timed_out(&self, now: Now) -> Error {
        let mut message = String::from("No token arrived within timeoutMs: ");
        if let Some(ask) = &self.ask {
            message.push_str("the token source has not answered the keeper's ask for ");
            push_seconds(&mut message, now.mono - ask.started.mono);
            message.push('.');
        } else {
            if let Some(error) = &self.last_error {
                message.push_str("the last ask failed with ");
                message.push_str(error.code.as_str());
                message.push_str("; ");
            }
            message.push_str("the keeper asks the token source again in ");
            push_seconds(&mut message, self.next_ask_at(now) - now.mono);
            message.push('.');
        }
        Error::new(Code::Timeout, message)
    }

    /// Time passed, or the page woke up (timer, request, `visibilitychange`, `focus`, `online`,
    /// `pageshow`): re-check freshness, time out a stuck ask, and ask if due.
    pub fn tick(&mut self, now: Now) -> Step {
        self.see(now);
        self.plan(now, Step::default())
    }

    /// A request was rejected with a token (or `token({forceRefresh})` was called with it):
    /// renew before handing it out again. Does nothing unless that token is the one held
    /// (`rejected_is_held`), so a 401 for an older token does not renew a newer one.
    pub fn force(&mut self, now: Now, rejected_is_held: bool) -> Step {
        self.see(now);
        if rejected_is_held {
            self.force_held();
        }
        self.plan(now, Step::default())
    }

    /// The token source answered ask `id` with a token or an error.
    pub fn answered(&mut self, now: Now, id: AskId, answer: Result<Answer, Error>) -> Step {
        self.see(now);
        let mut step = Step::default();
        let Some(ask) = self.ask.filter(|ask| ask.id == id && !self.stopped) else {
            return self.plan(now, step);
        };
        self.ask = None;
        self.version += 1;
        match answer.and_then(|answer| self.accept(ask.started, now, answer)) {
            Ok(renewed) => {
                self.failures = 0;
                self.retry_at = None;
                self.last_error = None;
                if renewed {
                    step.notices.push(Notice::Renewed);
                }
                if self.usable(now).is_some() {
                    step.release = Some(Release::Ready);
                }
            }
            Err(error) => self.fail(now, error, &mut step),
        }
        self.plan(now, step)
    }

    /// A response from an allowed origin carried a `Date` header: the server's clock read
    /// `date_ms` (`Date.parse` of the header) at some moment between `sent` (when the request
    /// went out) and `received` (when its headers arrived). It bounds the clock estimate (see
    /// [`IssuerClock::server_time`]: an absurd date is ignored, never a failure); if the held token
    /// is then due for renewal or in its final window, the step asks or schedules accordingly.
    /// A missing or unparsable header: do not call.
    ///
    /// ```
    /// use connect_token::core::keeper::{Answer, Keeper, Settings};
    /// use connect_token::core::token::Read;
    /// use connect_token::core::Now;
    /// let at = |mono| Now { wall: 1_764_000_000_000 + mono, mono };
    /// let mut keeper = Keeper::new(Settings::default());
    /// let ask = keeper.tick(at(0)).ask.unwrap();
    /// // The host's cache hands out a 15-minute token minted 10 minutes ago.
    /// let read = Read::Claims { exp: Some(1_764_000_300.0), iat: Some(1_763_999_400.0) };
    /// let step = keeper.answered(at(50), ask, Ok(Answer { same_as_held: false, read }));
    /// assert_eq!(step.wake_at, Some(840_050), "taken for fresh: renewal in 14 minutes");
    /// // The first response's Date header tells the issuer's time.
    /// let step = keeper.server_time(at(100), at(300), 1_764_000_000_000);
    /// assert_eq!(step.wake_at, Some(240_300), "renewal 60 s before the true exp");
    /// assert_eq!(keeper.expires_at_page_time(), Some(1_764_000_300_300));
    /// ```
    pub fn server_time(&mut self, sent: Now, received: Now, date_ms: Millis) -> Step {
        self.see(received);
        if self.clock.server_time(sent, received, date_ms) {
            self.version += 1;
        }
        self.plan(received, Step::default())
    }

    /// Whether to look for the `Date` header of the response to a request sent at `sent`: the
    /// first request's, then one per [`SERVER_TIME_INTERVAL`] of sending. A yes counts as looking,
    /// whether or not the response has one (a cross-origin backend shows it only if it lists it in
    /// `Access-Control-Expose-Headers`), so the glue asks once per request, when it leaves.
    ///
    /// ```
    /// use connect_token::core::keeper::{Keeper, Settings};
    /// use connect_token::core::Now;
    /// let at = |mono| Now { wall: 1_764_000_000_000 + mono, mono };
    /// let mut keeper = Keeper::new(Settings::default());
    /// assert!(keeper.server_time_due(at(100)));
    /// assert!(!keeper.server_time_due(at(600)), "sent within the same second");
    /// assert!(keeper.server_time_due(at(1_100)));
    /// ```
    pub fn server_time_due(&mut self, sent: Now) -> bool {
        let due = self.server_time_looked.is_none_or(|last| sent.mono >= last.saturating_add(SERVER_TIME_INTERVAL));
        if due {
            self.server_time_looked = Some(sent.mono);
        }
        due
    }

    /// Stops for good: no more asks or wake-ups; waiting callers fail with `disposed`.
    pub fn dispose(&mut self) -> Step {
        let mut step = Step::default();
        if !self.stopped {
            let error = Error::disposed();
            self.stopped = true;
            self.ask = None;
            self.last_error = Some(error.clone());
            self.version += 1;
            step.release = Some(Release::Failed(error));
        }
        step
    }

    fn force_held(&mut self) {
        if self.held.is_some() && !self.forced {
            self.forced = true;
            self.reask_at = None;
            self.version += 1;
        }
    }

    /// Judges an answer; `Ok(true)` for a new token, `Ok(false)` for the held one.
    fn accept(&mut self, asked: Now, now: Now, answer: Answer) -> Result<bool, Error> {
        let decoded = times(answer.read).map_err(|message| Error::new(Code::MalformedToken, message))?;
        let reissued = answer.same_as_held && self.held.is_some();
        let reading = self.clock.observe(asked, now, decoded.issued_at, decoded.expires_at, reissued);
        if reading == Reading::Expired {
            return Err(expired_token());
        }
        if reissued && self.forced {
            // A forced renewal answered with the same token: usable again (it was not asked for
            // early, so no re-asks).
            self.forced = false;
            return Ok(false);
        }
        if reissued {
            self.reissues += 1;
            let delay = FIRST_REASK.saturating_mul(1 << (self.reissues - 1).min(16));
            let latest = self.clock.mono_time(decoded.expires_at - FINAL_WINDOW - MIN_ASK_INTERVAL, now);
            self.reask_at = Some((now.mono + delay).min(latest).max(now.mono + MIN_ASK_INTERVAL));
            return Ok(false);
        }
        let issuer_now = self.clock.issuer_now(now);
        if self.reissues > 0 {
            if let Some(previous) = &self.held {
                self.source_margin = Some(previous.expires_at - issuer_now);
            }
        }
        let lifetime = decoded.expires_at - decoded.issued_at.unwrap_or(issuer_now);
        let margin = self.settings.renew_margin.min(lifetime / 2).min(self.source_margin.unwrap_or(Millis::MAX));
        let margin = margin.max(FINAL_WINDOW + MIN_ASK_INTERVAL);
        let held = Held { expires_at: decoded.expires_at, margin };
        if issuer_now >= held.expires_at - FINAL_WINDOW {
            return Err(expired_token());
        }
        self.held = Some(held);
        self.forced = false;
        self.reissues = 0;
        self.reask_at = None;
        self.final_noticed = false;
        self.expired_noticed = false;
        self.stats.renewals += 1;
        self.host_demand = false;
        Ok(true)
    }

    fn fail(&mut self, now: Now, error: Error, step: &mut Step) {
        self.ask = None;
        self.failures += 1;
        self.stats.failures += 1;
        self.stopped |= error.fatal;
        let step_size = FIRST_BACKOFF.saturating_mul(1 << (self.failures - 1).min(16)).min(MAX_BACKOFF);
        // Full step, minus up to half of it at random, so that many pages do not retry in lockstep.
        let jitter = (self.next_random() % (step_size as u64 / 2 + 1)) as Millis;
        self.retry_at = Some(now.mono + (step_size - jitter).max(MIN_ASK_INTERVAL));
        self.last_error = Some(error.clone());
        self.version += 1;
        step.notices.push(Notice::Failed(error.clone()));
        step.release = Some(Release::Failed(error));
    }

    /// The one place that decides whether to ask now or when to wake up next.
    fn plan(&mut self, now: Now, mut step: Step) -> Step {
        if self.stopped {
            return step;
        }
        self.drop_lapsed(now);
        let mono = now.mono;
        let mut resume = false;
        if let Some(ask) = self.ask {
            let deadline = ask.started.mono + self.settings.timeout;
            let overslept = self.previous_mono < deadline && mono - deadline > LATE_WAKE;
            if mono >= deadline && overslept && !ask.resumed {
                self.ask = None;
                resume = true;
            } else if mono >= deadline {
                let message = "The token source did not answer within timeoutMs; the keeper will retry. Raise timeoutMs if the host is slow.";
                self.fail(now, Error::new(Code::Timeout, message), &mut step);
            }
        }
        let next = match self.ask {
            Some(ask) => ask.started.mono + self.settings.timeout,
            None => {
                let at = self.next_ask_at(now);
                if at <= mono || resume {
                    step.ask = Some(self.start_ask(now, resume));
                    mono + self.settings.timeout
                } else {
                    at
                }
            }
        };
        // Notice when the held token's final window begins (it is no longer handed out) and when
        // it expires, waking up for whichever comes next.
        let mut wake_at = next;
        if let Some(held) = &self.held {
            let expires = self.clock.mono_time(held.expires_at, now);
            // An estimate taken from the page's clock (no token with `iat` yet) follows a step of
            // that clock back: the final window may then lie ahead again, and the token is
            // handed out again until it begins.
            if self.final_noticed && mono < expires - FINAL_WINDOW {
                self.final_noticed = false;
                self.version += 1;
            }
            for (at, noticed) in
                [(expires - FINAL_WINDOW, &mut self.final_noticed), (expires, &mut self.expired_noticed)]
            {
                if *noticed {
                    continue;
                }
                if mono < at {
                    wake_at = wake_at.min(at);
                } else {
                    *noticed = true;
                    self.version += 1;
                    // A host token left to lapse while backend tokens serve is no news.
                    if at == expires && self.sessions.is_empty() {
                        step.notices.push(Notice::Expired);
                    }
                }
            }
        }
        if let Some(lapse) = self.sessions.next_lapse() {
            wake_at = wake_at.min(self.clock.mono_time(lapse, now).max(mono + 1));
        }
        step.wake_at = Some(wake_at);
        step
    }

    /// When the next ask is due, within the limits on how often to ask (monotonic time).
    fn next_ask_at(&self, now: Now) -> Millis {
        let due = match &self.held {
            Some(held) if !self.forced => {
                let renew_at = self.clock.mono_time(held.expires_at - held.margin, now);
                // A re-ask never waits past just before the final window by the estimate as it
                // is now (a Date header may have moved it since the re-ask was scheduled).
                let last_chance = self.clock.mono_time(held.expires_at - FINAL_WINDOW - MIN_ASK_INTERVAL, now);
                self.reask_at.map_or(renew_at, |reask| reask.min(last_chance).max(renew_at))
            }
            _ => now.mono,
        };
        // Backend tokens serve the requests and nobody asked for the host's token: not before the
        // first of them reaches its margin.
        let due = match self.sessions.covered_until().filter(|_| !self.host_demand) {
            Some(until) => due.max(self.clock.mono_time(until, now)),
            None => due,
        };
        let after_last = self.last_ask_at.map_or(Millis::MIN, |last| last + MIN_ASK_INTERVAL);
        due.max(after_last).max(self.retry_at.unwrap_or(Millis::MIN))
    }

    fn start_ask(&mut self, now: Now, resumed: bool) -> AskId {
        let id = self.next_id;
        self.next_id += 1;
        self.ask = Some(Ask { id, started: now, resumed });
        self.last_ask_at = Some(now.mono);
        self.stats.host_calls += 1;
        if self.failures > 0 {
            self.stats.retries += 1;
        }
        self.version += 1;
        id
    }

    /// Notes a reading of the clocks. If the wall clock and the monotonic clock disagree about the
    /// time since the previous reading, the wall clock stepped (which moves nothing: the estimate
    /// and every scheduled time are monotonic) or the machine slept with the monotonic clock
    /// standing still (then the issuer's clock ran ahead of the estimate by up to the
    /// difference). The two look the same, so the held token is renewed before it is handed out
    /// again; the answer's `iat` (or a `Date` header) moves the estimate forward if it slept. If
    /// the host hands back the same token, it is usable again. The backend's session tokens, which
    /// nothing renews but a response, are dropped: the next request carries the host's new token,
    /// and its response's session token serves the ones after it.
    fn see(&mut self, now: Now) {
        if let Some(last) = self.last_now {
            let elapsed = now.mono.saturating_sub(last.mono);
            let disagreement = now.wall.saturating_sub(last.wall).saturating_sub(elapsed);
            if disagreement.saturating_abs() > CLOCK_TOLERANCE + elapsed.max(0) / 1_000 {
                self.clock.clocks_disagreed(now);
                self.force_held();
                if self.sessions.drop_all() {
                    self.version += 1;
                }
            }
        }
        // The event before this one, to tell a wake-up the page missed from a late one (plan).
        self.previous_mono = self.last_now.map_or(Millis::MIN, |last| last.mono.min(now.mono));
        self.last_now = Some(now);
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: deterministic for a given seed, good enough for jitter.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

/// Appends a duration as whole seconds, rounded up ("17 s").
fn push_seconds(text: &mut String, millis: Millis) {
    let seconds = millis.max(0).saturating_add(999) / 1_000;
    push_decimal(text, usize::try_from(seconds).unwrap_or(usize::MAX));
    text.push_str(" s");
}

fn expired_token() -> Error {
    Error::new(
        Code::ExpiredToken,
        "The token source returned a token that has expired or expires within seconds; the keeper will ask again.",
    )
}
