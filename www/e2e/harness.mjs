// Shared setup of the end-to-end suite (node --test www/e2e/): a headless Chromium, the simulated
// Connect world (www/sim: real atlassian-connect-js bridge, atlassian-connect-express backend, virtual server clock),
// the add-on page under test inside the host page, and helpers that move the page clock
// (Playwright page.clock) and the server clock together or apart.
//
// The app under test follows the TEST CONTRACT of www/demo/README.md ("Test hook"): it loads /iframe.js,
// creates createConnectAuth(options from its own query string), then sets
// window.connectTokenDemo = { auth, createConnectAuth, isConnectTokenError } and <html data-ready="1">
// (or { error, ... } and data-ready="error").
//
//   E2E_APP=plain|vite|webpack   the app the scenarios run on. Default: vite when
//                                www/demo/dist-vite/index.html exists, else plain (www/e2e/plain).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startWorld, tokenHash } from '../sim/servers.js';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from '../chromium.mjs';
import { pkgWasmText } from '../size/measure.mjs';

export { tokenHash, pkgWasmText };

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const PKG_DIR = path.join(ROOT, 'pkg');

/** Every app that honours the test contract: where its build lives and where it is served. */
export const APPS = {
  plain: { dir: path.join(HERE, 'plain'), prefix: '/plain/' },
  vite: { dir: path.join(ROOT, 'www/demo/dist-vite'), prefix: '/vite/' },
  webpack: { dir: path.join(ROOT, 'www/demo/dist-webpack'), prefix: '/webpack/' },
};

export const appAvailable = (name) => existsSync(path.join(APPS[name].dir, 'index.html'));

/** The app every scenario runs on (E2E_APP, else vite if built, else plain). */
export const MAIN_APP = (() => {
  const chosen = process.env.E2E_APP;
  if (chosen) {
    if (!APPS[chosen]) throw new Error(`E2E_APP must be one of ${Object.keys(APPS).join(', ')}, got ${chosen}`);
    if (!appAvailable(chosen)) throw new Error(`E2E_APP=${chosen} but ${APPS[chosen].dir}/index.html does not exist (build it first)`);
    return chosen;
  }
  return appAvailable('vite') ? 'vite' : 'plain';
})();

/**
 * Virtual minutes for long sessions. The React demo re-renders every 250 ms (its countdown and stats
 * poll), and every one of those timers runs when the test fast-forwards the page clock (about 0.1 s of
 * wall time per virtual second), so sessions on the demo builds are shorter than on the plain page.
 * E2E_SESSION_SCALE (default 1) multiplies them.
 */
export function sessionMs(plainMinutes, demoMinutes) {
  const scale = Number(process.env.E2E_SESSION_SCALE || 1);
  return Math.round((MAIN_APP === 'plain' ? plainMinutes : demoMinutes) * 60_000 * scale);
}

/**
 * Whether a demo build bundles the library now in pkg/ (its JS holds the same module). The demo
 * builds copy the library at build time: after ./scripts/build.sh, rebuild www/demo too, or the
 * scenarios on vite/webpack test the older library.
 */
export function bundlesCurrentPkg(app) {
  if (app === 'plain') return true;
  const dir = path.join(APPS[app].dir, 'assets');
  const js = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')) : [];
  const current = pkgWasmText();
  return js.some((f) => readFileSync(path.join(dir, f), 'utf8').includes(current));
}

/** Apps that exist on disk (for the smoke test). */
export const AVAILABLE_APPS = Object.keys(APPS).filter(appAvailable);


/**
 * The real axios and ky from node_modules as one ES module (its text), for a page to import from a
 * blob URL: `const { axios, ky } = await import(URL.createObjectURL(new Blob([code], …)))`.
 */
export async function httpClientsModule() {
  const bundle = await build({
    stdin: { contents: "export { default as axios } from 'axios'; export { default as ky } from 'ky';", resolveDir: process.cwd() },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  return bundle.outputFiles[0].text;
}

/** Console messages that are no finding: the host bridge's known chatter. */
const HARMLESS_CONSOLE = [
  /^Connect GasV3 catch/,
  /^\[web-vitals\]/,
];

const JWT_LIKE = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** Hashes (as the sim computes them) of every JWT-looking string in `text`. */
export function jwtHashesIn(text) {
  return [...new Set((String(text ?? '').match(JWT_LIKE) || []).map(tokenHash))];
}

/**
 * Starts the browser and the world for one test file.
 * @param {object} [o]
 * @param {object} [o.host]  initial host knobs (the suite's default: the sim's)
 */
export async function startEnv(o = {}) {
  if (!existsSync(path.join(PKG_DIR, 'index.js'))) {
    throw new Error(`${PKG_DIR} is missing: run ./scripts/build.sh first`);
  }
  const staticDirs = { '/pkg/': PKG_DIR };
  for (const name of AVAILABLE_APPS) staticDirs[APPS[name].prefix] = APPS[name].dir;
  // Chromium starts while the world loads (atlassian-connect-express takes a few hundred ms).
  const [world, browser] = await Promise.allSettled([
    startWorld({ staticDirs, host: o.host }),
    chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }),
  ]);
  if (world.status === 'rejected' || browser.status === 'rejected') {
    if (world.status === 'fulfilled') await world.value.close();
    if (browser.status === 'fulfilled') await browser.value.close().catch(() => {});
    throw world.status === 'rejected' ? world.reason : browser.reason;
  }
  return new Env(world.value, browser.value);
}

export class Env {
  constructor(world, browser) {
    this.world = world;
    this.browser = browser;
    this.sessions = [];
  }

  get control() {
    return this.world.control;
  }

  /**
   * Closes the open pages (a failed test may leave a keeper running), clears every counter, log, the
   * host cache and all knobs of the world, puts the server clock back to real time, then sets
   * `host`/`addon` knobs. The next session's page clock starts at the server clock (plus its skew).
   */
  async reset({ host, addon } = {}) {
    for (const s of this.sessions) await s.close();
    this.sessions = [];
    this.resetWorld({ host, addon });
  }

  /** Like reset() but keeps the pages open (call session.sync() after it: it also resets the server clock). */
  resetWorld({ host, addon } = {}) {
    this.control.reset();
    if (host) this.control.host(host);
    if (addon) this.control.addon(addon);
  }

  /**
   * Opens the app. Returns a Session.
   * @param {object} [o]
   * @param {string} [o.app]      plain | vite | webpack (default MAIN_APP)
   * @param {object} [o.query]    the add-on page's query: {allowed, timeoutMs, renewMarginSeconds, retryUnauthorized, ...}
   * @param {string} [o.form]     host page getToken form: promise | callback
   * @param {boolean} [o.direct]  open the add-on page itself, not inside the host page (no Connect host)
   * @param {number} [o.skewMs]   page clock minus server clock (e.g. +600000: the page is 10 minutes fast);
   *                              the page clock starts at the server clock's time (env.reset() sets it to real time) plus this
   * @param {boolean} [o.expectReady] default true: data-ready must be "1"
   * @param {boolean} [o.ace]     the page as atlassian-connect-express renders it (/ace/…: the iframe URL
   *                              carries the product's JWT, ACE authenticates it and fills in {{token}})
   */
  async open(o = {}) {
    const app = o.app || MAIN_APP;
    const skewMs = o.skewMs || 0;
    const context = await this.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const session = new Session(this, { app, context, page, skewMs });
    this.sessions.push(session);
    page.on('console', (m) => session.console.push({ type: m.type(), text: m.text(), url: m.location()?.url || '' }));
    page.on('pageerror', (e) => session.pageErrors.push(String(e?.stack || e)));
    // The page's clock: fake timers in every frame (the cross-origin add-on frame included), running
    // with real time until a test moves it. It starts at the server clock's time plus the skew; from
    // then on the server clock follows it.
    await page.clock.install({ time: this.control.clock().now + skewMs });

    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query || {})) if (v !== undefined && v !== null) q.set(k, String(v));
    const addonPath = `${o.ace ? '/ace' : ''}${APPS[app].prefix}index.html${q.size ? `?${q}` : ''}`;
    if (o.direct) {
      await page.goto(this.world.addonOrigin + addonPath);
      session.frame = page.mainFrame();
    } else {
      await page.goto(this.world.hostPageUrl({ addon: addonPath, form: o.form, pageJwt: o.ace ? 1 : undefined }));
      session.frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
      assert.equal(new URL(session.frame.url()).origin, this.world.addonOrigin, 'the add-on runs cross-origin');
    }
    await session.frame.waitForFunction(() => document.documentElement.dataset.ready, null, { polling: 25, timeout: 30_000 });
    session.ready = await session.frame.evaluate(() => document.documentElement.dataset.ready);
    if (o.expectReady !== false) assert.equal(session.ready, '1', `${app} did not start: ${await session.describeError()}`);
    if (session.ready === '1') {
      await session.frame.evaluate(() => {
        const events = [];
        window.__e2e = { events, pending: new Map(), nextId: 1 };
        window.connectTokenDemo.auth.subscribe((e) =>
          events.push({ type: e.type, code: e.error?.code, message: e.error?.message, at: Date.now() }),
        );
      });
    }
    await session.sync();
    return session;
  }

  async close() {
    for (const s of this.sessions) await s.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    await this.world?.close();
  }
}

export class Session {
  constructor(env, { app, context, page, skewMs }) {
    this.env = env;
    this.app = app;
    this.context = context;
    this.page = page;
    this.skewMs = skewMs;
    this.frame = null;
    this.ready = null;
    this.console = [];
    this.pageErrors = [];
    this.closed = false;
    // Last reading of the page clock: page time `page` at real (Node) time `real`.
    this.reading = { page: Date.now() + skewMs, real: Date.now() };
  }

  get world() {
    return this.env.world;
  }

  /** Evaluate in the add-on frame. */
  eval(fn, arg) {
    return this.frame.evaluate(fn, arg);
  }

  async describeError() {
    return this.frame.evaluate(() => {
      const e = window.connectTokenDemo?.error;
      return e ? `${e.code}: ${e.message}` : 'no connectTokenDemo.error';
    });
  }

  // ---- clocks ----------------------------------------------------------------------------------

  /** The page clock now, estimated from the last reading (the page clock runs with real time). */
  pageNowEstimate() {
    return this.reading.page + (Date.now() - this.reading.real);
  }

  /** Reads the page clock and sets the server clock to page time minus the skew. */
  async sync() {
    const page = await this.frame.evaluate(() => Date.now());
    this.reading = { page, real: Date.now() };
    this.#setServer(page);
    return page;
  }

  #setServer(pageTime) {
    // server now = pageTime - skew, at this real instant
    this.world.control.clock({ shiftMs: pageTime - this.skewMs - Date.now() });
  }

  /**
   * Moves both clocks forward by `ms`, firing the page's timers in order (Playwright runFor).
   * The server clock is put at the step's end first, so that anything the host mints during the
   * step is not older than the page thinks; keep steps short or end them where the keeper acts.
   */
  async advance(ms) {
    ms = Math.max(0, Math.round(ms));
    this.#setServer(this.pageNowEstimate() + ms);
    await this.page.clock.runFor(ms);
    await this.sync();
  }

  /** Moves both clocks to page time `t` (no-op if already past). */
  async advanceTo(t) {
    const d = t - this.pageNowEstimate();
    if (d > 0) await this.advance(d);
  }

  /** Moves both clocks by `ms` in steps of at most `stepMs`, calling `each()` after every step. */
  async run(ms, { stepMs = 1000, each } = {}) {
    const end = this.pageNowEstimate() + ms;
    for (;;) {
      const left = end - this.pageNowEstimate();
      if (left <= 0) break;
      await this.advance(Math.min(stepMs, left));
      if (each) await each();
    }
  }

  /** Laptop lid closed for `ms`: both clocks jump, page timers do NOT run (setSystemTime). */
  async sleep(ms) {
    const target = this.pageNowEstimate() + ms;
    this.#setServer(target);
    await this.page.clock.setSystemTime(target);
    await this.sync();
  }

  /**
   * The page clock alone jumps by `ms` (a manual change or an NTP correction; the server clock does
   * not move); page timers do not run. The skew changes by `ms`.
   */
  async jumpPageClock(ms) {
    await this.page.clock.setSystemTime(this.pageNowEstimate() + ms);
    this.skewMs += ms;
    await this.sync();
  }

  /** Laptop lid closed for `ms`, Playwright style: both clocks jump, due page timers fire once. */
  async fastForward(ms) {
    this.#setServer(this.pageNowEstimate() + ms);
    await this.page.clock.fastForward(ms);
    await this.sync();
  }

  // ---- the app -----------------------------------------------------------------------------------

  /** auth.fetch(url, init) in the frame → {status, date, text, json?} or {error: {name, code, message}}. */
  fetch(url, init) {
    return this.frame.evaluate(
      async ({ url, init }) => {
        try {
          const r = await window.connectTokenDemo.auth.fetch(url, init);
          const text = await r.text();
          let json;
          try {
            json = JSON.parse(text);
          } catch {}
          return { status: r.status, date: r.headers.get('date'), text, json };
        } catch (e) {
          return { error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } };
        }
      },
      { url, init },
    );
  }

  /** Starts auth.fetch without waiting; returns an id for peek(). */
  start(url, init) {
    return this.#startInFrame('fetch', [url, init]);
  }

  /** Starts auth.token(options) without waiting; returns an id for peek() (the result never holds the token). */
  startToken(options) {
    return this.#startInFrame('token', [options]);
  }

  #startInFrame(kind, args) {
    return this.frame.evaluate(
      ({ kind, args }) => {
        const auth = window.connectTokenDemo.auth;
        const id = window.__e2e.nextId++;
        const p =
          kind === 'fetch'
            ? auth.fetch(...args).then(async (r) => ({ status: r.status, text: await r.text() }))
            : auth.token(...args).then(() => ({ ok: true }));
        const entry = { done: false, result: undefined };
        p.catch((e) => ({ error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } })).then((result) =>
          Object.assign(entry, { done: true, result }),
        );
        window.__e2e.pending.set(id, entry);
        return id;
      },
      { kind, args },
    );
  }

  /** {done, result} of a started request. */
  peek(id) {
    return this.frame.evaluate((id) => {
      const e = window.__e2e.pending.get(id);
      return { done: e.done, result: e.result };
    }, id);
  }

  /** auth.token(options) → {ok: true} (never the token) or {error}. */
  token(options) {
    return this.frame.evaluate(async (options) => {
      try {
        await window.connectTokenDemo.auth.token(options);
        return { ok: true };
      } catch (e) {
        return { error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } };
      }
    }, options);
  }

  /** auth.snapshot() without the claims' values (status, expiresAt, error code) plus page time. */
  snapshot() {
    return this.frame.evaluate(() => {
      const s = window.connectTokenDemo.auth.snapshot();
      return { status: s.status, expiresAt: s.expiresAt, exp: s.claims?.exp, iat: s.claims?.iat, errorCode: s.error?.code, now: Date.now() };
    });
  }

  stats() {
    return this.frame.evaluate(() => window.connectTokenDemo.auth.stats());
  }

  events() {
    return this.frame.evaluate(() => window.__e2e.events.slice());
  }

  /** Waits (real time, polling) until the keeper has no ask in flight. */
  async settle(timeout = 15_000) {
    await this.frame.waitForFunction(() => window.connectTokenDemo.auth.snapshot().status !== 'renewing', null, {
      polling: 10,
      timeout,
    });
  }

  /**
   * Waits (real time, polling) until the host server and the page agree on how many asks the page
   * made, and returns that count. An ask reaches the host through the bridge in its own time
   * (answered or not, hung included), and an answer that arrives in real time can start the next
   * ask, so the page is read before and after the host: a count read once and compared later raced
   * with that (a loaded machine saw page 8, host 9).
   */
  async hostCaughtUp(timeout = 15_000) {
    let seen;
    const agree = async () => {
      const page = (await this.stats()).hostCalls;
      const host = this.world.control.stats().hostCalls;
      seen = { page, host, pageAfter: (await this.stats()).hostCalls };
      return page === host && host === seen.pageAfter;
    };
    await waitUntil(agree, () => `the host and the page agree on the asks made (last read: ${JSON.stringify(seen)})`, timeout);
    return seen.host;
  }

  /** Waits (real time, polling) until fn(arg) in the frame is truthy. */
  async until(fn, arg, timeout = 15_000) {
    await this.frame.waitForFunction(fn, arg, { polling: 10, timeout });
  }

  /**
   * Uncaught errors and console errors that are findings. Chromium's "Failed to load resource" lines
   * (the host's 500s, the API's 401s: network outcomes the tests assert through the servers'
   * counters) and the host bridge's known chatter are not.
   */
  problems() {
    const consoleErrors = this.console.filter(
      (m) => m.type === 'error' && !HARMLESS_CONSOLE.some((re) => re.test(m.text)) && !/^Failed to load resource:/.test(m.text),
    );
    return [...consoleErrors.map((m) => `console.error: ${m.text} (${m.url})`), ...this.pageErrors.map((e) => `pageerror: ${e}`)];
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.context.close().catch(() => {});
  }
}

/**
 * The secrecy check every scenario ends with: no JWT-looking string (the tokens, or any other) in
 * console output, page errors, error messages the page received, any URL or Referer the add-on /
 * second / https servers saw, and no Authorization header or JWT-looking string at the third origin.
 * `allowPageJwt` tolerates the iframe URL's own product JWT (host page ?pageJwt=1).
 */
export async function assertNoLeaks(env, sessions = env.sessions, { allowPageJwt = false } = {}) {
  const issued = new Set(env.control.stats().issued.map((i) => i.hash));
  const leaks = [];
  for (const s of sessions) {
    for (const m of s.console) {
      for (const h of jwtHashesIn(m.text)) leaks.push(`console.${m.type} shows a JWT${issued.has(h) ? ' (an issued token)' : ''}: ${h}`);
    }
    for (const e of s.pageErrors) for (const h of jwtHashesIn(e)) leaks.push(`page error shows a JWT: ${h}`);
    if (!s.closed && s.ready === '1') {
      const events = await s.events().catch(() => []);
      for (const e of events) for (const h of jwtHashesIn(e.message)) leaks.push(`error event message holds a JWT: ${h}`);
    }
  }
  for (const r of env.control.addonStats().requests) {
    if (r.jwtHashesInUrl.length && !allowPageJwt) leaks.push(`${r.server} saw a JWT in the URL ${r.method} ${r.url.slice(0, 40)}…`);
    if (r.jwtHashesInReferer.length && !allowPageJwt) leaks.push(`${r.server} saw a JWT in the Referer of ${r.method} ${r.url}`);
    if (r.tokenSource && r.tokenSource !== 'header') leaks.push(`${r.server} found the token in ${r.tokenSource} (${r.method} ${r.url})`);
  }
  for (const r of env.control.thirdLog()) {
    if (r.hasAuthorization) leaks.push(`third origin got an Authorization header: ${r.method} ${r.url}`);
    if (r.jwtHashesFound.length) leaks.push(`third origin got a JWT-looking string: ${r.method} ${r.url}`);
  }
  assert.deepEqual(leaks, [], 'the token leaked');
}

/** Waits (real time, polling in Node) until `condition()` (may be async) is truthy; throws after `timeout` ms, saying `what` (a string, or a function that says what was last seen). */
export async function waitUntil(condition, what, timeout = 15_000) {
  const t0 = Date.now();
  while (!(await condition())) {
    if (Date.now() - t0 > timeout) throw new Error(`not within ${timeout} ms: ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The ConnectTokenError shape of a failed fetch/token result. */
export function assertTokenError(result, code, what = 'request') {
  assert.ok(result && result.error, `${what} should fail with ${code}, got ${JSON.stringify(result)?.slice(0, 200)}`);
  assert.equal(result.error.name, 'ConnectTokenError', `${what}: ${JSON.stringify(result.error)}`);
  assert.equal(result.error.code, code, `${what}: ${result.error.message}`);
}

/** Effective renew margin (ms) for a token lifetime, per the spec: margin clamped to half the lifetime. */
export function effectiveMarginMs(ttlSeconds, renewMarginSeconds = 60) {
  return Math.min(renewMarginSeconds * 1000, (ttlSeconds * 1000) / 2);
}

/**
 * A steady session: requests every `everyMs` for `durationMs` (both clocks together). Steps end at
 * each request and at each proactive renewal (snapshot().expiresAt − marginMs), so the host mints
 * exactly when the page asks. With `fineMs`, steps are at most that long from 10 s before the held
 * token's expiry to 3 s after it, where the keeper re-asks a host that hands back the same token
 * (during a step the server clock is at the step's end, so long steps there would make the host
 * judge its cache by a clock up to one step ahead of the page). Returns the results of the requests.
 */
export async function driveSession(s, { durationMs, everyMs, marginMs, url = '/api/whoami', fineMs = 0, onStep } = {}) {
  const end = s.pageNowEstimate() + durationMs;
  let nextRequest = s.pageNowEstimate() + everyMs;
  const results = [];
  for (;;) {
    const snap = await s.snapshot();
    s.reading = { page: snap.now, real: Date.now() };
    const renewAt = snap.expiresAt !== undefined ? Math.ceil(snap.expiresAt - marginMs) + 1 : Infinity;
    const candidates = [nextRequest, end];
    if (renewAt > snap.now) candidates.push(renewAt);
    if (fineMs && snap.expiresAt !== undefined && snap.now >= snap.expiresAt - 10_000 && snap.now <= snap.expiresAt + 3_000) {
      candidates.push(snap.now + fineMs);
    }
    const target = Math.min(...candidates);
    await s.advanceTo(target);
    if (target === renewAt) await s.settle();
    if (s.pageNowEstimate() >= nextRequest) {
      results.push(await s.fetch(url));
      nextRequest += everyMs;
    }
    if (onStep) await onStep();
    if (s.pageNowEstimate() >= end) break;
  }
  return results;
}
