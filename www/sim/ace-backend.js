// The add-on's backend: a real atlassian-connect-express (ACE 11.5.3) app, one per world.
//
// ACE decides: `addon.checkValidToken()` guards /api/*, `addon.authenticate()` (qsh checked against
// the request) guards /api/authenticate/*. Around it, and never instead of it:
//   - the simulator's fault knobs (rejectNext, revoke) answer before ACE, like a proxy in front;
//   - the Spring Boot switch (qshCheck 'context', atlassian-connect-spring-boot's @ContextJwt rule)
//     rejects a token whose qsh is not "context-qsh" before ACE sees it;
//   - a wrapper around ACE's middleware records what ACE did (next() = accepted, an answer of its
//     own = rejected, with ACE's message) in the `x-sim-outcome` response header, which backend.js
//     turns into the counters and removes.
//
// ACE's clock: ACE reads time only through moment (`moment().utc().unix()` for expiry and its
// session token), and moment reads it through `moment.now`, its documented hook. ACE's own moment
// instance gets `moment.now = () => clock.now()`, so ACE follows the world's virtual clock while
// `Date`, the tests and Playwright keep real time.
//
// Transport: the add-on, second and https servers (backend.js) hand each /api/* request to ACE's
// express app as an HTTP/1.1 exchange over an in-memory connection (node:http's client on one end,
// ACE's http.Server on the other through its documented server.emit('connection', duplex)): no
// socket, no thread, and the same answer bytes a real ACE server would send.
import http from 'node:http';
import { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { tokenHash } from './http-util.js';
import { createAddon, clientInfo } from './ace-app.js';
import { mountedFile } from './static.js';

const require = createRequire(import.meta.url);
const BODY_LIMIT = '16mb';
const QSH_MESSAGE = 'Authentication failed: query hash does not match.';

let modules;
/** express, ACE and the moment ACE uses, loaded once per process (a few hundred ms). */
function loadAce() {
  if (modules) return modules;
  const express = require('express');
  const ace = require('atlassian-connect-express');
  const aceRequire = createRequire(require.resolve('atlassian-connect-express'));
  const moment = aceRequire('moment');
  const clocks = [];
  // The newest live world's clock (one world per process is the rule; see README).
  moment.now = () => (clocks.length ? clocks[clocks.length - 1].now() : Date.now());
  modules = {
    express,
    ace,
    aceUtils: require('atlassian-connect-express/lib/internal/utils.js'),
    clocks,
  };
  return modules;
}

/**
 * Builds the world's ACE app and registers the tenants.
 * @param {object} o
 * @param {{now: () => number}} o.clock        the world clock
 * @param {{knobs: () => {qshCheck: string, rejectMessage: string}, takeRejectNext: () => boolean,
 *          isRevoked: (hash: string) => boolean}} o.faults   the add-on knobs (backend.js)
 * @param {object[]} o.tenants
 * @param {() => string} o.baseUrl             the host's base URL, for clientInfo
 * @param {Array<{prefix:string, dir:string}>} [o.mounts] the add-on's files: /ace/<path> renders
 *                                             the HTML page mounted at <path> as an ACE template
 */
export async function startAce({ clock, faults, tenants, baseUrl, mounts = [] }) {
  const { express, ace, aceUtils, clocks } = loadAce();
  clocks.push(clock);
  // ACE adds a process-wide unhandledRejection logger; this process is the tests' own, whose
  // unhandled rejections must still fail them.
  const listeners = process.listeners('unhandledRejection');
  const app = express();
  app.set('env', 'development');
  app.disable('x-powered-by');
  app.set('etag', false);

  const addon = await createAddon(ace, app);

  // ---- per-request simulator state, reported in x-sim-outcome -------------------------------------

  // Requests handed over directly (HTTP/1.1: the main server's own req/res) report their outcome
  // through a callback; forwarded ones (HTTP/2, over an in-memory connection) in x-sim-outcome.
  const direct = new WeakMap();

  function simState(req, res, next) {
    const report = direct.get(req);
    const httpVersion = String((!report && req.headers['x-sim-http-version']) || req.httpVersion);
    for (const name of Object.keys(req.headers)) if (name.startsWith('x-sim-')) delete req.headers[name];
    const state = { knobs: faults.knobs(), httpVersion, apiRequest: false, outcome: null, reason: null, sentBody: undefined, token: undefined, source: null, claims: null };
    res.locals.sim = state;
    const send = res.send;
    res.send = function (body) {
      if (state.sentBody === undefined) state.sentBody = body;
      return send.apply(this, arguments);
    };
    const writeHead = res.writeHead;
    res.writeHead = function (...args) {
      if (!res.headersSent && res.getHeader('x-acpt') !== undefined) {
        // The sessionHeaderNext knob: ACE's session token replaced (a hostile or broken backend).
        const override = faults.takeSessionOverride();
        if (override === null) res.removeHeader('x-acpt');
        else if (override !== undefined) res.setHeader('x-acpt', override);
      }
      if (!res.headersSent) {
        const outcome = outcomeOf(state, res, args[0]);
        if (report) report(outcome, req.rawBody);
        else res.setHeader('x-sim-outcome', Buffer.from(JSON.stringify(outcome)).toString('base64url'));
      }
      return writeHead.apply(this, args);
    };
    next();
  }

  function outcomeOf(state, res, statusCode) {
    const status = statusCode || res.statusCode;
    if (!state.apiRequest) return { api: false };
    let { outcome, reason } = state;
    if (!outcome) {
      // ACE (or express) answered instead of calling next(): a rejection, ACE's message as the reason.
      outcome = 'rejected';
      reason = reasonFromBody(state.sentBody) || res.statusMessage || http.STATUS_CODES[status] || String(status);
    }
    return {
      api: true,
      outcome,
      status,
      reason: outcome === 'rejected' ? redact(reason) : null,
      tokenHash: state.token ? tokenHash(state.token) : null,
      source: state.source,
      claims: state.claims,
    };
  }

  /** ACE answers `_.escape(message)` as text/html or `{message}` as JSON. */
  function reasonFromBody(body) {
    if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body.message === 'string') return body.message;
    if (typeof body === 'string') return unescapeHtml(body);
    return null;
  }

  // ACE's 400 for a bad signature quotes the token's header and payload ("for input: <h>.<p> with
  // method ..."). That is ACE's answer and goes to the client as is; the counters never keep it.
  const redact = (reason) => (reason ? String(reason).replace(/ for input: \S+/, ' for input: <omitted>') : reason);

  // ---- body parsing, as an ACE app does (ACE looks for the token only after a body parser ran) ----

  const keepRaw = (req, res, buf) => {
    req.rawBody = buf;
  };
  app.use(simState);
  app.use(express.json({ limit: BODY_LIMIT, verify: keepRaw }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, verify: keepRaw }));
  app.use(express.raw({ type: () => true, limit: BODY_LIMIT }));
  app.use((err, req, res, next) => {
    // A body that does not parse: the token search finds nothing in it (the request still reaches ACE).
    if (err && err.type === 'entity.parse.failed') {
      req.body = {};
      return next();
    }
    next(err);
  });
  app.use((req, res, next) => {
    if (Buffer.isBuffer(req.body)) {
      req.rawBody = req.body;
      req.body = {};
    }
    next();
  });

  // ---- /api/*: the token ACE will use, the simulator's faults, the Spring Boot rule, then ACE ------

  /** Where ACE's own extraction found the token: only for the request log (leak checks). */
  function tokenSource(req, token) {
    const q = req.query || {};
    const b = req.body && typeof req.body === 'object' ? req.body : {};
    if (!token) return q.jwt && b.jwt ? 'query+body (refused)' : null;
    if (q.jwt === token) return 'query';
    if (b.jwt === token) return 'body';
    if (req.headers.authorization === `JWT ${token}`) return 'header';
    if (q.acpt === token) return 'acpt-query';
    return 'acpt-header';
  }

  app.use('/api', (req, res, next) => {
    const state = res.locals.sim;
    state.apiRequest = true;
    state.token = aceUtils.extractJwtFromRequest(addon, req) || undefined;
    state.source = tokenSource(req, state.token);
    next();
  });

  /** An error answer shaped like ACE's (authentication.js sendError, res.format text/html/json). */
  function rejectLikeAce(res, code, message) {
    const state = res.locals.sim;
    state.outcome = 'rejected';
    state.reason = message;
    res.format({
      text() {
        res.status(code).send(escapeHtml(message));
      },
      html() {
        res.status(code).send(escapeHtml(message));
      },
      json() {
        res.status(code).send({ message });
      },
    });
  }

  function simulatedFaults(req, res, next) {
    const { token, knobs } = res.locals.sim;
    if (!token) return next();
    if (faults.takeRejectNext()) return rejectLikeAce(res, 401, knobs.rejectMessage);
    if (faults.isRevoked(tokenHash(token))) return rejectLikeAce(res, 401, 'Token revoked (simulated)');
    next();
  }

  /**
   * The token's payload, read once without verification (null if it is none): only for the Spring
   * Boot rule's qsh and for the counters. ACE does its own decoding and verification.
   */
  function peek(state) {
    if (state.peeked === undefined) {
      state.peeked = null;
      const parts = String(state.token).split('.');
      if (parts.length === 3) {
        try {
          const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
          if (payload && typeof payload === 'object') state.peeked = payload;
        } catch {
          /* not a JWT: ACE says so */
        }
      }
    }
    return state.peeked;
  }

  /** atlassian-connect-spring-boot's @ContextJwt: the token's qsh must be "context-qsh". */
  function springContextJwt(req, res, next) {
    const { token, knobs } = res.locals.sim;
    if (knobs.qshCheck !== 'context' || !token) return next();
    const claims = peek(res.locals.sim);
    if (!claims) return next(); // not a JWT: ACE says so
    if (claims.qsh !== 'context-qsh') return rejectLikeAce(res, 401, QSH_MESSAGE);
    next();
  }

  /** Runs one of ACE's middlewares and records what it decided; never decides itself. */
  function counted(aceMiddleware) {
    return (req, res, next) =>
      aceMiddleware(req, res, (err) => {
        if (!err) {
          const state = res.locals.sim;
          state.outcome = 'accepted';
          const c = peek(state); // the claims ACE has just verified
          state.claims = { sub: c.sub, iat: c.iat, exp: c.exp };
        }
        next(err);
      });
  }

  const checkValidToken = counted(addon.checkValidToken());
  const authenticate = counted(addon.authenticate());
  app.use('/api', simulatedFaults, (req, res, next) => {
    if (req.path === '/authenticate' || req.path.startsWith('/authenticate/')) return authenticate(req, res, next);
    springContextJwt(req, res, (err) => (err ? next(err) : checkValidToken(req, res, next)));
  });
  // The delayMs knob: accepted requests are answered late.
  app.use('/api', (req, res, next) => {
    const ms = res.locals.sim.knobs.delayMs;
    if (ms > 0) setTimeout(next, ms);
    else next();
  });

  // ---- routes (reached only through ACE) ------------------------------------------------------------

  app.get('/api/whoami', (req, res) => {
    // ACE's verified request context: userAccountId (the sub claim), clientKey (iss, or aud[0]).
    res.json({ sub: req.context.userAccountId, iss: req.context.clientKey });
  });
  app.all('/api/echo', (req, res) => {
    const raw = req.rawBody || Buffer.alloc(0);
    res.json({
      method: req.method,
      body: raw.toString('utf8'),
      length: raw.length,
      contentType: req.headers['content-type'] || null,
      httpVersion: res.locals.sim.httpVersion,
    });
  });
  app.all(['/api', '/api/*'], (req, res) => {
    res.json({ ok: true, method: req.method, path: req.path, sub: req.context.userAccountId });
  });
  // ---- /ace/*: the add-on's pages as an ACE app renders them ------------------------------------------
  // addon.authenticate() verifies the iframe URL's JWT (its qsh hashes this GET) and puts ACE's
  // session token in res.locals.token; the page is a template whose {{token}} it fills in, as
  // ACE's README shows (`<meta name="token" content="{{token}}">`).
  // Its scripts and styles, as an ACE app serves them (express.static, no token).
  app.get('/ace/*', (req, res, next) => {
    const found = mountedFile(req.path.slice('/ace'.length), mounts);
    if (!found?.file || found.file.endsWith('.html')) return next();
    res.sendFile(found.file, { headers: { 'Cache-Control': 'no-store' } }, (err) => {
      if (err && !res.headersSent) res.status(404).type('text/plain').send('Not found');
    });
  });
  app.get('/ace/*', addon.authenticate(), async (req, res, next) => {
    const found = mountedFile(req.path.slice('/ace'.length), mounts);
    const template = found?.file?.endsWith('.html') ? await readFile(found.file, 'utf8').catch(() => null) : null;
    if (template === null) return next();
    res.type('html').send(template.replaceAll('{{token}}', escapeHtml(res.locals.token)));
  });

  app.use((req, res) => res.status(404).type('text/plain').send('Not found'));
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    const state = res.locals.sim;
    const status = Number(err && (err.status || err.statusCode)) || 500;
    if (state && state.apiRequest && !state.outcome) {
      state.outcome = 'rejected';
      state.reason = (err && err.message) || String(err);
    }
    if (res.headersSent) return res.destroy();
    res.status(status).type('text/plain').send(status === 500 ? 'Internal Server Error' : (err && err.message) || String(status));
  });

  // What the product's "installed" lifecycle call would have stored.
  for (const t of tenants) await addon.settings.set('clientInfo', clientInfo(t, baseUrl()), t.clientKey);
  for (const l of process.listeners('unhandledRejection')) if (!listeners.includes(l)) process.off('unhandledRejection', l);

  const server = http.createServer(app);
  const open = new Set();
  let closed = false;
  return {
    /**
     * An HTTP/1.1 request of the add-on or second server, handed to ACE's express app as it is (its
     * body unread). `report(outcome, rawBody)` runs as the answer's headers go out.
     */
    handle(req, res, report) {
      direct.set(req, report);
      app(req, res);
    },
    /**
     * One request through ACE over an in-memory HTTP/1.1 connection (for HTTP/2 requests, which
     * express 4 cannot take as they are). Resolves {status, headers (lower-case), body: Buffer}.
     * @param {{method:string, path:string, headers:object, body:Buffer}} r
     */
    forward(r) {
      if (closed) return Promise.reject(new Error('the ACE backend is closed'));
      return new Promise((resolve, reject) => {
        const [client, serverSide] = duplexPair();
        open.add(client);
        const headers = { ...r.headers, connection: 'close' };
        const req = http.request({ createConnection: () => client, method: r.method, path: r.path, headers }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            open.delete(client);
            resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        });
        req.on('error', (e) => {
          open.delete(client);
          reject(e);
        });
        server.emit('connection', serverSide);
        if (r.body && r.body.length) req.end(r.body);
        else req.end();
      });
    },
    async close() {
      closed = true;
      for (const c of open) c.destroy();
      const i = clocks.lastIndexOf(clock);
      if (i >= 0) clocks.splice(i, 1);
    },
  };
}

/** Two Duplex streams wired to each other: what one writes, the other reads. */
function duplexPair() {
  const ends = [];
  const make = (other) =>
    new Duplex({
      read() {},
      write(chunk, encoding, callback) {
        ends[other].push(chunk);
        callback();
      },
      writev(list, callback) {
        for (const x of list) ends[other].push(x.chunk);
        callback();
      },
      final(callback) {
        // Both sides done: close the other end rather than make node:http end it again (which
        // costs it an ERR_STREAM_ALREADY_FINISHED with a stack trace per request).
        if (ends[other].writableEnded) ends[other].destroy();
        else ends[other].push(null);
        callback();
      },
      destroy(err, callback) {
        if (!ends[other].readableEnded && !ends[other].destroyed) ends[other].push(null);
        callback(err);
      },
    });
  ends.push(make(1), make(0));
  return ends;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function unescapeHtml(s) {
  return String(s).replace(/&(amp|lt|gt|quot|#39);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}

