// Soak + secrecy (issue 5): 24 simulated hours of one add-on page inside the simulated Jira
// (www/sim: the real Connect bridge, atlassian-connect-express backend, virtual server clock), with 15-minute
// tokens, a request every 5 s, random host faults, one host outage and three laptop sleeps.
// Everything that is random comes from one seeded PRNG (SOAK_SEED), also installed as the add-on
// frame's Math.random (the library's backoff jitter), and the page clock is paused between steps, so
// the plan (faults, outage, sleeps) is the same in every run; counts may differ by a request or two
// because the first token's iat falls at a different fraction of a second.
//
//   node --test www/soak/                      (24 h: 1.5-4 min of wall time)
//   SOAK_HOURS=4 SOAK_SEED=7 node --test www/soak/
//   SOAK_DEBUG=1 (print every failure, event, sleep and issued token)
//   SOAK_HEAP_SNAPSHOTS=<dir> (write heap snapshots of the add-on frame at 1 h, half-time and the end)
//
// It runs on the plain add-on page (www/e2e/plain: the same test contract as the React demo). The
// demo re-renders every 250 ms, i.e. 345,600 timer callbacks per simulated day that the page clock
// would have to fire, and bundles the library with the app, so its timers could not be told apart.
//
// See README.md here for what is asserted and the figures of the last run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, Session, APPS, appAvailable, jwtHashesIn, tokenHash, assertNoLeaks } from '../e2e/harness.mjs';
import { installSoakInstrumentation } from './instrument.mjs';

const HOUR = 3_600_000;
const MIN = 60_000;
const HOURS = Number(process.env.SOAK_HOURS || 24);
const SEED = Number(process.env.SOAK_SEED || 20240605);
const APP = 'plain';
const TTL_S = 900; // Jira's context JWTs live 15 minutes
const MARGIN_MS = 60_000; // the library's default renewMarginSeconds
const EVERY_MS = 5_000; // one request every 5 s of page time
const RACE_MS = 120_000; // a request not settled after this much page time counts as hung
const CAP_MS = 60_000; // longest page-clock step (< RACE_MS: a step's requests settle after it)
const FINE_MS = 1_000; // step while the keeper is not fresh, after a sleep, or near exp
const FAULT_RATE = 0.05; // random host faults: about 5 % of the host calls

// ---- seeded randomness ---------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The run's plan, in page-time offsets from the start. */
function makePlan(rand, durationMs) {
  const between = (lo, hi) => lo + rand() * (hi - lo);
  const events = [];
  // Laptop sleeps of 20-60 min (three in a day; one in a run of 3-11 h), each in its own part of
  // [2 h, end - 1 h], in a shuffled order of kinds.
  const lo = Math.min(2 * HOUR, durationMs * 0.1);
  const hi = durationMs - Math.min(HOUR, durationMs * 0.1);
  const kinds = ['freeze', 'freeze+wake-events', 'fastForward'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  kinds.length = durationMs >= 12 * HOUR ? 3 : durationMs >= 3 * HOUR ? 1 : 0;
  kinds.forEach((kind, i) => {
    const seg = (hi - lo) / kinds.length;
    const ms = Math.round(between(20 * MIN, 60 * MIN));
    events.push({ at: Math.round(between(lo + i * seg, Math.max(lo + i * seg, lo + (i + 1) * seg - ms - 10 * MIN))), type: 'sleep', kind, ms });
  });
  // Random host faults: failNext armed at random moments (it hits the next host call, whenever that is).
  const expectedCalls = durationMs / (TTL_S * 1000 - MARGIN_MS);
  const faults = Math.max(1, Math.round(FAULT_RATE * expectedCalls));
  for (let i = 0; i < faults; i++) {
    events.push({ at: Math.round(between(0.02 * durationMs, 0.98 * durationMs)), type: 'failNext', n: rand() < 0.7 ? 1 : 2 });
  }
  // One outage: the host fails every call for 3-6 min, starting 30 s before a renewal, so the held
  // token expires inside it (planned at a random moment in the middle third, placed at the next renewal).
  events.push({ at: Math.round(between(durationMs / 3, (2 * durationMs) / 3)), type: 'plan-outage', ms: Math.round(between(3 * MIN, 6 * MIN)) });
  // Hourly samples (and one at the start, taken separately).
  for (let h = 1; h * HOUR <= durationMs; h++) events.push({ at: h * HOUR, type: 'sample', hour: h });
  return events.sort((a, b) => a.at - b.at);
}

// ---- the session ---------------------------------------------------------------------------------

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

/**
 * Opens APP inside the host page like Env.open() of www/e2e/harness.mjs, plus what the soak needs:
 * the instrumentation init script added AFTER page.clock.install (so it wraps the fake timers),
 * a seeded Math.random in the add-on frame, and a listener that keeps every token the host page
 * received from POST /host/token (for the secrecy scan).
 */
async function openSoakSession({ seed }) {
  const context = await env.browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const s = new Session(env, { app: APP, context, page, skewMs: 0 });
  env.sessions.push(s);
  page.on('console', (m) => s.console.push({ type: m.type(), text: m.text(), url: m.location()?.url || '' }));
  page.on('pageerror', (e) => s.pageErrors.push(String(e?.stack || e)));
  const hostTokens = new Set();
  const pendingBodies = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname !== '/host/token') return;
    pendingBodies.push(
      response
        .json()
        .then((body) => typeof body?.token === 'string' && hostTokens.add(body.token))
        .catch(() => {}),
    );
  });
  await page.clock.install({ time: env.control.clock().now });
  await context.addInitScript(installSoakInstrumentation, {
    pathPattern: `^${APPS[APP].prefix}`,
    libPattern: '/pkg/connect_token\\.js',
  });
  await context.addInitScript(
    ({ prefix, seed }) => {
      if (!location.pathname.startsWith(prefix)) return;
      let a = seed >>> 0;
      Math.random = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    },
    { prefix: APPS[APP].prefix, seed },
  );
  await page.goto(env.world.hostPageUrl({ addon: `${APPS[APP].prefix}index.html` }));
  s.frame = await (await page.waitForSelector('#sim-frame iframe')).contentFrame();
  assert.equal(new URL(s.frame.url()).origin, env.world.addonOrigin, 'the add-on runs cross-origin');
  await s.frame.waitForFunction(() => document.documentElement.dataset.ready, null, { polling: 25, timeout: 30_000 });
  s.ready = await s.frame.evaluate(() => document.documentElement.dataset.ready);
  assert.equal(s.ready, '1', `${APP} did not start: ${await s.describeError()}`);
  const probe = await s.frame.evaluate(() => ({ soak: Boolean(window.__soak), fake: window.__soak?.clockWasFake, wasm: window.__soak?.memories.length }));
  assert.deepEqual(probe, { soak: true, fake: true, wasm: 1 }, 'instrumentation installed after the fake clock, one wasm instance seen');
  // harness.assertNoLeaks() reads window.__e2e.events: keep the (few) error/expired events there too.
  await s.frame.evaluate(() => {
    const events = [];
    window.__e2e = { events, pending: new Map(), nextId: 1 };
    window.connectTokenDemo.auth.subscribe((e) => {
      if (e.type !== 'renewed') events.push({ type: e.type, code: e.error?.code, message: e.error?.message, at: Date.now() });
    });
  });
  return { s, hostTokens, pendingBodies };
}

/** A CDP session on the add-on frame's own target (an out-of-process iframe: another site). */
async function frameCdp(s) {
  let cdp;
  try {
    cdp = await s.context.newCDPSession(s.frame);
  } catch (e) {
    throw new Error(`the add-on frame has no CDP session of its own (not an out-of-process iframe?): ${e.message}`);
  }
  const { result } = await cdp.send('Runtime.evaluate', { expression: 'location.origin', returnByValue: true });
  assert.equal(result.value, env.world.addonOrigin, 'CDP session evaluates in the add-on frame');
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.enable');
  return cdp;
}

/** One sample: heap after forced GC, wasm memory, pending timers, event listeners. */
async function takeSample(s, cdp, label) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const listeners = {};
  for (const expression of ['window', 'document']) {
    const { result } = await cdp.send('Runtime.evaluate', { expression, objectGroup: 'soak-sample' });
    const { listeners: found } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    listeners[expression] = found.length;
    listeners[`${expression}Types`] = [...new Set(found.map((l) => l.type))].sort().join(',');
  }
  await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'soak-sample' });
  const page = await s.frame.evaluate(() => ({ timers: window.__soak.timerCounts(), wasm: window.__soak.wasmBytes(), now: Date.now() }));
  return {
    label,
    heapUsed: m.JSHeapUsedSize,
    heapTotal: m.JSHeapTotalSize,
    jsEventListeners: m.JSEventListeners,
    wasmBytes: page.wasm.reduce((a, b) => a + b, 0),
    libTimers: page.timers.lib,
    otherTimers: page.timers.other,
    clockTimers: page.timers.clockTotal,
    windowListeners: listeners.window,
    documentListeners: listeners.document,
    windowTypes: listeners.windowTypes,
    documentTypes: listeners.documentTypes,
  };
}

/** SOAK_HEAP_SNAPSHOTS=<dir>: writes <dir>/soak-<label>.heapsnapshot (for finding what grows). */
async function heapSnapshot(cdp, label) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  mkdirSync(process.env.SOAK_HEAP_SNAPSHOTS, { recursive: true });
  writeFileSync(`${process.env.SOAK_HEAP_SNAPSHOTS}/soak-${label}.heapsnapshot`, chunks.join(''));
}

test(`soak: ${HOURS} h on ${APP}, ttl ${TTL_S} s, a request every ${EVERY_MS / 1000} s, faults, an outage, laptop sleeps; nothing leaks`, { timeout: 30 * MIN }, async (t) => {
  assert.ok(appAvailable(APP), `${APPS[APP].dir}/index.html is missing (build it first)`);
  const wallStart = Date.now();
  const rand = mulberry32(SEED);
  const durationMs = Math.round(HOURS * HOUR);
  const plan = makePlan(rand, durationMs);
  // No Date header on the API here: between steps the soak pauses the page clock while the
  // simulated server's clock, set to the page time at each step, keeps following real time, and a
  // step runs minutes of page time at once; a Date would run ahead of the page by up to a step,
  // which a real backend's never does. The Date rules are tested in www/e2e/server-time.test.mjs
  // and host-cache.test.mjs, whose steps are seconds long.
  await env.reset({ host: { ttlSeconds: TTL_S }, addon: { dateHeader: 'none' } });
  const { s, hostTokens, pendingBodies } = await openSoakSession({ seed: SEED });
  const control = env.control;
  const cdp = await frameCdp(s);

  const setServer = (pageTime) => control.clock({ shiftMs: pageTime - Date.now() });
  /** Waits (real time) until no fetch is in flight and no ask is under way, then drains the page's records. */
  const settleAndDrain = () =>
    s.frame.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const realSetTimeout = window.__pwClock.builtins.setTimeout;
          let tries = 0;
          const check = () => {
            const net = window.__soak.net;
            const busy = net.inflight > 0 || net.reading > 0 || window.connectTokenDemo.auth.snapshot().status === 'renewing';
            if (!busy) return resolve(window.__soak.drain());
            if (++tries > 5_000) return reject(new Error(`not settled: ${JSON.stringify(window.__soak.drain())}`));
            realSetTimeout(check, 2);
          };
          check();
        }),
    );

  const failures = []; // request failures, each with the keeper's snapshot when it failed
  const events = []; // error/expired events (their messages go to the secrecy scan)
  const probes = []; // requests to the not-allowed third origin
  const samples = [];
  const sleeps = [];
  const faultLog = [];
  const hostFailureTimes = []; // page times (step ends) at which the host's failed count went up
  const minted = new Set();
  let outage = null;
  let steps = 0;
  let fineSteps = 0;
  let afterSleep = false;
  let backendReads = 0;
  let lastHostFailed = 0;
  const timing = { runFor: 0, settle: 0 };
  let hourWall = performance.now();
  const hourTiming = { runFor: 0, steps: 0 };

  const absorb = (next) => {
    failures.push(...next.driver.failures);
    events.push(...next.driver.events);
    probes.push(...next.driver.extra);
    const token = control.lastToken();
    if (token) minted.add(token);
    const failed = control.stats().failed;
    if (failed > lastHostFailed) hostFailureTimes.push(next.now);
    lastHostFailed = failed;
    for (const sl of sleeps) {
      if (!sl.after && next.now >= sl.wokeAtPage + 2 * MIN) {
        sl.after = {
          requests: next.driver.started - sl.atWake.started,
          ok: next.driver.ok - sl.atWake.ok,
          failed: failures.filter((f) => f.startedAt >= sl.atPage && f.startedAt <= sl.wokeAtPage + 2 * MIN).length,
          hostCalls: control.stats().hostCalls - sl.atWake.hostCalls,
        };
      }
    }
    return next;
  };

  // Warm-up: the first token, then the request driver.
  await s.settle();
  await s.frame.evaluate((o) => window.__soak.startDriver(o), { everyMs: EVERY_MS, raceMs: RACE_MS, url: '/api/whoami' });
  // From here the page clock moves only when the test moves it (runFor, fastForward, setSystemTime):
  // no timer fires in real time between steps, so an ask never starts just before a jump and the
  // run does not depend on how fast the machine is.
  // (Each frame has its own fake clock; pause both a little after the later of the two.)
  // pauseAt refuses a time that a frame's clock has already passed, and the clocks run with real time
  // until paused: on a slow machine the reads and the call can take longer than the margin. A refused
  // pauseAt still pauses the frame where it is, so reading the clocks again and retrying then holds.
  const nowIn = (frame) => frame.evaluate(() => Date.now());
  for (let tries = 1; ; tries++) {
    try {
      await s.page.clock.pauseAt(Math.max(await nowIn(s.page.mainFrame()), await nowIn(s.frame)) + 200);
      break;
    } catch (e) {
      if (tries >= 5 || !/Cannot fast-forward to the past/.test(e.message)) throw e;
    }
  }
  let st = absorb(await settleAndDrain());
  setServer(st.now);
  const startAt = st.now;
  const endAt = startAt + durationMs;
  const backendLog = new Map(); // the backend keeps its last 5000 requests: read it every hour
  const readBackendLog = () => {
    backendReads++;
    for (const r of control.addonStats().requests) backendLog.set(`${r.server} ${r.at} ${r.method} ${r.url} ${r.authHash}`, r);
  };
  samples.push(await takeSample(s, cdp, 'start'));
  let nextEvent = 0;

  while (st.now < endAt) {
    // Events that are due.
    while (nextEvent < plan.length && startAt + plan[nextEvent].at <= st.now) {
      const e = plan[nextEvent++];
      if (e.type === 'failNext') {
        control.host({ failNext: control.hostKnobs().failNext + e.n });
        faultLog.push({ at: st.now, n: e.n });
      } else if (e.type === 'plan-outage') {
        // Start 30 s before the next renewal (exp - margin), i.e. 90 s before exp.
        let at = (st.snapshot.expiresAt ?? st.now) - MARGIN_MS - 30_000;
        at = (at > st.now + 1_000 ? at : st.now + 1_000) - startAt;
        plan.push({ at, type: 'outage', ms: e.ms });
        // Keep the laptop closed outside the outage (a sleep would jump over it).
        for (const x of plan.slice(nextEvent)) if (x.type === 'sleep' && x.at >= at - 15 * MIN && x.at <= at + e.ms + 15 * MIN) x.at = at + e.ms + 15 * MIN;
        plan.splice(nextEvent, plan.length - nextEvent, ...plan.slice(nextEvent).sort((a, b) => a.at - b.at));
      } else if (e.type === 'outage') {
        control.host({ failForMs: e.ms });
        outage = { from: st.now, until: st.now + e.ms, ms: e.ms };
      } else if (e.type === 'sample') {
        readBackendLog();
        const sample = await takeSample(s, cdp, `h${e.hour}`);
        sample.wallMs = Math.round(performance.now() - hourWall);
        sample.runForMsPerStep = +((timing.runFor - hourTiming.runFor) / Math.max(1, steps - hourTiming.steps)).toFixed(1);
        hourWall = performance.now();
        Object.assign(hourTiming, { runFor: timing.runFor, steps });
        samples.push(sample);
        if (process.env.SOAK_HEAP_SNAPSHOTS && [1, Math.floor(HOURS / 2)].includes(e.hour)) await heapSnapshot(cdp, `h${e.hour}`);
        // A request to an origin that is not allowed: it must leave without the token.
        await s.frame.evaluate((url) => window.__soak.driver.fire(url), `${env.world.thirdOrigin}/soak-probe?h=${e.hour}`);
      } else if (e.type === 'sleep') {
        // The laptop sleeps: both clocks jump together. 'freeze*': page timers do not run
        // (setSystemTime), then either the next request or a wake-up event finds the token expired;
        // 'fastForward': due timers fire once at the end (Playwright's model of a suspended tab).
        const atWake = { started: st.driver.started, ok: st.driver.ok, hostCalls: control.stats().hostCalls };
        const target = st.now + e.ms;
        setServer(target);
        if (e.kind === 'fastForward') await s.page.clock.fastForward(e.ms);
        else await s.page.clock.setSystemTime(target);
        const wokeAtPage = await s.frame.evaluate(() => Date.now());
        if (e.kind === 'freeze+wake-events') {
          await s.frame.evaluate(() => {
            document.dispatchEvent(new Event('visibilitychange'));
            window.dispatchEvent(new Event('focus'));
          });
        }
        sleeps.push({ ...e, atPage: st.now, wokeAtPage, atWake });
        st = absorb(await settleAndDrain());
        setServer(st.now);
        afterSleep = true;
      }
    }
    if (st.now >= endAt) break;

    // The next step ends at the library's next timer (its asks then happen at a step's end, where the
    // server clock is), after at most CAP_MS; FINE_MS while the keeper is not fresh, after a sleep
    // until it is, and never later than 2 s before the held token's exp (a request sent during a
    // step reaches the backend, whose clock is at the step's end, after it).
    const snap = st.snapshot;
    if (afterSleep && snap.status === 'fresh' && snap.expiresAt - st.now > 2 * MARGIN_MS) afterSleep = false;
    let step = CAP_MS;
    if (snap.status !== 'fresh' || afterSleep || (outage && st.now < outage.until + MIN)) step = FINE_MS;
    if (snap.expiresAt !== null) step = Math.min(step, snap.expiresAt - 2_000 - st.now > 0 ? snap.expiresAt - 2_000 - st.now : FINE_MS);
    if (st.timers.nextLibIn !== null) step = Math.min(step, Math.max(1, Math.ceil(st.timers.nextLibIn)));
    if (nextEvent < plan.length) step = Math.min(step, Math.max(1, startAt + plan[nextEvent].at - st.now));
    step = Math.max(1, Math.min(step, endAt - st.now));
    if (step <= FINE_MS) fineSteps++;

    setServer(st.now + step);
    const t0 = performance.now();
    await s.page.clock.runFor(step);
    const t1 = performance.now();
    st = absorb(await settleAndDrain());
    timing.runFor += t1 - t0;
    timing.settle += performance.now() - t1;
    setServer(st.now);
    steps++;
  }

  // Let the last requests finish, then the final sample and the backend log.
  await s.page.clock.runFor(1);
  st = absorb(await settleAndDrain());
  readBackendLog();
  samples.push(await takeSample(s, cdp, 'end'));
  if (process.env.SOAK_HEAP_SNAPSHOTS) await heapSnapshot(cdp, 'end');
  await Promise.all(pendingBodies);
  const wallMs = Date.now() - wallStart;

  // ---- figures ------------------------------------------------------------------------------------
  const d = st.driver;
  const host = control.stats();
  const backend = control.addonStats();
  const pageStats = st.stats;
  const simulatedMs = st.now - startAt;
  const hoursOf = (pageTime) => +((pageTime - startAt) / HOUR).toFixed(3);
  const failuresByCode = {};
  for (const f of failures) failuresByCode[f.code ?? f.name ?? 'untyped'] = (failuresByCode[f.code ?? f.name ?? 'untyped'] || 0) + 1;
  // Failures in clusters (a gap of more than a minute starts a new one).
  const clusters = [];
  for (const f of failures) {
    const c = clusters.at(-1);
    if (c && f.at - c.to <= MIN) Object.assign(c, { to: f.at, n: c.n + 1 });
    else clusters.push({ from: f.at, to: f.at, n: 1 });
  }
  const clusterReport = clusters.map((c) => ({
    fromH: hoursOf(c.from),
    seconds: Math.round((c.to - c.from) / 1000),
    requests: c.n,
    during: outage && c.from >= outage.from && c.from <= outage.until + MIN ? 'outage' : sleeps.some((x) => c.from >= x.wokeAtPage && c.from <= x.wokeAtPage + 2 * MIN) ? 'wake-up with a host fault armed' : 'other',
  }));
  const maxFailureWaitMs = Math.max(0, ...failures.map((f) => f.at - f.startedAt));
  const minimumCalls = 1 + Math.floor(simulatedMs / (TTL_S * 1000 - MARGIN_MS));
  const callBound = Math.ceil(1.2 * minimumCalls) + host.failed + sleeps.length;
  const warm = samples.find((x) => x.label === 'h1') ?? samples[1] ?? samples[0];
  const last = samples.at(-1);
  const secondHalf = samples.filter((x) => /^h\d+$/.test(x.label) && Number(x.label.slice(1)) >= HOURS / 2);
  const heapSlope = slope(secondHalf.map((x) => [Number(x.label.slice(1)), x.heapUsed])); // bytes per hour
  const figures = {
    seed: SEED,
    app: APP,
    simulatedHours: +(simulatedMs / HOUR).toFixed(2),
    wallSeconds: +(wallMs / 1000).toFixed(1),
    steps,
    fineSteps,
    wallMsPerStep: { runFor: +(timing.runFor / Math.max(1, steps)).toFixed(1), settle: +(timing.settle / Math.max(1, steps)).toFixed(1) },
    requests: d.started - probes.length,
    ok: d.ok - probes.filter((p) => p.status >= 200 && p.status < 300).length,
    httpErrors: d.httpErrors,
    failuresByCode,
    failuresByStatus: failures.reduce((a, f) => ({ ...a, [f.snapshot.status]: (a[f.snapshot.status] || 0) + 1 }), {}),
    failureClusters: clusterReport,
    untyped: d.untyped,
    hung: d.hung,
    maxTokenWaitMs: d.maxTokenWaitMs,
    tokenWaits: d.tokenWaits,
    maxFailureWaitMs,
    maxSettleMsPageTime: d.maxSettleMs,
    backend: { accepted: backend.accepted, rejected: backend.rejected, noToken: backend.noToken },
    host: { calls: host.hostCalls, minted: host.minted, failed: host.failed, cacheHits: host.cacheHits },
    pageStats,
    minimumCalls,
    callBound,
    randomFaults: { armed: faultLog.length, calls: faultLog.reduce((a, f) => a + f.n, 0), atH: faultLog.map((f) => hoursOf(f.at)) },
    outage: outage && { fromH: hoursOf(outage.from), minutes: +(outage.ms / MIN).toFixed(2) },
    sleeps: sleeps.map((x) => ({ kind: x.kind, atH: hoursOf(x.atPage), minutes: +(x.ms / MIN).toFixed(1), next2min: x.after })),
    heap: { warmKB: +(warm.heapUsed / 1024).toFixed(1), lastKB: +(last.heapUsed / 1024).toFixed(1), secondHalfKBPerHour: +(heapSlope / 1024).toFixed(2) },
    thirdOriginProbes: probes.length,
    timersCreated: st.timers.created, // setTimeout/setInterval calls over the run, the library's and the others'
    tokensCollected: hostTokens.size + [...minted].filter((x) => !hostTokens.has(x)).length,
  };
  const table = samples.map((x) => ({
    at: x.label,
    heapKB: +(x.heapUsed / 1024).toFixed(1),
    wasmKB: x.wasmBytes / 1024,
    libTimers: x.libTimers,
    otherTimers: x.otherTimers,
    clockTimers: x.clockTimers,
    winListeners: x.windowListeners,
    docListeners: x.documentListeners,
    jsEventListeners: x.jsEventListeners,
    wallMs: x.wallMs,
  }));
  console.log(`\nsoak figures:\n${JSON.stringify(figures, null, 1)}`);
  console.table(table);
  console.log(`window listener types: ${last.windowTypes}; document: ${last.documentTypes}`);
  t.diagnostic(JSON.stringify(figures));
  if (process.env.SOAK_DEBUG) {
    console.log('failures', JSON.stringify(failures.map((f) => ({ ...f, atH: hoursOf(f.at), startedH: hoursOf(f.startedAt) }))));
    console.log('events', JSON.stringify(events.map((e) => ({ ...e, atH: hoursOf(e.at) }))));
    console.log('sleeps', JSON.stringify(sleeps.map((x) => ({ ...x, atH: hoursOf(x.atPage), wokeH: hoursOf(x.wokeAtPage) }))));
    console.log('issued', JSON.stringify(host.issued.map((i) => ({ ...i, atH: hoursOf(i.at), iatH: hoursOf(i.iat * 1000), expH: hoursOf(i.exp * 1000) }))));
  }

  // ---- assertions ---------------------------------------------------------------------------------
  assert.ok(simulatedMs >= durationMs, `simulated ${simulatedMs} ms`);
  assert.equal(d.pending, 0, 'every request settled');
  assert.equal(d.hung, 0, `requests not settled within ${RACE_MS / 1000} s of page time`);
  assert.equal(d.untyped, 0, `untyped errors: ${JSON.stringify(failures.filter((f) => !f.typed))}`);
  assert.deepEqual(d.httpErrors, {}, 'every response was a 2xx');
  assert.equal(d.ok + failures.length, d.started, 'every request either succeeded or failed with a ConnectTokenError');
  const awakeMs = durationMs - sleeps.reduce((a, x) => a + x.ms, 0);
  assert.ok(figures.requests >= Math.floor(awakeMs / EVERY_MS) - 2, `requests ${figures.requests}`);
  // No request waited for a token longer than the longest backoff step plus one ask's timeout.
  assert.ok(d.maxTokenWaitMs <= 45_000, `a request waited ${d.maxTokenWaitMs} ms for its token`);
  assert.ok(maxFailureWaitMs <= 45_000, `a request took ${maxFailureWaitMs} ms to fail`);
  // Failures only during an outage: the host failed the call the request waited for (the keeper's
  // last error, and a failed call seen by the sim within 45 s before), and no usable token remained
  // (none, or within 5 s of exp, by the keeper's snapshot when the request failed). Note: in those
  // last 5 s the snapshot's status is still 'fresh' (see README, Observations).
  const badFailures = failures.filter(
    (f) =>
      !f.typed ||
      f.code !== 'host-error' ||
      f.snapshot.errorCode !== 'host-error' ||
      (f.snapshot.expiresAt !== null && f.snapshot.expiresAt - f.snapshot.now > 5_000) ||
      !hostFailureTimes.some((h) => h >= f.at - 45_000 && h <= f.at + 2_000),
  );
  assert.deepEqual(badFailures, [], 'a request failed outside an outage');
  assert.ok(host.failed >= faultLog.length, 'the random faults hit host calls');
  if (outage) assert.ok(clusterReport.some((c) => c.during === 'outage'), 'the outage made requests fail');
  for (const x of sleeps) {
    assert.ok(x.after, `${x.kind} sleep: two minutes after waking were simulated`);
    const faultArmed = faultLog.some((f) => f.at >= x.atPage - 15 * MIN && f.at <= x.wokeAtPage + 2 * MIN);
    if (!faultArmed) assert.equal(x.after.failed, 0, `${x.kind} sleep: requests after waking failed`);
    assert.ok(x.after.ok >= 20, `${x.kind} sleep: requests after waking succeeded (${JSON.stringify(x.after)})`);
  }
  // The backend never rejected a request (failed requests never reach it).
  assert.equal(backend.rejected, 0, `backend rejected: ${JSON.stringify(backend.reasons)}`);
  assert.equal(backend.noToken, 0, 'every API request carried a token');
  assert.equal(backend.accepted, figures.ok + 0, 'the backend accepted exactly the successful requests');
  // Host calls: about one per (ttl - margin), plus one retry per failed call, plus one per sleep.
  assert.equal(pageStats.hostCalls, host.hostCalls, 'the page and the host count the same calls');
  assert.ok(host.hostCalls <= callBound, `host calls ${host.hostCalls} > bound ${callBound}`);

  // Flat memory, timers and listeners: the last sample against the one after warm-up (hour 1).
  assert.ok(last.heapUsed <= warm.heapUsed + 256 * 1024, `JS heap grew: ${warm.heapUsed} -> ${last.heapUsed}`);
  if (secondHalf.length >= 4) assert.ok(heapSlope <= 8 * 1024, `JS heap grows ${(heapSlope / 1024).toFixed(1)} KB/h over the second half`);
  assert.equal(last.wasmBytes, warm.wasmBytes, 'wasm linear memory grew');
  for (const x of samples) assert.ok(x.libTimers <= 1, `${x.label}: ${x.libTimers} library timers pending`);
  assert.ok(last.otherTimers <= warm.otherTimers, `other timers grew: ${warm.otherTimers} -> ${last.otherTimers}`);
  assert.ok(last.windowListeners <= warm.windowListeners, `window listeners grew: ${warm.windowListeners} -> ${last.windowListeners}`);
  assert.ok(last.documentListeners <= warm.documentListeners, `document listeners grew: ${warm.documentListeners} -> ${last.documentListeners}`);
  assert.ok(last.jsEventListeners <= warm.jsEventListeners, `JSEventListeners grew: ${warm.jsEventListeners} -> ${last.jsEventListeners}`);

  // ---- secrecy ------------------------------------------------------------------------------------
  for (const token of minted) hostTokens.add(token);
  const seenHashes = new Set([...hostTokens].map(tokenHash));
  for (const i of host.issued) assert.ok(seenHashes.has(i.hash), `issued token ${i.hash} was not collected`);
  assert.ok(hostTokens.size >= host.minted, `collected ${hostTokens.size} tokens, the host minted ${host.minted}`);
  // Needles: every token, and its payload and signature alone (the header is the same in all tokens).
  const needles = [];
  for (const token of hostTokens) {
    const [, payload, signature] = token.split('.');
    const h = tokenHash(token);
    needles.push({ what: `token ${h}`, text: token }, { what: `payload of ${h}`, text: payload }, { what: `signature of ${h}`, text: signature });
  }
  const haystacks = [];
  const add = (where, text) => text && haystacks.push({ where, text: String(text) });
  for (const m of s.console) add(`console.${m.type}`, `${m.text} ${m.url}`);
  for (const e of s.pageErrors) add('pageerror', e);
  for (const f of failures) add(`request failure ${f.code}`, `${f.name} ${f.message}`);
  for (const e of events) add(`${e.type} event`, e.message);
  for (const r of backendLog.values()) add(`${r.server} request log`, `${r.method} ${r.url} ${r.referer ?? ''} ${r.origin ?? ''}`);
  const thirdLog = control.thirdLog();
  for (const r of thirdLog) add('third-origin log', `${r.method} ${r.url} ${JSON.stringify(r.headers)}`);
  add('add-on frame URL', s.frame.url());
  add('host page URL', s.page.url());
  const dom = await s.frame.evaluate(() => {
    let storage;
    try {
      storage = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
    } catch (e) {
      storage = `storage not readable: ${e.name}`; // a cross-site iframe's storage may be blocked
    }
    return { html: document.documentElement.outerHTML, storage, cookie: document.cookie };
  });
  add('add-on DOM', dom.html);
  add('add-on storage', dom.storage);
  add('add-on cookie', dom.cookie);
  add('host page DOM', await s.page.evaluate(() => document.documentElement.outerHTML));
  const leaks = [];
  for (const h of haystacks) {
    for (const n of needles) if (n.text && h.text.includes(n.text)) leaks.push(`${n.what} in ${h.where}`);
    for (const hash of jwtHashesIn(h.text)) leaks.push(`a JWT-looking string (${hash}${seenHashes.has(hash) ? ', a minted token' : ''}) in ${h.where}`);
  }
  for (const r of backendLog.values()) {
    if (r.tokenSource && r.tokenSource !== 'header') leaks.push(`${r.server} found the token in ${r.tokenSource}: ${r.method} ${r.url}`);
    if (r.jwtHashesInUrl.length || r.jwtHashesInReferer.length) leaks.push(`${r.server} saw a JWT in a URL/Referer: ${r.method} ${r.url}`);
  }
  for (const r of thirdLog) {
    if (r.hasAuthorization) leaks.push(`third origin got an Authorization header: ${r.method} ${r.url}`);
    if (r.jwtHashesFound.length) leaks.push(`third origin got a JWT-looking string: ${r.method} ${r.url}`);
  }
  console.log(
    `secrecy scan: ${hostTokens.size} tokens (${needles.length} needles) over ${haystacks.length} texts: ` +
      `${s.console.length} console messages, ${s.pageErrors.length} page errors, ${failures.length} failure messages, ` +
      `${events.length} error/expired events, ${backendLog.size} backend log entries (${backendReads} reads), ` +
      `${thirdLog.length} third-origin requests, the frame URLs, the add-on DOM, storage and cookie, the host page DOM`,
  );
  assert.equal(thirdLog.length, probes.length, 'the third origin saw every probe');
  assert.ok(probes.length >= Math.floor(HOURS) - 1, 'the not-allowed origin was probed every hour');
  assert.ok(probes.every((x) => x.status === 200), `third-origin probes: ${JSON.stringify(probes)}`);
  assert.deepEqual(leaks, [], 'the token leaked');
  await assertNoLeaks(env, [s]);
  assert.deepEqual(s.problems(), [], 'console errors or page errors');
});

/** Least-squares slope of [x, y] points. */
function slope(points) {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}
