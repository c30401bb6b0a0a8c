// The add-on's backend as a real atlassian-connect-express (ACE 11.5.3) app, in a worker thread.
//
// Why a worker: ACE reads time through `Date` (moment), and the simulator's clock is virtual. This
// thread's `Date` follows the world clock (virtual-date.js, installed before ACE or moment load), while
// the test process, Playwright and the other servers keep real time.
//
// The main thread's servers (add-on, second, https) forward every /api/* request here over loopback
// HTTP (backend.js) and copy the answer back. ACE decides: `addon.checkValidToken()` guards /api/*,
// `addon.authenticate()` (qsh checked against the request) guards /api/authenticate/*. Around it, and
// never instead of it:
//   - the simulator's fault knobs (rejectNext, revoke) answer before ACE, like a proxy in front;
//   - the Spring Boot switch (qshCheck 'context', atlassian-connect-spring-boot's @ContextJwt rule)
//     rejects a token whose qsh is not "context-qsh" before ACE sees it;
//   - a wrapper around ACE's middleware records what ACE did (next() = accepted, an answer of its
//     own = rejected, with ACE's message) in the `x-sim-outcome` response header, which backend.js
//     turns into the counters and removes.
import { workerData, parentPort } from 'node:worker_threads';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { installVirtualDate } from './virtual-date.js';
import { tokenHash } from './http-util.js';
import { createAddon, clientInfo } from './ace-app.js';

installVirtualDate(new Float64Array(workerData.shiftBuffer));
const rejectNext = new Int32Array(workerData.rejectNextBuffer);

// Loaded after the virtual Date is in place (require runs here, not at import time).
const require = createRequire(import.meta.url);
const express = require('express');
const ace = require('atlassian-connect-express');
const aceUtils = require('atlassian-connect-express/lib/internal/utils.js');
const jwt = require('atlassian-jwt');

const BODY_LIMIT = '16mb';
const QSH_MESSAGE = 'Authentication failed: query hash does not match.';

const app = express();
app.set('env', 'development');
app.disable('x-powered-by');
app.set('etag', false);

const addon = await createAddon(ace, app);

// ---- per-request simulator state, reported in x-sim-outcome -------------------------------------

function simState(req, res, next) {
  const knobs = JSON.parse(Buffer.from(String(req.headers['x-sim-knobs'] || 'e30'), 'base64url').toString('utf8'));
  const httpVersion = String(req.headers['x-sim-http-version'] || req.httpVersion);
  for (const name of Object.keys(req.headers)) if (name.startsWith('x-sim-')) delete req.headers[name];
  const state = { knobs, httpVersion, apiRequest: false, outcome: null, reason: null, sentBody: undefined, token: undefined, source: null, claims: null };
  res.locals.sim = state;
  const send = res.send;
  res.send = function (body) {
    if (state.sentBody === undefined) state.sentBody = body;
    return send.apply(this, arguments);
  };
  const writeHead = res.writeHead;
  res.writeHead = function (...args) {
    if (!res.headersSent) res.setHeader('x-sim-outcome', Buffer.from(JSON.stringify(outcomeOf(state, res, args[0]))).toString('base64url'));
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
  for (;;) {
    const n = Atomics.load(rejectNext, 0);
    if (n <= 0) break;
    if (Atomics.compareExchange(rejectNext, 0, n, n - 1) === n) return rejectLikeAce(res, 401, knobs.rejectMessage);
  }
  if (knobs.revoked && knobs.revoked.length && knobs.revoked.includes(tokenHash(token))) return rejectLikeAce(res, 401, 'Token revoked (simulated)');
  next();
}

/** atlassian-connect-spring-boot's @ContextJwt: the token's qsh must be "context-qsh". */
function springContextJwt(req, res, next) {
  const { token, knobs } = res.locals.sim;
  if (knobs.qshCheck !== 'context' || !token) return next();
  let claims;
  try {
    claims = jwt.decodeSymmetric(token, '', jwt.SymmetricAlgorithm.HS256, true);
  } catch {
    return next(); // not a JWT: ACE says so
  }
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
        const c = jwt.decodeSymmetric(state.token, '', jwt.SymmetricAlgorithm.HS256, true); // ACE verified it
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

// ---- tenants and start ----------------------------------------------------------------------------

// Connections come over the MessagePort from ace-server.js, one per forwarded request.
const server = http.createServer(app);
const wire = workerData.wire;
wire.on('message', ({ id, data }) => {
  const chunks = [];
  const c = new Duplex({
    read() {},
    write(chunk, encoding, callback) {
      chunks.push(chunk);
      callback();
    },
    writev(list, callback) {
      for (const x of list) chunks.push(x.chunk);
      callback();
    },
    final(callback) {
      // The server closes the connection after its answer (the request says Connection: close).
      sendOver(wire, id, Buffer.concat(chunks));
      callback();
    },
  });
  server.emit('connection', c);
  c.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
});

parentPort.on('message', async (msg) => {
  try {
    if (msg.type === 'install') {
      // What the product's "installed" lifecycle call would have stored.
      for (const t of msg.tenants) {
        await addon.settings.set('clientInfo', clientInfo(t, msg.baseUrl), t.clientKey);
      }
      parentPort.postMessage({ type: 'ready' });
    }
  } catch (e) {
    parentPort.postMessage({ type: 'error', error: String(e && e.stack ? e.stack : e) });
  }
});
parentPort.postMessage({ type: 'loaded' });

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function unescapeHtml(s) {
  return String(s).replace(/&(amp|lt|gt|quot|#39);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}

/**
 * Sends bytes over the wire. A Buffer is usually a view into an 8 KiB pool, and postMessage would
 * copy the whole pool: copy the bytes into their own ArrayBuffer and transfer it instead.
 */
function sendOver(wire, id, chunk) {
  const bytes = new Uint8Array(chunk.byteLength);
  bytes.set(chunk);
  wire.postMessage({ id, data: bytes }, [bytes.buffer]);
}
