// Page-side instrumentation of the soak (www/soak/soak.test.mjs), installed with
// context.addInitScript AFTER page.clock.install, so it runs in every frame after Playwright's fake
// clock and wraps the FAKE timer functions (the order matters: installed before the clock, the
// wrappers would capture the native functions, which only the clock's own real-time sync uses, and
// the library's timers would bypass them).
//
// In the add-on frame it provides window.__soak:
//   timers      every pending setTimeout/setInterval (id -> {lib, due}), `lib` when the stack that
//               created it runs through the library (its wasm-bindgen glue, /pkg/connect_token.js)
//   memories    the WebAssembly.Memory of every instance created through WebAssembly.instantiate /
//               instantiateStreaming (the wasm-bindgen glue keeps its `wasm` private)
//   net         fetches in flight / total, through a wrapper of window.fetch (which the library picks
//               up as its default `fetch`); it never looks at headers
//   driver      requests every `everyMs` of page time (a fake setInterval), each raced against a
//               page-clock timeout; only counters and the failures are kept, drained by the test
// Nothing here ever reads or stores a token.

/** The init script (a function serialised by Playwright; `arg` = {pathPattern, libPattern}). */
export function installSoakInstrumentation(arg) {
  if (!new RegExp(arg.pathPattern).test(location.pathname)) return;
  const libRe = new RegExp(arg.libPattern);
  const w = window;
  const fakeSetTimeout = w.setTimeout;
  const fakeClearTimeout = w.clearTimeout;
  const fakeSetInterval = w.setInterval;
  const fakeClearInterval = w.clearInterval;
  const S = (w.__soak = {
    clockWasFake: Boolean(w.Date && w.Date.isFake),
    timers: new Map(),
    timersCreated: { lib: 0, other: 0 },
    memories: [],
    net: { inflight: 0, reading: 0, total: 0 },
    raw: { setTimeout: fakeSetTimeout, clearTimeout: fakeClearTimeout },
  });

  const track = (schedule, kind) =>
    function (fn, ms, ...args) {
      const lib = libRe.test(String(new Error().stack));
      S.timersCreated[lib ? 'lib' : 'other']++;
      let id;
      const wrapped =
        typeof fn === 'function'
          ? function () {
              if (kind === 'timeout') S.timers.delete(id);
              return fn.apply(this, arguments);
            }
          : fn;
      id = schedule.call(w, wrapped, ms, ...args);
      S.timers.set(id, { lib, kind, due: performance.now() + Math.max(0, Number(ms) || 0), every: kind === 'interval' ? Number(ms) || 0 : 0 });
      return id;
    };
  w.setTimeout = track(fakeSetTimeout, 'timeout');
  w.setInterval = track(fakeSetInterval, 'interval');
  w.clearTimeout = function (id) {
    S.timers.delete(id);
    return fakeClearTimeout.call(w, id);
  };
  w.clearInterval = function (id) {
    S.timers.delete(id);
    return fakeClearInterval.call(w, id);
  };

  const keep = (result) => {
    const instance = result && result.instance ? result.instance : result;
    const memory = instance && instance.exports && instance.exports.memory;
    if (memory instanceof WebAssembly.Memory) S.memories.push(memory);
    return result;
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function () {
    return instantiate.apply(this, arguments).then(keep);
  };
  const instantiateStreaming = WebAssembly.instantiateStreaming;
  if (instantiateStreaming) {
    WebAssembly.instantiateStreaming = function () {
      return instantiateStreaming.apply(this, arguments).then(keep);
    };
  }

  const nativeFetch = w.fetch;
  S.dispatched = new Map(); // driver request id -> page time its fetch left (with or without a token)
  w.fetch = function (input, init) {
    const marker = /[?&]soak=(\d+)/.exec(typeof input === 'string' ? input : String((input && input.url) || input));
    if (marker && !S.dispatched.has(+marker[1])) S.dispatched.set(+marker[1], Date.now());
    S.net.inflight++;
    S.net.total++;
    let p;
    try {
      p = nativeFetch.call(w, input, init);
    } catch (e) {
      S.net.inflight--;
      throw e;
    }
    // In flight until the headers arrived; a body being read (the driver reads every body) counts
    // in `reading` until it is read. (The wasm's own fetch is never read with text().)
    return p.then(
      (response) => {
        S.net.inflight--;
        const text = response.text.bind(response);
        response.text = () => {
          S.net.reading++;
          return text().finally(() => S.net.reading--);
        };
        return response;
      },
      (error) => {
        S.net.inflight--;
        throw error;
      },
    );
  };

  /** Pending timers: library ones (with the time to the next one in ticks) and the others. */
  S.timerCounts = () => {
    const now = performance.now();
    let lib = 0;
    let other = 0;
    let nextLibIn = null;
    for (const t of S.timers.values()) {
      if (t.lib) {
        lib++;
        const due = t.every ? t.due + Math.max(0, Math.ceil((now - t.due) / t.every)) * t.every : t.due;
        if (nextLibIn === null || due - now < nextLibIn) nextLibIn = Math.max(0, due - now);
      } else other++;
    }
    const clock = w.__pwClock && w.__pwClock.controller;
    return { lib, other, nextLibIn, clockTotal: clock && clock._timers ? clock._timers.size : null, created: { ...S.timersCreated } };
  };

  S.wasmBytes = () => S.memories.map((m) => m.buffer.byteLength);

  /** Starts the request driver; call once the app is ready. */
  S.startDriver = ({ everyMs, raceMs, url }) => {
    const { auth, isConnectTokenError } = w.connectTokenDemo;
    const d = (S.driver = {
      started: 0,
      settled: 0,
      ok: 0,
      httpErrors: {},
      failures: [], // drained: {at, code, name, message, typed, snapshot}
      untyped: 0,
      hung: 0,
      late: 0,
      pending: 0,
      maxSettleMs: 0, // page time from auth.fetch() to its promise settling (coarse: a step's requests settle after it)
      maxTokenWaitMs: 0, // page time from auth.fetch() to the request leaving with its token
      tokenWaits: 0, // requests that had to wait for the keeper (left later than they were made)
      nextId: 1,
      events: [], // drained: error/expired events {type, code, message, at}
      renewedEvents: 0,
      extra: [], // drained: results of one-off requests (fire)
    });
    auth.subscribe((e) => {
      if (e.type === 'renewed') d.renewedEvents++;
      else d.events.push({ type: e.type, code: e.error && e.error.code, message: e.error && String(e.error.message), at: Date.now() });
    });
    const one = (target, onResult) => {
      const startedAt = Date.now();
      const id = d.nextId++;
      target = `${target}${String(target).includes('?') ? '&' : '?'}soak=${id}`;
      d.started++;
      d.pending++;
      let raceTimer;
      const timedOut = new Promise((resolve) => {
        // The raw fake setTimeout: a page-clock timeout that the timer counts leave out.
        raceTimer = S.raw.setTimeout.call(w, () => resolve({ hung: true }), raceMs);
      });
      const request = auth.fetch(target).then(
        (r) => r.text().then(() => ({ status: r.status })),
        (error) => ({ error }),
      );
      request.then(() => {
        d.pending--;
        d.settled++;
        const took = Date.now() - startedAt;
        if (took > d.maxSettleMs) d.maxSettleMs = took;
        const left = S.dispatched.get(id);
        S.dispatched.delete(id);
        if (left !== undefined) {
          if (left - startedAt > d.maxTokenWaitMs) d.maxTokenWaitMs = left - startedAt;
          if (left > startedAt) d.tokenWaits++;
        }
      });
      Promise.race([request, timedOut]).then((result) => {
        S.raw.clearTimeout.call(w, raceTimer);
        if (result.hung) {
          d.hung++;
          request.then(() => d.late++);
          onResult({ hung: true, startedAt });
          return;
        }
        if (result.error !== undefined) {
          const e = result.error;
          const typed = isConnectTokenError(e) && e instanceof Error;
          if (!typed) d.untyped++;
          const s = auth.snapshot();
          d.failures.push({
            at: Date.now(),
            startedAt,
            url: String(target),
            typed,
            name: e && e.name,
            code: e && e.code,
            message: String((e && e.message) || e),
            snapshot: { status: s.status, expiresAt: s.expiresAt ?? null, errorCode: (s.error && s.error.code) || null, now: Date.now() },
          });
          onResult({ error: true });
          return;
        }
        if (result.status >= 200 && result.status < 300) d.ok++;
        else d.httpErrors[result.status] = (d.httpErrors[result.status] || 0) + 1;
        onResult({ status: result.status });
      });
    };
    d.fire = (target) => one(target, (r) => d.extra.push({ url: String(target), ...r }));
    d.interval = fakeSetInterval.call(w, () => one(url, () => {}), everyMs);
  };

  /** Counters and what happened since the last drain (the drained lists are emptied). */
  S.drain = () => {
    const d = S.driver;
    const out = {
      now: Date.now(),
      perfNow: performance.now(),
      snapshot: (() => {
        const s = w.connectTokenDemo.auth.snapshot();
        return { status: s.status, expiresAt: s.expiresAt ?? null, errorCode: (s.error && s.error.code) || null };
      })(),
      stats: w.connectTokenDemo.auth.stats(),
      timers: S.timerCounts(),
      net: { ...S.net },
      driver: d && {
        started: d.started,
        settled: d.settled,
        ok: d.ok,
        httpErrors: { ...d.httpErrors },
        untyped: d.untyped,
        hung: d.hung,
        late: d.late,
        pending: d.pending,
        maxSettleMs: d.maxSettleMs,
        maxTokenWaitMs: d.maxTokenWaitMs,
        tokenWaits: d.tokenWaits,
        dispatchedPending: S.dispatched.size,
        renewedEvents: d.renewedEvents,
        failures: d.failures.splice(0),
        events: d.events.splice(0),
        extra: d.extra.splice(0),
      },
    };
    return out;
  };
}
