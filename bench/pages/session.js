// A long session under Playwright's fake clock (installed before this page loads; run.mjs moves
// it with page.clock.runFor). `streams` request streams each send auth.fetch('/api') every second;
// the host (getToken) mints a token with iat = now, exp = iat + ttl after `latency` ms.
//
// Each request carries its number in its URL (/api?r=N), so the stub knows when it was issued.
// A request "waited for the host" when its fetch reached the network (the stub) at a later clock
// time than auth.fetch was called: with no usable token it had to wait for a getToken answer,
// which only a timer (the host's latency) delivers. A request that found a usable token reaches
// the stub in the same clock millisecond. Steady state: requests issued after the first token
// arrived.
import { createConnectAuth } from '/pkg/index.js';
import { mint } from './mint.js';

let session;

export async function start({ streams, ttl, latency }) {
  const response = new Response(null);
  const expOf = new Map(); // token → exp (ms), filled when minted
  const host = { calls: 0, answers: [], inFlight: 0 };
  const counts = {
    requests: 0, completed: 0, failed: 0,
    waitedStartup: 0, waitedSteady: 0, maxWaitMs: 0,
    issuedDuringAsk: 0, noHeader: 0, expiredSent: 0, minLifeLeftMs: Infinity, untracked: 0,
  };
  let firstTokenAt = null;
  const getToken = () => {
    host.calls++;
    host.inFlight++;
    return new Promise((resolve) => {
      setTimeout(() => {
        const iat = Math.floor(Date.now() / 1000);
        const token = mint(iat, ttl);
        expOf.set(token, (iat + ttl) * 1000);
        host.inFlight--;
        host.answers.push(Date.now());
        firstTokenAt ??= Date.now();
        resolve(token);
      }, latency);
    });
  };
  const issued = new Map(); // request number → { at, steady }, until the request reaches the stub
  const stub = (input, init) => {
    const now = Date.now();
    const url = typeof input === 'string' ? input : input instanceof Request ? input.url : String(input);
    const seq = Number(/[?&]r=(\d+)/.exec(url)?.[1]);
    const request = issued.get(seq);
    issued.delete(seq);
    if (!request) counts.untracked++;
    else if (now > request.at) {
      if (request.steady) counts.waitedSteady++;
      else counts.waitedStartup++;
      counts.maxWaitMs = Math.max(counts.maxWaitMs, now - request.at);
    }
    const header = new Headers(input instanceof Request && init?.headers === undefined ? input.headers : init?.headers).get('Authorization');
    if (!header || !header.startsWith('JWT ')) counts.noHeader++;
    else {
      const left = expOf.get(header.slice(4)) - now;
      if (!(left > 0)) counts.expiredSent++;
      counts.minLifeLeftMs = Math.min(counts.minLifeLeftMs, left);
    }
    return Promise.resolve(response);
  };
  const startedAt = Date.now();
  const auth = await createConnectAuth({ getToken, fetch: stub });
  let stopped = false;
  const send = () => {
    const seq = ++counts.requests;
    if (host.inFlight > 0) counts.issuedDuringAsk++;
    issued.set(seq, { at: Date.now(), steady: firstTokenAt !== null });
    auth.fetch(`/api?r=${seq}`).then(
      () => counts.completed++,
      () => counts.failed++,
    );
  };
  for (let i = 0; i < streams; i++) {
    // Streams start spread over the first second, then send every second.
    const tick = () => {
      if (stopped) return;
      send();
      setTimeout(tick, 1000);
    };
    setTimeout(tick, Math.floor((i * 1000) / streams));
  }
  session = { auth, host, counts, startedAt, stop: () => { stopped = true; } };
  return { startedAt };
}

export function finish() {
  const { auth, host, counts, startedAt, stop } = session;
  stop();
  const stats = auth.stats();
  const snapshot = auth.snapshot();
  auth.dispose();
  return {
    elapsedMs: Date.now() - startedAt,
    hostCalls: host.calls,
    keeperStats: stats,
    status: snapshot.status,
    answers: host.answers.map((at) => at - startedAt),
    ...counts,
    minLifeLeftMs: Number.isFinite(counts.minLifeLeftMs) ? counts.minLifeLeftMs : null,
  };
}

window.session = { start, finish };
window.benchReady = true;
