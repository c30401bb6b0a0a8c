// The backend's own session tokens, end to end: the add-on page as atlassian-connect-express renders
// it (the iframe URL's JWT verified by addon.authenticate(), `<meta name="token" content="{{token}}">`
// filled in with ACE's session token), the page created with { initialToken, sessionTokenHeader:
// 'X-acpt' }, and every API request decided by ACE's checkValidToken() (qshCheck 'ace': ACE's own
// rule, which accepts its session tokens). Host calls are counted by the simulated Jira.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, assertNoLeaks, httpClientsModule } from './harness.mjs';
import { sign } from '../sim/mint.js';

const REVOKED = 'Token revoked (simulated)';
const BODY = JSON.stringify({ summary: 'Zoë ✓ 日本', n: 1 });

let env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

/** Opens the plain add-on page as ACE renders it, with the session-token options. */
async function openAce(query = {}, addon = {}) {
  await env.reset({ addon: { qshCheck: 'ace', ...addon } });
  return env.open({ app: 'plain', ace: true, query: { session: 1, ...query } });
}

/** Requests to `path` the backend saw (any server): status, the token's hash, where ACE found it. */
const seen = (path) =>
  env.control
    .addonStats()
    .requests.filter((r) => r.url === path && r.method !== 'OPTIONS')
    .map((r) => ({ server: r.server, status: r.status, token: r.tokenHash, source: r.tokenSource, session: r.sessionTokenHash }));

/** Hashes of the tokens the host minted or handed out. */
const hostTokens = () => new Set(env.control.stats().issued.map((i) => i.hash));

/** ACE's session token for the simulator's tenant, with these claims changed (a hostile backend). */
function aceToken(claims) {
  const t = env.world.tenant;
  const now = Math.floor(env.world.clock.now() / 1000);
  return sign({ iss: t.addonKey, sub: t.sub, iat: now, exp: now + 900, aud: [t.clientKey], ...claims }, t.sharedSecret);
}

test("ACE's page token serves the first request with no host call, and X-acpt the next", async () => {
  const s = await openAce();
  assert.equal((await s.stats()).initialToken, 'used');
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  const [first, second] = seen('/api/whoami');
  const page = env.control.addonStats().requests.find((r) => r.url.startsWith('/ace/plain/index.html'));
  assert.equal(page?.status, 200, 'ACE authenticated the iframe URL and rendered the page');
  assert.ok(!hostTokens().has(first.token), 'the first request carried the page token, not a host token');
  assert.equal(second.token, first.session, "the second carried ACE's X-acpt answer to the first");
  assert.equal(env.control.stats().hostCalls, 0);
  const snapshot = await s.eval(() => window.connectTokenDemo.auth.snapshot().source);
  assert.equal(snapshot, 'backend');
  assert.deepEqual(s.problems(), []);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('an hour of requests every 30 s costs no host call, and ACE accepts every one', async () => {
  const s = await openAce();
  await s.run(60 * 60_000, {
    stepMs: 30_000,
    each: async () => assert.equal((await s.fetch('/api/whoami')).status, 200),
  });
  const whoami = seen('/api/whoami');
  assert.equal(whoami.length, 120);
  assert.ok(whoami.every((r) => r.status === 200));
  assert.equal(env.control.stats().hostCalls, 0);
  assert.equal(env.control.addonStats().rejected, 0);
  const stats = await s.stats();
  assert.equal(stats.hostCalls, 0);
  assert.equal(stats.backendTokens, 120);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('20 idle minutes, then a request: a host token, accepted, none rejected', async () => {
  const s = await openAce();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  // Steps shorter than the ask's timeout, each awaiting the keeper's ask if it made one: the host
  // answers in real time, which a longer step of the virtual clock would outrun.
  await s.run(20 * 60_000, { stepMs: 5_000, each: () => s.settle() });
  await s.hostCaughtUp();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  const last = seen('/api/whoami').at(-1);
  assert.ok(hostTokens().has(last.token), 'the lapsed session token gave way to a host token');
  assert.equal(env.control.addonStats().rejected, 0);
  assert.equal(env.control.stats().hostCalls, 1, 'asked once, when the session token reached its margin');
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('a laptop sleep of 30 minutes: the first request after waking carries a host token and is accepted', async () => {
  const s = await openAce();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  await s.sleep(30 * 60_000);
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  const last = seen('/api/whoami').at(-1);
  assert.ok(hostTokens().has(last.token), 'the session token was not sent after the sleep');
  assert.equal(env.control.addonStats().rejected, 0);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('a revoked session token: 401, replayed once with a host token, body intact', async () => {
  const s = await openAce();
  assert.equal((await s.fetch('/api/whoami')).status, 200);
  env.control.addon({ revokeHash: seen('/api/whoami')[0].session });
  const r = await s.fetch('/api/echo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY });
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal(r.json.body, BODY);
  const echo = seen('/api/echo');
  assert.deepEqual(echo.map((e) => e.status), [401, 200]);
  assert.ok(hostTokens().has(echo[1].token), 'the replay carried a host token');
  assert.equal(env.control.addonStats().reasons[REVOKED], 1);
  assert.equal((await s.fetch('/api/whoami')).status, 200, 'and the next request is accepted');
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('hostile X-acpt headers (garbage, expired, another user, absent) are ignored; requests go on', async () => {
  const s = await openAce();
  const expired = aceToken({ iat: 1_000_000_000, exp: 1_000_000_900 });
  const otherUser = aceToken({ sub: '712020:someone-else' });
  env.control.addon({ sessionHeaderNext: ['garbage', expired, otherUser, null] });
  // A second apart: ACE mints the same token for requests within one second (a repeat is ignored too).
  for (let i = 0; i < 6; i++) {
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    await s.advance(1_000);
  }
  const whoami = seen('/api/whoami');
  assert.equal(whoami[4].token, whoami[0].token, 'the page token served until a good X-acpt came');
  assert.equal(whoami[5].token, whoami[4].session);
  const stats = await s.stats();
  assert.equal(stats.ignoredTokens, 3);
  assert.equal(stats.hostCalls, 0);
  assert.equal(env.control.addonStats().rejected, 0);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('a second allowed origin only ever gets context JWTs (its X-acpt is not exposed to the page)', async () => {
  const s = await openAce({ allowed: env.world.secondOrigin });
  for (let i = 0; i < 3; i++) {
    assert.equal((await s.fetch(`${env.world.secondOrigin}/api/whoami`)).status, 200);
    assert.equal((await s.fetch('/api/whoami')).status, 200);
    await s.advance(1_000);
  }
  const tokens = hostTokens();
  const whoami = seen('/api/whoami');
  const second = whoami.filter((r) => r.server === 'second');
  const own = whoami.filter((r) => r.server === 'addon');
  assert.ok(second.every((r) => tokens.has(r.token)), 'host tokens only');
  assert.ok(own.every((r) => !tokens.has(r.token)), "the page's origin got ACE's tokens");
  // The first X-acpt may repeat the page token (rendered within the same second): not taken.
  assert.ok((await s.stats()).backendTokens >= 2, "the page's origin's X-acpt was seen");
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('a second origin that exposes X-acpt gets its own session tokens back, and only it', async () => {
  const s = await openAce({ allowed: env.world.secondOrigin }, { exposeSessionHeader: true });
  // A second apart: ACE mints the same bytes for the same user within a second (no jti), whichever
  // origin asks, so only then does a token's hash say which backend issued it.
  for (let i = 0; i < 3; i++) {
    await s.advance(1_000);
    assert.equal((await s.fetch(`${env.world.secondOrigin}/api/whoami`)).status, 200);
    await s.advance(1_000);
    assert.equal((await s.fetch('/api/whoami')).status, 200);
  }
  const whoami = seen('/api/whoami');
  const second = whoami.filter((r) => r.server === 'second');
  const own = whoami.filter((r) => r.server === 'addon');
  assert.ok(hostTokens().has(second[0].token), 'its first request carried a host token');
  for (let i = 1; i < second.length; i++) assert.equal(second[i].token, second[i - 1].session, "then its own backend's answers");
  const ownTokens = new Set(own.map((r) => r.token));
  assert.ok(second.every((r) => !ownTokens.has(r.token)), "no token went to the other origin's backend");
  assert.equal(env.control.addonStats().rejected, 0);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});

test('header X-acpt: the token goes as the X-acpt request header, and ACE accepts it', async () => {
  const s = await openAce({ header: 'X-acpt' });
  for (let i = 0; i < 3; i++) assert.equal((await s.fetch('/api/whoami')).status, 200);
  const whoami = seen('/api/whoami');
  assert.deepEqual(whoami.map((r) => r.source), ['acpt-header', 'acpt-header', 'acpt-header']);
  assert.equal(env.control.stats().hostCalls, 0);
  assert.ok(env.control.addonStats().requests.filter((r) => r.url === '/api/whoami').every((r) => !r.hasAuthorization));
});

test('axios and ky through auth.fetch carry the session tokens too', async () => {
  const clients = await httpClientsModule();
  const s = await openAce();
  const statuses = await s.eval(async (code) => {
    const { axios, ky } = await import(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const { auth } = window.connectTokenDemo;
    const a = await axios.create({ adapter: 'fetch', env: { fetch: auth.fetch } }).post('/api/echo', { a: 1 });
    const k = await ky.create({ fetch: auth.fetch, retry: 0 }).post('/api/echo', { json: { a: 1 } });
    return [a.status, k.status];
  }, clients);
  assert.deepEqual(statuses, [200, 200]);
  const echo = seen('/api/echo');
  assert.equal(echo[1].token, echo[0].session, "ky's request carried ACE's answer to axios's");
  assert.equal(env.control.stats().hostCalls, 0);
  await assertNoLeaks(env, undefined, { allowPageJwt: true });
});
