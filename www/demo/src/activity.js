// What the page saw, for the timeline and the request log. An external store (subscribe /
// getSnapshot, for useSyncExternalStore) fed by:
//   - requests: the `fetch` option of createConnectAuth is a recording wrapper, so every request the
//     library sends shows, also those a test makes directly with auth.fetch, and 401 replays.
//     The demo's own requests go through `call()`, which records them from the caller's side: when
//     auth.fetch was called and how long the caller waited in all (a wait for a token included);
//     the wrapper then adds what was sent to that same entry.
//   - tokens and renewals: auth.subscribe() events (and the snapshot, in case one was missed);
//   - host calls: auth.stats() is polled; a rising hostCalls count is a call to AP.context.getToken.
// Nothing here holds a token: only claims, times and the Authorization scheme.

const POLL_MS = 250;
const KEEP_MS = 60 * 60_000; // timeline history: one hour
const MAX_REQUESTS = 2000;
const LOG_SIZE = 50;
/** Links a call() to what the fetch wrapper sees; the library copies init's own properties. */
const CALL = Symbol('connect-token-demo call');

// Describing a request must never break it: odd inputs are passed on to fetch untouched.
function attempt(read, fallback) {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function describe(input, init) {
  const isRequest = typeof Request === 'function' && input instanceof Request;
  return {
    url: attempt(() => (typeof input === 'string' ? input : isRequest ? input.url : String(input)), '?'),
    method: attempt(() => String(init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase(), '?'),
  };
}

/** The scheme of the Authorization header ("JWT"), never the token. */
function authScheme(input, init) {
  return attempt(() => {
    const isRequest = typeof Request === 'function' && input instanceof Request;
    const value = new Headers(init?.headers ?? (isRequest ? input.headers : undefined)).get('authorization');
    return value ? value.split(' ')[0] : null;
  }, null);
}

/** What to show as the status of a request that threw. */
const failure = (error) => error?.code ?? (error?.name === 'AbortError' ? 'aborted' : 'network error');

export function createActivity() {
  let snapshot = {
    tokens: [], // {id, key (its claims), iat, exp, sub, source, receivedAt, lifetimeMs, startsAt, expiresAt}
    renewals: [], // {at, source}
    hostCalls: [], // {at, failed}
    problems: [], // {at, text}
    // {id, at, url, method, status, ok, ms, done, auth, sentAt, sends: [status…], byCall}
    requests: [],
    stats: { hostCalls: 0, renewals: 0, retries: 0, failures: 0 },
  };
  const listeners = new Set();
  let nextId = 1;
  let scheduled = false;

  // Many changes in one frame (a burst of 50 requests) make one render.
  const notify = () => {
    if (scheduled) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      for (const listener of [...listeners]) listener();
    };
    if (document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    else setTimeout(run, 16);
  };

  const update = (change) => {
    const next = { ...snapshot, ...change(snapshot) };
    const old = Date.now() - KEEP_MS;
    next.requests = next.requests.filter((r) => r.at >= old || !r.done).slice(-MAX_REQUESTS);
    next.hostCalls = next.hostCalls.filter((c) => c.at >= old);
    next.renewals = next.renewals.filter((r) => r.at >= old);
    next.tokens = next.tokens.filter((t) => t.expiresAt >= old);
    snapshot = next;
    notify();
  };

  const addRequest = (input, init, fields) => {
    const entry = { id: nextId++, at: Date.now(), ...describe(input, init), status: null, ok: null, ms: null, done: false, auth: null, sentAt: null, sends: [], ...fields };
    update((s) => ({ requests: [...s.requests, entry] }));
    return entry.id;
  };
  const patch = (id, change) =>
    update((s) => ({ requests: s.requests.map((r) => (r.id === id ? { ...r, ...change(r) } : r)) }));
  const finish = (id, started, status, ok) =>
    patch(id, () => ({ status, ok, ms: Math.round(performance.now() - started), done: true }));

  /**
   * A token, known by its claims (two tokens with the same claims are the same token). The
   * library may refine where the same token's exp falls in the page's clock (a Date header from the
   * backend moves its estimate of the issuer's clock): that moves the token's bar, and is no renewal.
   */
  function addToken(claims, expiresAt, at, source = 'host') {
    if (!claims) return;
    const key = JSON.stringify(claims);
    const known = snapshot.tokens.find((t) => t.key === key);
    if (known) {
      if (known.expiresAt !== expiresAt) {
        const moved = (t) => (t.key === key ? { ...t, expiresAt, startsAt: expiresAt - t.lifetimeMs } : t);
        update((s) => ({ tokens: s.tokens.map(moved) }));
      }
      return;
    }
    const last = snapshot.tokens[snapshot.tokens.length - 1];
    const lifetimeMs = typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : expiresAt - at;
    const token = {
      id: (last?.id ?? 0) + 1,
      key,
      iat: claims.iat,
      exp: claims.exp,
      sub: claims.sub,
      source, // 'host' (AP.context.getToken) or 'backend' (the page's {{token}}, an X-acpt answer)
      receivedAt: at,
      lifetimeMs,
      startsAt: expiresAt - lifetimeMs, // iat, in the page's clock
      expiresAt,
    };
    update((s) => ({ tokens: [...s.tokens, token], renewals: [...s.renewals, { at, source }] }));
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,

    /** A `fetch` for createConnectAuth's `fetch` option: sends with `send` and records each request sent. */
    recordingFetch(send = (input, init) => window.fetch(input, init)) {
      return (input, init) => {
        const linked = attempt(() => init?.[CALL], undefined);
        const byCall = linked !== undefined && snapshot.requests.some((r) => r.id === linked);
        const auth = authScheme(input, init);
        const started = performance.now();
        const id = byCall ? linked : addRequest(input, init, { auth, sentAt: Date.now() });
        if (byCall) patch(id, (r) => ({ auth, sentAt: r.sentAt ?? Date.now() }));
        let sent;
        try {
          sent = Promise.resolve(send(input, init));
        } catch (error) {
          sent = Promise.reject(error);
        }
        return sent.then(
          (response) => {
            patch(id, (r) => ({ sends: [...r.sends, response.status] }));
            if (!byCall) finish(id, started, response.status, response.ok);
            return response;
          },
          (error) => {
            patch(id, (r) => ({ sends: [...r.sends, failure(error)] }));
            if (!byCall) finish(id, started, failure(error), false);
            throw error;
          },
        );
      };
    },

    /** auth.fetch(input, init), recorded from the caller's side (see the top of this file). */
    call(auth, input, init = {}) {
      const id = addRequest(input, init, { byCall: true });
      const started = performance.now();
      return auth.fetch(input, { ...init, [CALL]: id }).then(
        (response) => {
          finish(id, started, response.status, response.ok);
          return response;
        },
        (error) => {
          finish(id, started, failure(error), false);
          throw error;
        },
      );
    },

    /** Starts following a keeper; returns the function that stops. */
    follow(auth) {
      let stopped = false;
      let timer;
      const sync = () => {
        if (stopped) return;
        let seen;
        try {
          seen = { snapshot: auth.snapshot(), stats: auth.stats() };
        } catch {
          stop(); // disposed (a test may dispose the keeper): keep what was seen, stop polling
          return;
        }
        const { claims, expiresAt, source } = seen.snapshot;
        if (claims && expiresAt !== undefined) addToken(claims, expiresAt, Date.now(), source);
        const { stats } = seen;
        const old = snapshot.stats;
        if (Object.keys(stats).some((k) => stats[k] !== old[k])) {
          const now = Date.now();
          const calls = Math.max(0, stats.hostCalls - old.hostCalls);
          // A call is counted when it starts, a failure when it ends (often a later poll):
          // mark the latest calls not yet marked as failed.
          let failed = Math.max(0, stats.failures - old.failures);
          update((s) => {
            const marks = [...s.hostCalls, ...Array.from({ length: calls }, () => ({ at: now, failed: false }))];
            for (let i = marks.length - 1; i >= 0 && failed > 0; i--) {
              if (!marks[i].failed) {
                marks[i] = { ...marks[i], failed: true };
                failed--;
              }
            }
            return { stats: { ...stats }, hostCalls: marks };
          });
        }
      };
      const unsubscribe = auth.subscribe((event) => {
        if (event.type === 'renewed') addToken(event.claims, event.expiresAt, Date.now(), event.source);
        else {
          const text = event.type === 'error' ? `${event.error.code}: ${event.error.message}` : 'token expired';
          update((s) => ({ problems: [...s.problems, { at: Date.now(), text }].slice(-20) }));
        }
        sync();
      });
      timer = setInterval(sync, POLL_MS);
      sync();
      function stop() {
        stopped = true;
        clearInterval(timer);
        unsubscribe();
      }
      return stop;
    },

    clearRequests() {
      update((s) => ({ requests: s.requests.filter((r) => !r.done) }));
    },
  };
}

/** The newest `LOG_SIZE` requests, newest first. */
export function recentRequests(snapshot) {
  return snapshot.requests.slice(-LOG_SIZE).reverse();
}
