// The hostile calls, run in the page. Each runner returns plain data that hostile.test.mjs
// asserts on: for every call what happened (`outcome`) and, where the rule is broken, a
// `deviation` saying how. The rule: a clear ConnectTokenError (code + message), or for `fetch`
// exactly what `window.fetch` itself does with the same arguments; never a wasm trap, never a
// synchronous throw from a promise-returning method, never an uncaught error.

const h = () => window.hostile;
const api = (path = '/api/echo') => new URL(path, location.href).href;
const boom = () => {
  throw new Error('boom');
};

/** Checks one outcome against "a ConnectTokenError with this code" (or any code if null). */
function expectCte(outcome, code) {
  if (outcome.kind !== 'rejected') return `expected a rejection with ${code ?? 'a ConnectTokenError'}, got ${outcome.kind} ${JSON.stringify(outcome.result ?? outcome.error ?? '')}`;
  const error = outcome.error;
  if (error.wasmTrap) return `wasm trap: ${error.text}`;
  if (!error.cte) return `rejected with a non-ConnectTokenError ${error.text}`;
  if (code && error.code !== code) return `code ${error.code}, expected ${code}: ${error.message}`;
  if (!error.message || error.message.length < 20) return `unclear message ${JSON.stringify(error.message)}`;
  return null;
}

/** `createConnectAuth(options)` with bad options: each must reject with `invalid-options`. */
export async function options() {
  const { createConnectAuth, hostileProxy, mint } = h();
  const origin = location.origin;
  const invalid = [
    ['number', () => 5],
    ['string', () => 'x'],
    ['boolean', () => true],
    ['symbol', () => Symbol('o')],
    ['bigint', () => 10n],
    ['function', () => () => ({})],
    ['array with an entry', () => [1]],
    ['unknown key', () => ({ nope: 1 })],
    ['unknown key with hostile value', () => ({ nope: hostileProxy() })],
    ['getter throws', () => ({ get timeoutMs() { throw new Error('getter'); } })],
    ['getter throws undefined', () => ({ get timeoutMs() { throw undefined; } })],
    ['getter throws a hostile proxy', () => ({ get scheme() { throw hostileProxy(); } })],
    ['Proxy throwing on every trap', () => hostileProxy()],
    ['revoked Proxy', () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }],
    ...[NaN, Infinity, -Infinity, -1, 86_400.5, '60', null, {}, [], 10n, true].map((v) => [`renewMarginSeconds ${String(v)}`, () => ({ renewMarginSeconds: v })]),
    ...[0, 0.5, NaN, Infinity, 1e20, -5, 2 ** 31, '100', null, {}].map((v) => [`timeoutMs ${String(v)}`, () => ({ timeoutMs: v })]),
    ...['', 'JWT ', 'JWT\r\nX-Evil: 1', 'Bé', 'a b', 5, null, {}, ['JWT']].map((v) => [`scheme ${JSON.stringify(String(v))}`, () => ({ scheme: v })]),
    ...['yes', 1, 0, null, {}].map((v) => [`retryUnauthorized ${String(v)}`, () => ({ retryUnauthorized: v })]),
    ...[5, 'x', null, {}, hostileProxy()].map((v, i) => [`getToken #${i}`, () => ({ getToken: v })]),
    ...['x', null, 5, {}].map((v) => [`fetch ${String(v)}`, () => ({ fetch: v })]),
    ...[
      ['a string', 'https://a.example'],
      ['empty', []],
      ['a number entry', [5]],
      ['a null entry', [null]],
      ['a hole', new Array(2)],
      ['an empty entry', ['']],
      ['not a URL', ['not a url']],
      ['a path', ['https://a.example/path']],
      ['a query', ['https://a.example?x']],
      ['user info', ['https://u:p@a.example']],
      ['file:', ['file:///etc/passwd']],
      ['javascript:', ['javascript:alert(1)']],
      ['data:', ['data:text/plain,x']],
      ['second entry bad', [origin, 5]],
      ['array-like', { length: 1, 0: origin }],
      ['Proxy of an array', hostileProxy([origin])],
      ['an entry with a throwing toString', [{ toString: boom }]],
    ].map(([name, v]) => [`allowedOrigins ${name}`, () => ({ allowedOrigins: v })]),
  ];
  const valid = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['empty object', () => ({})],
    ['null prototype', () => Object.create(null)],
    ['frozen, every option', () => Object.freeze({ renewMarginSeconds: 30, timeoutMs: 5000, scheme: 'Bearer', retryUnauthorized: false, getToken: () => mint(), allowedOrigins: [origin], fetch: (...args) => fetch(...args) })],
    ['symbol keys are ignored', () => ({ [Symbol('x')]: 1, getToken: () => mint() })],
    ['undefined values are defaults', () => ({ timeoutMs: undefined, scheme: undefined, getToken: undefined })],
    ['a long scheme', () => ({ scheme: 'X'.repeat(10_000), getToken: () => mint() })],
    ['10 000 origins', () => ({ allowedOrigins: Array.from({ length: 10_000 }, (_, i) => `https://a${i}.example`), getToken: () => mint() })],
    ['default port written', () => ({ allowedOrigins: ['https://a.example:443/'], getToken: () => mint() })],
    ['getToken is a class (throws when called)', () => ({ getToken: class {} })],
    // A real array of origins whose own methods are hostile: the library never calls them.
    ['allowedOrigins an array whose map throws', () => ({ allowedOrigins: Object.assign([origin], { map: boom }), getToken: () => mint() })],
  ];
  const results = [];
  for (const [name, make, expectValid] of [...invalid.map((c) => [...c, false]), ...valid.map((c) => [...c, true])]) {
    const outcome = await h().outcome(() =>
      createConnectAuth(make()).then((auth) => {
        auth.dispose();
        return 'created';
      }),
    );
    let deviation;
    if (expectValid) {
      deviation = outcome.kind === 'resolved' ? null : `expected to be accepted, got ${JSON.stringify(outcome)}`;
    } else {
      deviation = expectCte(outcome, 'invalid-options');
    }
    results.push({ name, outcome, deviation });
  }
  return results;
}

/** Token sources that misbehave: each must give the right ConnectTokenError, promptly. */
export async function sources() {
  const { createConnectAuth, hostileProxy, mint } = h();
  const expired = () => {
    const token = mint(900);
    const [head, , sig] = token.split('.');
    const iat = Math.floor(Date.now() / 1000) - 3600;
    const claims = btoa(JSON.stringify({ exp: iat + 900, iat })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return `${head}.${claims}.${sig}`;
  };
  const withClaims = (json) => {
    const [head, , sig] = mint().split('.');
    return `${head}.${btoa(json).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.${sig}`;
  };
  const huge = mint(900, { padding: 'p'.repeat(2_000_000) });
  let self; // the instance, for sources that call back into it
  const cases = [
    ['throws an Error', () => { throw new Error('no token'); }, 'host-error'],
    ['throws undefined', () => { throw undefined; }, 'host-error'],
    ['throws a hostile Proxy', () => { throw hostileProxy(); }, 'host-error'],
    ['throws a string with a token in it', () => { throw `bad token ${mint()}`; }, 'host-error'],
    ['returns a number', () => 5, 'malformed-token'],
    ['returns undefined', () => undefined, 'malformed-token'],
    ['returns null', () => null, 'malformed-token'],
    ['returns an object', () => ({ token: mint() }), 'malformed-token'],
    ['returns a String object', () => new String(mint()), 'malformed-token'],
    ['returns a Symbol', () => Symbol('t'), 'malformed-token'],
    ['returns a promise of an object', () => Promise.resolve({ token: mint() }), 'malformed-token'],
    ['returns a promise of a number', () => Promise.resolve(42), 'malformed-token'],
    ['returns a promise of a hostile Proxy', () => Promise.resolve(hostileProxy()), 'host-error', 'malformed-token'],
    ['returns a rejected promise', () => Promise.reject(new Error('503')), 'host-error'],
    ['rejects with undefined', () => Promise.reject(undefined), 'host-error'],
    ['rejects with a hostile Proxy', () => Promise.reject(hostileProxy()), 'host-error'],
    ['returns a hostile Proxy', () => hostileProxy(), 'host-error', 'malformed-token'],
    ['returns a thenable whose then getter throws an Error', () => ({ get then() { throw new Error('then'); } }), 'host-error'],
    ['returns a thenable whose then getter throws a hostile Proxy', () => ({ get then() { throw hostileProxy(); } }), 'host-error'],
    ['returns a thenable whose then throws', () => ({ then() { throw new Error('then'); } }), 'host-error'],
    ['returns a thenable that resolves twice', () => { const a = mint(); const b = mint(); return { then(res) { res(a); res(b); } }; }, null],
    ['returns a promise resolved twice', () => new Promise((res) => { res(mint()); res('garbage'); }), null],
    ['returns a thenable that rejects then resolves', () => ({ then(res, rej) { rej(new Error('x')); res(mint()); } }), 'host-error'],
    ['returns a thenable resolving a hostile Proxy', () => ({ then(res) { res(hostileProxy()); } }), 'malformed-token', 'host-error'],
    ['never answers (timeoutMs 300)', () => new Promise(() => {}), 'timeout'],
    ['returns ""', () => '', 'malformed-token'],
    ['returns "garbage"', () => 'garbage', 'malformed-token'],
    ['returns "a.b.c"', () => 'a.b.c', 'malformed-token'],
    ['returns ".."', () => '..', 'malformed-token'],
    ['returns NUL bytes', () => '\0.\0.\0', 'malformed-token'],
    ['returns lone surrogates', () => '\ud800.\udfff.\ud800', 'malformed-token'],
    ['returns a JWT without exp', () => withClaims('{"iat":1}'), 'malformed-token'],
    ['returns a JWT with a string exp', () => withClaims('{"exp":"1764000900"}'), 'malformed-token'],
    // The browser's JSON.parse reads the claims: deep nesting is data, not a trap; the exp decides.
    ['returns a JWT whose claims are deeply nested', () => withClaims(`{"exp":${Math.floor(Date.now() / 1000) + 900},"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), null],
    ['returns a JWT whose claims are deeply nested and long expired', () => withClaims(`{"exp":1,"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), 'expired-token'],
    ['returns an expired JWT', expired, 'expired-token'],
    ['returns 50 MB of ASCII', () => 'x'.repeat(50_000_000), 'malformed-token', undefined, 15_000],
    ['returns 10 MB of non-ASCII', () => 'é'.repeat(5_000_000), 'malformed-token'],
    ['returns a 2 MB valid token', () => huge, null],
    // (The first call runs inside createConnectAuth, before `self` is set: call back a tick later.)
    ['calls dispose() on its own instance', () => new Promise((resolve) => setTimeout(() => { self.dispose(); resolve(mint()); })), 'disposed'],
    ['calls token() and snapshot() on its own instance', () => new Promise((resolve) => setTimeout(() => {
      self.token().catch(() => {});
      self.snapshot();
      self.stats();
      self.claims();
      resolve(mint());
    })), null],
  ];
  const results = [];
  for (const [name, getToken, code, alternative, allowMs = 4000] of cases) {
    const started = performance.now();
    const auth = await createConnectAuth({ getToken: () => getToken(), timeoutMs: 300 });
    self = auth;
    const outcome = await h().outcome(() => auth.token(), allowMs + 1000);
    const uncaught = h().uncaught.splice(0);
    if (uncaught.length) outcome.uncaught = uncaught;
    outcome.ms = Math.round(performance.now() - started);
    let deviation = null;
    if (code === null) {
      if (outcome.kind !== 'resolved' || !outcome.result.string) deviation = `expected a token, got ${JSON.stringify(outcome)}`;
    } else {
      deviation = expectCte(outcome, code);
      if (deviation && alternative && !expectCte(outcome, alternative)) deviation = null;
      if (!deviation && code !== 'timeout' && outcome.error.code === 'timeout') deviation = 'timed out instead of failing at once';
    }
    if (!deviation && uncaught.length) deviation = `uncaught on the page: ${JSON.stringify(uncaught)}`;
    // A failure before token() was called (the first ask runs inside createConnectAuth) makes the
    // caller wait for the retry, FIRST_BACKOFF (2 s) later: allowed, but no longer.
    if (!deviation && outcome.ms > allowMs) deviation = `took ${outcome.ms} ms`;
    if (!deviation && outcome.kind === 'rejected' && /eyJ[\w-]{10,}\.[\w-]{10,}/.test(outcome.error.message)) {
      deviation = `the message carries a token: ${outcome.error.message}`;
    }
    results.push({ name, outcome, deviation });
    auth.dispose();
  }
  return results;
}

/** Odd `fetch(input, init)` arguments, as factories (bodies and getters are fresh each time). */
async function fetchCases() {
  const { hostileProxy } = h();
  const used = new Request(api(), { method: 'POST', body: 'once' });
  await used.text();
  return [
    ['number input', () => [5]],
    ['null input', () => [null]],
    ['undefined input', () => [undefined]],
    ['plain object input', () => [{}]],
    ['input with a throwing toString', () => [{ toString: boom }]],
    ['input with a toString returning an object', () => [{ toString: () => ({}) }]],
    ['Symbol input', () => [Symbol('u')]],
    ['hostile Proxy input', () => [hostileProxy()]],
    ['URL object', () => [new URL(api())]],
    ['URL object of another origin', () => [new URL('/api/echo', `http://localhost:${location.port}`)]],
    ['Request object', () => [new Request(api())]],
    ['Request with a body', () => [new Request(api(), { method: 'POST', body: 'hello' })]],
    ['Request with a body already used', () => [used]],
    ['Request with its own Authorization', () => [new Request(api(), { headers: { Authorization: 'Basic x' } })]],
    ['relative URL', () => ['api/echo']],
    ['protocol-relative URL to another host', () => [`//localhost:${location.port}/api/echo`]],
    ['invalid URL', () => ['http://[::1']],
    ['URL with credentials', () => [`http://u:p@${location.host}/api/echo`]],
    ['javascript: URL', () => ['javascript:alert(1)']],
    ['data: URL', () => ['data:text/plain,hello']],
    ['2 MB URL', () => [api(`/api/echo?${'q'.repeat(2_000_000)}`)]],
    ['init null', () => [api(), null]],
    ['init 5', () => [api(), 5]],
    ["init 'x'", () => [api(), 'x']],
    ['init true', () => [api(), true]],
    ['init a function', () => [api(), () => {}]],
    ['init a hostile Proxy', () => [api(), hostileProxy()]],
    ['init with a throwing getter', () => [api(), { get method() { throw new Error('getter'); } }]],
    ['init method GET with a body', () => [api(), { method: 'GET', body: 'x' }]],
    ['init method invalid', () => [api(), { method: 'NOT A METHOD' }]],
    ['init headers 5', () => [api(), { headers: 5 }]],
    ["init headers 'x'", () => [api(), { headers: 'x' }]],
    ['init headers null', () => [api(), { headers: null }]],
    ['init headers with a throwing getter', () => [api(), { headers: { get 'x-test'() { throw new Error('header'); } } }]],
    ['init headers a hostile Proxy', () => [api(), { headers: hostileProxy() }]],
    ['init headers with an invalid name', () => [api(), { headers: { 'bad name': 'x' } }]],
    ['init headers with an invalid value', () => [api(), { headers: { 'x-test': 'a\nb' } }]],
    ['init headers as bad pairs', () => [api(), { headers: [['only-one']] }]],
    ['init headers own Authorization', () => [api(), { headers: { authorization: 'Basic x' } }]],
    ["init signal 'x'", () => [api(), { signal: 'x' }]],
    ['init signal already aborted', () => { const c = new AbortController(); c.abort(); return [api(), { signal: c.signal }]; }],
    ['init body a ReadableStream without duplex', () => [api(), { method: 'POST', body: new ReadableStream() }]],
    ['init body a hostile Proxy', () => [api(), { method: 'POST', body: hostileProxy() }]],
    ['init body an object with a throwing toString', () => [api(), { method: 'POST', body: { toString: boom } }]],
    ['init body 1 MB', () => [api(), { method: 'POST', body: 'b'.repeat(1_000_000) }]],
  ];
}

/**
 * Every odd fetch through `auth.fetch` and through `window.fetch`, compared: a rejection must be
 * the same (name and message) or a ConnectTokenError; a resolution must be a resolution.
 */
export async function fetches(key, compare = true) {
  const auth = h().instances[key];
  const results = [];
  for (const [name, make] of await fetchCases()) {
    const library = await h().outcome(() => auth.fetch(...make()));
    let native;
    if (compare) native = await h().outcome(() => fetch(...make()));
    let deviation = null;
    if (library.kind === 'threw') deviation = `auth.fetch threw synchronously: ${library.error.text}`;
    else if (library.kind === 'rejected' && library.error.wasmTrap) deviation = `wasm trap: ${library.error.text}`;
    else if (library.kind === 'pending') deviation = 'still pending after 60 s (a hang)';
    else if (compare) {
      if (native.kind === 'rejected') {
        const same = library.kind === 'rejected' && library.error.name === native.error.name && library.error.message === native.error.message;
        if (!same && !(library.kind === 'rejected' && library.error.cte)) {
          deviation = `window.fetch rejects with ${native.error.text}; auth.fetch ${library.kind === 'rejected' ? `rejects with ${library.error.text}` : `${library.kind} (status ${library.result?.status})`}`;
        }
      } else if (native.kind === 'resolved' && library.kind !== 'resolved' && !(library.kind === 'rejected' && library.error.cte)) {
        deviation = `window.fetch resolves (status ${native.result.status}); auth.fetch ${library.kind} ${library.error?.text ?? ''}`;
      }
    }
    results.push({ name, library, native, deviation });
  }
  return results;
}

/** `token()`, `subscribe()` and the rest with odd arguments, and detached. */
export async function methods(key) {
  const { hostileProxy, ConnectAuth } = h();
  const auth = h().instances[key];
  const aborted = new AbortController();
  aborted.abort();
  const results = [];
  const check = async (name, call, rule) => {
    const outcome = await h().outcome(call); // settles, or counts as a hang after HANG_MS
    let deviation = rule(outcome);
    if (!deviation && outcome.error?.wasmTrap) deviation = `wasm trap: ${outcome.error.text}`;
    results.push({ name, outcome, deviation });
  };
  const cte = (code) => (o) => expectCte(o, code);
  const token = (o) => (o.kind === 'resolved' && o.result.string ? null : `expected a token, got ${JSON.stringify(o)}`);
  const returns = (o) => (o.kind === 'returned' ? null : `expected a plain return, got ${JSON.stringify(o)}`);
  const typeErrorNaming = (word) => (o) =>
    o.kind === 'threw' && o.error.typeError && o.error.message.includes(word) ? null : `expected a TypeError naming ${word}, got ${JSON.stringify(o)}`;

  for (const [name, value] of [['5', 5], ["'x'", 'x'], ['true', true], ['a Symbol', Symbol('o')], ['a function', () => {}]]) {
    await check(`token(${name})`, () => auth.token(value), cte('invalid-options'));
  }
  await check('token(null)', () => auth.token(null), token);
  await check('token({})', () => auth.token({}), token);
  await check("token({signal: 'x'})", () => auth.token({ signal: 'x' }), cte('invalid-options'));
  await check('token({signal: {aborted: false}})', () => auth.token({ signal: { aborted: false } }), cte('invalid-options'));
  await check("token({forceRefresh: 'yes'})", () => auth.token({ forceRefresh: 'yes' }), cte('invalid-options'));
  await check('token({forceRefresh: 1})', () => auth.token({ forceRefresh: 1 }), cte('invalid-options'));
  await check('token({forceRefresh: null})', () => auth.token({ forceRefresh: null }), cte('invalid-options'));
  await check('token(hostile Proxy)', () => auth.token(hostileProxy()), cte('invalid-options'));
  await check('token({get signal() { throw Error }})', () => auth.token({ get signal() { throw new Error('getter'); } }), cte('invalid-options'));
  await check('token({get signal() { throw undefined }})', () => auth.token({ get signal() { throw undefined; } }), cte('invalid-options'));
  await check('token({get signal() { throw hostile Proxy }})', () => auth.token({ get signal() { throw hostileProxy(); } }), cte('invalid-options'));
  await check('token({signal: aborted}) with a usable token', () => auth.token({ signal: aborted.signal }), (o) =>
    token(o) && expectCte(o, 'aborted'));
  await check('subscribe(null)', () => auth.subscribe(null), typeErrorNaming('subscribe'));
  await check('subscribe(5)', () => auth.subscribe(5), typeErrorNaming('subscribe'));
  await check('subscribe(hostile Proxy)', () => auth.subscribe(hostileProxy()), typeErrorNaming('subscribe'));
  await check('unsubscribe twice', () => { const off = auth.subscribe(() => {}); off(); return off(5); }, returns);
  await check('claims(hostile Proxy)', () => auth.claims(hostileProxy()), returns);
  await check('snapshot(5)', () => auth.snapshot(5), returns);
  await check('stats(null)', () => auth.stats(null), returns);
  const { token: detachedToken, claims, stats, snapshot, subscribe, fetch: detachedFetch } = auth;
  await check('detached token()', () => detachedToken(), token);
  await check('detached claims()', () => claims(), returns);
  await check('detached stats()', () => stats(), returns);
  await check('detached snapshot()', () => snapshot(), returns);
  await check('detached subscribe()', () => subscribe(() => {})(), returns);
  await check('detached fetch()', () => detachedFetch(api()), (o) => (o.kind === 'resolved' && o.result.auth?.startsWith('JWT ') ? null : `expected an authenticated response, got ${JSON.stringify(o)}`));
  await check('token.call(null)', () => auth.token.call(null), token);
  await check('new ConnectAuth()', () => new ConnectAuth(), typeErrorNaming('createConnectAuth'));
  await check('new ConnectAuth(hostile Proxy)', () => new ConnectAuth(hostileProxy()), typeErrorNaming('createConnectAuth'));
  await check('new ConnectAuth(5)', () => new ConnectAuth(5), typeErrorNaming('createConnectAuth'));
  return results;
}

/** Every method of a disposed instance, and a detached dispose. */
export async function disposed() {
  const { createConnectAuth, mint } = h();
  const auth = await createConnectAuth({ getToken: () => mint() });
  await auth.token();
  const pending = auth.token({ forceRefresh: true }); // waits for the renewal that dispose stops
  const detached = auth.dispose;
  const results = [];
  const add = async (name, call, rule) => {
    const outcome = await h().outcome(call); // settles, or counts as a hang after HANG_MS
    results.push({ name, outcome, deviation: rule(outcome) });
  };
  const cte = (code) => (o) => expectCte(o, code);
  const returns = (o) => (o.kind === 'returned' ? null : `expected a plain return, got ${JSON.stringify(o)}`);
  await add('detached dispose()', () => detached(), (o) => (o.kind === 'returned' || (o.kind === 'threw' && o.error.cte) ? null : `detached dispose: ${JSON.stringify(o)}`));
  auth.dispose();
  await add('the token() waiting at dispose', () => pending, cte('disposed'));
  await add('token()', () => auth.token(), cte('disposed'));
  await add('token({forceRefresh: true})', () => auth.token({ forceRefresh: true }), cte('disposed'));
  await add('fetch() in scope', () => auth.fetch(api()), cte('disposed'));
  await add('fetch() out of scope: disposed (or passed through without the token)', () => auth.fetch(`http://localhost:${location.port}/api/echo`), (o) =>
    (o.kind === 'resolved' && o.result.auth === null) || !expectCte(o, 'disposed') ? null : `expected disposed or an unauthenticated pass-through, got ${JSON.stringify(o)}`);
  await add('dispose() again', () => auth.dispose(), returns);
  await add('Symbol.dispose', () => auth[Symbol.dispose ?? Symbol.for('Symbol.dispose')](), returns);
  await add('snapshot()', () => auth.snapshot(), (o) => (o.kind === 'returned' ? null : JSON.stringify(o)));
  await add('stats()', () => auth.stats(), returns);
  await add('claims()', () => auth.claims(), returns);
  await add('subscribe()', () => auth.subscribe(() => {}), returns);
  const status = auth.snapshot().status;
  results.push({ name: 'snapshot().status', outcome: { status }, deviation: status === 'failed' ? null : `status ${status}` });
  return results;
}
