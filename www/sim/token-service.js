// The product side of AP.context.getToken(): a per-user token cache like Jira's, plus fault knobs.
// The host page forwards every getToken to POST /host/token; this decides what that request gets.
import { mintContextToken, peekClaims } from './mint.js';
import { tokenHash } from './http-util.js';

export const HOST_DEFAULTS = Object.freeze({
  returnsPromise: true, // default form of the host page's getToken (a page query ?form= overrides)
  ttlSeconds: 900, // exp - iat of minted tokens
  cacheMarginSeconds: 60, // same token is returned while exp - now >= margin
  nonce: false, // add a sim_nonce claim so same-second tokens differ
  extraClaims: null, // merged into every minted token (e.g. non-ASCII text)
  failNext: 0, // next N calls fail
  failUntil: 0, // calls fail while clock.now() < failUntil (virtual ms)
  failMessage: 'Simulated host failure: could not get a context token',
  hang: false, // every call never answers while true
  hangNext: 0, // the next N calls never answer
  delayMs: 0, // answer after this many real milliseconds
  malformedNext: 0, // next N calls answer malformedValue instead of a JWT
  malformedValue: 'not.a.jwt',
  expiredNext: 0, // next N calls answer a freshly minted token whose exp is already past
});

const KNOB_NAMES = new Set([...Object.keys(HOST_DEFAULTS), 'failForMs', 'reset']);

/** baseUrl: the product URL, or a function returning it (known only once the host listens). */
export function createTokenService({ clock, tenants, baseUrl }) {
  const byAddonKey = new Map(tenants.map((t) => [t.addonKey, t]));
  let knobs = { ...HOST_DEFAULTS };
  let cache = new Map(); // addonKey|sub -> {token, claims}
  let stats;
  let lastToken = null;
  let nonceCounter = 0;
  const hung = new Set(); // callbacks of requests that will never be answered (released by close)

  function resetStats() {
    stats = {
      hostCalls: 0, // every getToken that reached the host server, failed ones included
      minted: 0, // tokens signed (expired ones included)
      failed: 0,
      cacheHits: 0,
      malformed: 0,
      expiredServed: 0,
      hung: 0,
      delayed: 0,
      unknownAddon: 0,
      issued: [], // [{hash, iat, exp, cached, at}] newest last, at most 500
    };
  }
  resetStats();

  function configure(body = {}) {
    for (const k of Object.keys(body)) {
      if (!KNOB_NAMES.has(k)) throw new TypeError(`unknown host knob "${k}"`);
    }
    if (body.reset) {
      knobs = { ...HOST_DEFAULTS };
      cache = new Map();
      lastToken = null;
      nonceCounter = 0;
      resetStats();
    }
    for (const [k, v] of Object.entries(body)) {
      if (k === 'reset') continue;
      if (k === 'failForMs') {
        knobs.failUntil = clock.now() + Number(v);
        continue;
      }
      const def = HOST_DEFAULTS[k];
      if (typeof def === 'number') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new TypeError(`host knob ${k} must be a number`);
        knobs[k] = n;
      } else if (typeof def === 'boolean') {
        knobs[k] = Boolean(v);
      } else {
        knobs[k] = v;
      }
    }
    return { ...knobs };
  }

  function record(token, claims, cached) {
    lastToken = token;
    stats.issued.push({ hash: tokenHash(token), iat: claims?.iat, exp: claims?.exp, cached, at: clock.now() });
    if (stats.issued.length > 500) stats.issued.shift();
  }

  function mint(tenant, { expired }) {
    const nowS = clock.nowSeconds();
    const ttl = knobs.ttlSeconds;
    const iat = expired ? nowS - ttl - 60 : nowS;
    const nonce = knobs.nonce ? ++nonceCounter : undefined;
    const base = typeof baseUrl === 'function' ? baseUrl() : baseUrl;
    const out = mintContextToken(tenant, { iat, ttlSeconds: ttl, baseUrl: base, nonce, extraClaims: knobs.extraClaims });
    stats.minted++;
    return out;
  }

  /**
   * Answer one getToken that reached the host server.
   * Resolves to {status, body}, or never resolves (hang).
   * @param {{addonKey:string, signal?:AbortSignal}} r  signal aborts when the HTTP client disconnects
   */
  async function request({ addonKey, signal } = {}) {
    stats.hostCalls++;
    const tenant = byAddonKey.get(addonKey);
    if (knobs.hang || knobs.hangNext > 0) {
      if (knobs.hangNext > 0) knobs.hangNext--;
      stats.hung++;
      // Never settled. `signal` (the client went away) only stops counting it as pending.
      return new Promise((resolve) => {
        hung.add(resolve);
        signal?.addEventListener('abort', () => hung.delete(resolve), { once: true });
      });
    }
    const answer = decide(tenant, addonKey);
    if (knobs.delayMs > 0) {
      stats.delayed++;
      await new Promise((r) => setTimeout(r, knobs.delayMs));
    }
    return answer;
  }

  function decide(tenant, addonKey) {
    if (!tenant) {
      stats.unknownAddon++;
      stats.failed++;
      return { status: 404, body: { error: `Unknown add-on "${addonKey}"` } };
    }
    if (knobs.failNext > 0 || clock.now() < knobs.failUntil) {
      if (knobs.failNext > 0) knobs.failNext--;
      stats.failed++;
      return { status: 500, body: { error: knobs.failMessage } };
    }
    if (knobs.malformedNext > 0) {
      knobs.malformedNext--;
      stats.malformed++;
      return { status: 200, body: { token: String(knobs.malformedValue) } };
    }
    if (knobs.expiredNext > 0) {
      knobs.expiredNext--;
      stats.expiredServed++;
      const { token, claims } = mint(tenant, { expired: true });
      record(token, claims, false);
      return { status: 200, body: { token } };
    }
    const key = `${tenant.addonKey}|${tenant.sub}`;
    const hit = cache.get(key);
    if (hit && hit.claims.exp - clock.nowSeconds() >= knobs.cacheMarginSeconds) {
      stats.cacheHits++;
      record(hit.token, hit.claims, true);
      return { status: 200, body: { token: hit.token } };
    }
    const fresh = mint(tenant, { expired: false });
    cache.set(key, fresh);
    record(fresh.token, fresh.claims, false);
    return { status: 200, body: { token: fresh.token } };
  }

  return {
    request,
    configure,
    knobs: () => ({ ...knobs }),
    stats: () => ({ ...stats, issued: stats.issued.slice(), pendingHung: hung.size, knobs: { ...knobs } }),
    /** In-process only: the last token handed out (never exposed over HTTP). */
    lastToken: () => lastToken,
    lastClaims: () => (lastToken ? peekClaims(lastToken) : null),
    /** Forget hung requests (their HTTP connections are dropped by the server's close). */
    dropHung: () => hung.clear(),
    tenantFor: (addonKey) => byAddonKey.get(addonKey),
  };
}
