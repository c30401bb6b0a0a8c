// What the page saw, for the timeline and the request log. An external store (subscribe /
// getSnapshot, for useSyncExternalStore) fed by three sources:
//   - requests: the `fetch` option of createConnectAuth is wrapped, so every request the library
//     sends is recorded, also calls a test makes directly with auth.fetch, and 401 replays;
//   - tokens and renewals: auth.subscribe() events (and the snapshot, in case one was missed);
//   - host calls: auth.stats() is polled; a rising hostCalls count is a call to AP.context.getToken.
// Nothing here holds a token: only claims, times and the Authorization scheme.

const POLL_MS = 250;
const KEEP_MS = 60 * 60_000; // timeline history: one hour
const MAX_REQUESTS = 2000;
const LOG_SIZE = 50;

// Describing a request must never break it: odd inputs are passed on to fetch untouched.
function describe(input, init) {
  const attempt = (read, fallback) => {
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  const isRequest = typeof Request === 'function' && input instanceof Request;
  return {
    url: attempt(() => (typeof input === 'string' ? input : isRequest ? input.url : String(input)), '?'),
    method: attempt(() => String(init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase(), '?'),
    // The scheme only ("JWT"); the token itself is never stored.
    auth: attempt(() => {
      const value = new Headers(init?.headers ?? (isRequest ? input.headers : undefined)).get('authorization');
      return value ? value.split(' ')[0] : null;
    }, null),
  };
}

export function createActivity() {
  let snapshot = {
    tokens: [], // {id, iat, exp, receivedAt, lifetimeMs, startsAt, expiresAt, sub}
    renewals: [], // {at}
    hostCalls: [], // {at, failed}
    problems: [], // {at, text}
    requests: [], // {id, at, url, method, auth, status, ok, ms, done}
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
    const now = Date.now();
    const next = { ...snapshot, ...change(snapshot) };
    const old = now - KEEP_MS;
    next.requests = next.requests.filter((r) => r.at >= old).slice(-MAX_REQUESTS);
    next.hostCalls = next.hostCalls.filter((c) => c.at >= old);
    next.renewals = next.renewals.filter((r) => r.at >= old);
    next.tokens = next.tokens.filter((t) => t.expiresAt >= old);
    snapshot = next;
    notify();
  };

  function addToken(claims, expiresAt, at) {
    const last = snapshot.tokens[snapshot.tokens.length - 1];
    if (!claims || (last && last.expiresAt === expiresAt && last.iat === claims.iat && last.exp === claims.exp)) return;
    const lifetimeMs = typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : expiresAt - at;
    const token = {
      id: (last?.id ?? 0) + 1,
      iat: claims.iat,
      exp: claims.exp,
      sub: claims.sub,
      receivedAt: at,
      lifetimeMs,
      startsAt: expiresAt - lifetimeMs, // iat, in the page's clock
      expiresAt,
    };
    update((s) => ({ tokens: [...s.tokens, token], renewals: [...s.renewals, { at }] }));
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,

    /** A `fetch` for createConnectAuth's `fetch` option: sends with `send` and records the request. */
    recordingFetch(send = (input, init) => window.fetch(input, init)) {
      return (input, init) => {
        const entry = {
          id: nextId++,
          at: Date.now(),
          ...describe(input, init),
          status: null,
          ok: null,
          ms: null,
          done: false,
        };
        const started = performance.now();
        update((s) => ({ requests: [...s.requests, entry] }));
        const finish = (status, ok) =>
          update((s) => ({
            requests: s.requests.map((r) =>
              r.id === entry.id ? { ...r, status, ok, ms: Math.round(performance.now() - started), done: true } : r,
            ),
          }));
        let sent;
        try {
          sent = Promise.resolve(send(input, init));
        } catch (error) {
          sent = Promise.reject(error);
        }
        return sent.then(
          (response) => {
            finish(response.status, response.ok);
            return response;
          },
          (error) => {
            finish(error?.name === 'AbortError' ? 'aborted' : 'failed', false);
            throw error;
          },
        );
      };
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
        const { claims, expiresAt } = seen.snapshot;
        if (claims && expiresAt !== undefined) addToken(claims, expiresAt, Date.now());
        const { stats } = seen;
        const old = snapshot.stats;
        if (Object.keys(stats).some((k) => stats[k] !== old[k])) {
          const now = Date.now();
          const calls = Math.max(0, stats.hostCalls - old.hostCalls);
          const failed = Math.max(0, stats.failures - old.failures);
          const marks = Array.from({ length: calls }, (_, i) => ({ at: now, failed: i < failed }));
          update((s) => ({ stats: { ...stats }, hostCalls: [...s.hostCalls, ...marks] }));
        }
      };
      const unsubscribe = auth.subscribe((event) => {
        if (event.type === 'renewed') addToken(event.claims, event.expiresAt, Date.now());
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
      update(() => ({ requests: [] }));
    },
  };
}

/** The newest `LOG_SIZE` requests, newest first. */
export function recentRequests(snapshot) {
  return snapshot.requests.slice(-LOG_SIZE).reverse();
}
