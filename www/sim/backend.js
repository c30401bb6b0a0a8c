// The add-on's backend: an ACE-like verifying API (/api/*), its CORS policy, counters, knobs,
// and a log of every request the add-on-side servers receive (for secrecy tests).
// One backend instance is shared by the add-on server, the second API origin and the HTTPS/HTTP2 origin.
import { verifyRequest, aceErrorResponse, sessionToken, EXPIRED_MESSAGE } from './verify.js';
import { readBody, send, sendJson, tokenHash, jwtHashesIn } from './http-util.js';

export const ADDON_DEFAULTS = Object.freeze({
  rejectNext: 0, // answer 401 to the next N requests that carry a token, whatever the token
  rejectMessage: EXPIRED_MESSAGE,
  qshCheck: 'context', // 'context': qsh must be "context-qsh"; 'ace': ignore qsh like ACE checkValidToken
  delayMs: 0, // answer authenticated API requests this many real ms late
});
const KNOBS = new Set([...Object.keys(ADDON_DEFAULTS), 'revoke', 'revokeHash', 'reset']);
const LOG_MAX = 5000;

export function createBackend({ clock, tenants }) {
  const byClientKey = new Map(tenants.map((t) => [t.clientKey, t]));
  let allowedOrigins = new Set();
  let knobs;
  let revoked;
  let stats;
  let log;

  function reset() {
    knobs = { ...ADDON_DEFAULTS };
    revoked = new Set();
    stats = { accepted: 0, rejected: 0, noToken: 0, byServer: {}, perToken: {}, reasons: {} };
    log = [];
  }
  reset();

  function configure(body = {}) {
    for (const k of Object.keys(body)) if (!KNOBS.has(k)) throw new TypeError(`unknown addon knob "${k}"`);
    if (body.reset) reset();
    for (const [k, v] of Object.entries(body)) {
      if (k === 'reset') continue;
      if (k === 'revoke') revoked.add(tokenHash(v));
      else if (k === 'revokeHash') revoked.add(String(v));
      else if (k === 'qshCheck') {
        if (v !== 'context' && v !== 'ace') throw new TypeError('qshCheck must be "context" or "ace"');
        knobs.qshCheck = v;
      } else if (typeof ADDON_DEFAULTS[k] === 'number') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new TypeError(`addon knob ${k} must be a number`);
        knobs[k] = n;
      } else knobs[k] = v;
    }
    return { ...knobs, revoked: [...revoked] };
  }

  /** Record a request (any path) as it arrives; status is filled in when the response ends. */
  function record(serverName, req, res) {
    const auth = req.headers.authorization;
    const scheme = auth ? auth.split(' ')[0] : null;
    const credential = auth ? auth.slice(scheme.length + 1) : null;
    const entry = {
      server: serverName,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      origin: req.headers.origin || null,
      referer: req.headers.referer || null,
      hasAuthorization: Boolean(auth),
      authScheme: scheme,
      authHash: credential ? tokenHash(credential) : null,
      jwtHashesInUrl: jwtHashesIn(safeDecode(req.url)),
      jwtHashesInReferer: jwtHashesIn(safeDecode(req.headers.referer || '')),
      status: null,
      at: clock.now(),
    };
    log.push(entry);
    if (log.length > LOG_MAX) log.shift();
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    return entry;
  }

  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) return {};
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  function count(serverName, outcome, token, claims, reason) {
    stats[outcome]++;
    const s = (stats.byServer[serverName] ||= { accepted: 0, rejected: 0 });
    s[outcome]++;
    if (token) {
      const h = tokenHash(token);
      const t = (stats.perToken[h] ||= { accepted: 0, rejected: 0 });
      t[outcome]++;
      if (claims) Object.assign(t, { sub: claims.sub, iat: claims.iat, exp: claims.exp });
    }
    if (reason) stats.reasons[reason] = (stats.reasons[reason] || 0) + 1;
  }

  /** Handle /api/* (and its CORS preflight). */
  async function handleApi(serverName, req, res, entry) {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      const headers = { ...cors };
      if (cors['Access-Control-Allow-Origin']) {
        Object.assign(headers, {
          'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type',
          'Access-Control-Max-Age': '600',
        });
      }
      send(res, 204, '', headers);
      return;
    }
    const url = new URL(req.url, 'http://sim.invalid');
    const raw = await readBody(req);
    entry.bodyLength = raw.length;
    entry.jwtHashesInBody = jwtHashesIn(raw.toString('utf8'));
    const contentType = req.headers['content-type'] || null;
    const parsed = parseBodyLikeExpress(raw, contentType);

    const reject = (status, message, token, claims) => {
      count(serverName, 'rejected', token, claims, message);
      const r = aceErrorResponse(status, message, req.headers.accept);
      const headers = { ...r.headers, ...cors };
      if (cors.Vary) headers.Vary = 'Accept, Origin';
      send(res, r.status, r.body, headers);
    };

    const result = verifyRequest(
      { searchParams: url.searchParams, headers: req.headers, body: parsed },
      { nowSeconds: clock.nowSeconds(), lookupClient: (ck) => byClientKey.get(ck), qshCheck: knobs.qshCheck },
    );
    entry.tokenSource = result.source || null;
    entry.tokenHash = result.token ? tokenHash(result.token) : null;
    if (!result.token) stats.noToken++;
    if (result.token && knobs.rejectNext > 0) {
      knobs.rejectNext--;
      return reject(401, knobs.rejectMessage, result.token, result.claims);
    }
    if (result.token && revoked.has(tokenHash(result.token))) {
      return reject(401, 'Token revoked (simulated)', result.token, result.claims);
    }
    if (!result.ok) return reject(result.status, result.message, result.token);

    count(serverName, 'accepted', result.token, result.claims);
    if (knobs.delayMs > 0) await new Promise((r) => setTimeout(r, knobs.delayMs));
    const tenant = byClientKey.get(result.clientKey);
    const headers = {
      ...cors,
      'X-acpt': sessionToken({
        claims: result.claims,
        clientKey: result.clientKey,
        settings: { sharedSecret: tenant.sharedSecret },
        nowSeconds: clock.nowSeconds(),
        addonKey: tenant.addonKey,
      }),
    };
    const { sub, iss } = result.claims;
    if (url.pathname === '/api/whoami') {
      return sendJson(res, 200, { sub, iss }, headers);
    }
    if (url.pathname === '/api/echo') {
      return sendJson(
        res,
        200,
        { method: req.method, body: raw.toString('utf8'), length: raw.length, contentType, httpVersion: req.httpVersion },
        headers,
      );
    }
    return sendJson(res, 200, { ok: true, method: req.method, path: url.pathname, sub }, headers);
  }

  return {
    handleApi,
    record,
    configure,
    setAllowedOrigins: (list) => {
      allowedOrigins = new Set(list);
    },
    allowedOrigins: () => [...allowedOrigins],
    knobs: () => ({ ...knobs, revoked: [...revoked] }),
    stats: () => ({
      ...stats,
      byServer: structuredClone(stats.byServer),
      perToken: structuredClone(stats.perToken),
      reasons: { ...stats.reasons },
      requests: log.map((e) => ({ ...e })),
    }),
  };
}

// express.json() / express.urlencoded() give the `jwt` field ACE looks for; other bodies give {}.
function parseBodyLikeExpress(raw, contentType) {
  const type = (contentType || '').split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/json' && raw.length) {
      const v = JSON.parse(raw.toString('utf8'));
      return v && typeof v === 'object' ? v : {};
    }
    if (type === 'application/x-www-form-urlencoded') {
      return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    }
  } catch {
    /* body-parser would answer 400; the token search just finds nothing */
  }
  return {};
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
