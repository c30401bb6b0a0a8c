// The add-on's backend: its CORS policy, counters, knobs, and a log of every request the add-on-side
// servers receive (for secrecy tests). /api/* is decided by the real atlassian-connect-express
// (ace-backend.js): this module hands each API request to it and counts what ACE did.
// One backend instance is shared by the add-on server, the second API origin and the HTTPS/HTTP2 origin.
import { readBody, send, sendJson, tokenHash, jwtHashesIn } from './http-util.js';

export const EXPIRED_MESSAGE = 'Authentication request has expired. Try reloading the page.';

export const ADDON_DEFAULTS = Object.freeze({
  rejectNext: 0, // answer 401 to the next N requests that carry a token, whatever the token
  rejectMessage: EXPIRED_MESSAGE,
  // 'context': atlassian-connect-spring-boot's @ContextJwt rule in front of ACE (qsh must be
  // "context-qsh"); 'ace': ACE's checkValidToken() alone (qsh not looked at)
  qshCheck: 'context',
  delayMs: 0, // answer authenticated API requests this many real ms late
  // The API's Date header: 'clock', the simulated server clock's time (as a real backend on NTP);
  // 'none', no Date header at all
  dateHeader: 'clock',
  dateSkewMs: 0, // a wrong Date: this many ms from the server clock
  // Whether a cross-origin page may read ACE's X-acpt response header (Access-Control-Expose-Headers)
  exposeSessionHeader: false,
});
const KNOBS = new Set([...Object.keys(ADDON_DEFAULTS), 'revoke', 'revokeHash', 'sessionHeaderNext', 'reset']);
const LOG_MAX = 5000;
// Not forwarded to ACE (hop-by-hop, HTTP/2 pseudo-headers, the simulator's own) nor copied back.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings']);

/**
 * @param {object} o
 * @param {object} o.clock
 * @param {{forward: Function}} [o.ace]  from startAce(); set later with setAce()
 */
export function createBackend({ clock, ace = null }) {
  let allowedOrigins = new Set();
  let knobs;
  let revoked;
  let sessionOverrides;
  let stats;
  let log;

  function reset() {
    knobs = { ...ADDON_DEFAULTS };
    revoked = new Set();
    sessionOverrides = [];
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
      } else if (k === 'dateHeader') {
        if (v !== 'clock' && v !== 'none') throw new TypeError('dateHeader must be "clock" or "none"');
        knobs.dateHeader = v;
      } else if (k === 'sessionHeaderNext') {
        // What ACE's next X-acpt headers are replaced with, in order: a string, or null for none.
        if (!Array.isArray(v) || !v.every((x) => x === null || typeof x === 'string')) {
          throw new TypeError('sessionHeaderNext must be an array of strings or nulls');
        }
        sessionOverrides.push(...v);
      } else if (typeof ADDON_DEFAULTS[k] === 'boolean') {
        knobs[k] = v === true || v === 'true';
      } else if (typeof ADDON_DEFAULTS[k] === 'number') {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new TypeError(`addon knob ${k} must be a number`);
        knobs[k] = n;
      } else knobs[k] = String(v);
    }
    return currentKnobs();
  }

  function currentKnobs() {
    return { ...knobs, revoked: [...revoked], sessionHeaderNext: [...sessionOverrides] };
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
      // The session token ACE answered with (X-acpt), by hash: what the page may send next.
      const session = res.getHeader('x-acpt');
      entry.sessionTokenHash = session ? tokenHash(String(session)) : null;
    });
    return entry;
  }

  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) return {};
    // Date is not a CORS-safelisted response header: a cross-origin page reads it only if exposed.
    const exposed = knobs.exposeSessionHeader ? 'Date, X-acpt' : 'Date';
    return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': exposed, Vary: 'Origin' };
  }

  /**
   * The API response's Date header, from the simulated server clock (Node would stamp the real
   * time), or none, per the dateHeader and dateSkewMs knobs.
   */
  function stampDate(res) {
    if (knobs.dateHeader === 'none') {
      res.sendDate = false;
      return {};
    }
    return { Date: new Date(clock.now() + knobs.dateSkewMs).toUTCString() };
  }

  function count(serverName, outcome, hash, claims, reason) {
    stats[outcome]++;
    const s = (stats.byServer[serverName] ||= { accepted: 0, rejected: 0 });
    s[outcome]++;
    if (hash) {
      const t = (stats.perToken[hash] ||= { accepted: 0, rejected: 0 });
      t[outcome]++;
      if (claims) Object.assign(t, { sub: claims.sub, iat: claims.iat, exp: claims.exp });
    }
    if (reason) stats.reasons[reason] = (stats.reasons[reason] || 0) + 1;
  }

  /** What ACE did with one request, into the request log and the counters. */
  function counted(serverName, entry, outcome) {
    entry.tokenSource = outcome.source || null;
    entry.tokenHash = outcome.tokenHash || null;
    if (!outcome.api) return;
    if (!outcome.tokenHash) stats.noToken++;
    count(serverName, outcome.outcome, outcome.tokenHash, outcome.claims, outcome.reason);
  }

  /**
   * Handle /api/* (and its CORS preflight): HTTP/1.1 requests go to ACE's express app as they are;
   * HTTP/2 ones (the https origin) are read here and forwarded over HTTP/1.1.
   */
  async function handleApi(serverName, req, res, entry) {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      const headers = { ...cors };
      if (cors['Access-Control-Allow-Origin']) {
        Object.assign(headers, {
          'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-acpt',
          'Access-Control-Max-Age': '600',
        });
      }
      send(res, 204, '', headers);
      return;
    }
    if (req.httpVersionMajor === 1) {
      res.setHeader('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries({ ...cors, ...stampDate(res) })) res.setHeader(name, value);
      ace.handle(req, res, (outcome, rawBody) => {
        entry.bodyLength = rawBody ? rawBody.length : 0;
        entry.jwtHashesInBody = rawBody ? jwtHashesIn(rawBody.toString('utf8')) : [];
        counted(serverName, entry, outcome);
      });
      return;
    }
    const raw = await readBody(req);
    entry.bodyLength = raw.length;
    entry.jwtHashesInBody = jwtHashesIn(raw.toString('utf8'));

    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith(':') || name.startsWith('x-sim-') || HOP.has(name)) continue;
      headers[name] = value;
    }
    if (!headers.host && req.headers[':authority']) headers.host = req.headers[':authority'];
    if (raw.length || 'content-length' in req.headers || 'transfer-encoding' in req.headers || req.httpVersionMajor === 2) {
      headers['content-length'] = String(raw.length);
    }
    headers['x-sim-http-version'] = req.httpVersion;

    const answer = await ace.forward({ method: req.method, path: req.url, headers, body: raw });
    counted(serverName, entry, JSON.parse(Buffer.from(String(answer.headers['x-sim-outcome'] || 'e30'), 'base64url').toString('utf8')));

    const out = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (HOP.has(name) || name === 'x-sim-outcome' || name === 'date' || name === 'content-length') continue;
      out[name] = value;
    }
    Object.assign(out, cors, stampDate(res));
    if (cors.Vary) out.vary = answer.headers.vary ? `${answer.headers.vary}, Origin` : 'Origin';
    delete out.Vary;
    send(res, answer.status, answer.body, out);
  }

  /** An add-on page under /ace/: ACE authenticates the iframe URL's JWT and fills in {{token}}. */
  function handlePage(req, res) {
    res.setHeader('Cache-Control', 'no-store');
    ace.handle(req, res, () => {});
  }

  return {
    handleApi,
    handlePage,
    record,
    configure,
    setAllowedOrigins: (list) => {
      allowedOrigins = new Set(list);
    },
    allowedOrigins: () => [...allowedOrigins],
    knobs: currentKnobs,
    /** What ACE's app asks of the knobs (ace-backend.js), read as each request arrives. */
    faults: {
      knobs: () => knobs,
      /** Takes one of the rejectNext answers, if any is left. */
      takeRejectNext() {
        if (knobs.rejectNext <= 0) return false;
        knobs.rejectNext--;
        return true;
      },
      isRevoked: (hash) => revoked.has(hash),
      /** Takes the next replacement of ACE's X-acpt header: a string, null (none), or undefined (keep ACE's). */
      takeSessionOverride: () => (sessionOverrides.length ? sessionOverrides.shift() : undefined),
    },
    setAce(a) {
      ace = a;
    },
    stats: () => ({
      ...stats,
      byServer: structuredClone(stats.byServer),
      perToken: structuredClone(stats.perToken),
      reasons: { ...stats.reasons },
      requests: log.map((e) => ({ ...e })),
    }),
  };
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
