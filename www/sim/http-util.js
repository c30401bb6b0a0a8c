// Small helpers shared by the servers (plain node:http / node:http2 compat API).
import { createHash } from 'node:crypto';

/** A short, stable fingerprint of a token: lets stats and logs tell tokens apart without holding them. */
export function tokenHash(token) {
  return createHash('sha256').update(String(token)).digest('hex').slice(0, 12);
}

const JWT_LIKE = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/** Fingerprints of every JWT-looking string in a text (URL, header, body): for secrecy tests. */
export function jwtHashesIn(text) {
  if (!text) return [];
  const found = String(text).match(JWT_LIKE) || [];
  return [...new Set(found.map(tokenHash))];
}

export function readBody(req, limit = 16 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readJson(req) {
  const buf = await readBody(req, 1024 * 1024);
  if (!buf.length) return {};
  return JSON.parse(buf.toString('utf8'));
}

export function send(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body ?? ''), 'utf8');
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

export function sendJson(res, status, obj, headers = {}) {
  send(res, status, JSON.stringify(obj), { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

/** Parse the URL of a request (works for http1 and http2 compat requests). */
export function requestUrl(req) {
  return new URL(req.url, 'http://sim.invalid');
}

/** Listen on host:port (port 0 = OS-chosen); resolves with the port. */
export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (e) => reject(e);
    server.once('error', onError);
    server.listen(port || 0, host, () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}

/** Close a server and drop every open connection (hung requests included). */
export function closeServer(server) {
  return new Promise((resolve) => {
    if (!server || !server.listening) return resolve();
    server.close(() => resolve());
    if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
    for (const s of server.__simSockets || []) s.destroy();
  });
}

/** Track sockets so closeServer() can end them (http2 servers have no closeAllConnections). */
export function trackSockets(server) {
  server.__simSockets = new Set();
  const add = (s) => {
    server.__simSockets.add(s);
    s.on('close', () => server.__simSockets.delete(s));
  };
  server.on('connection', add);
  server.on('secureConnection', add);
  return server;
}

/** An error that is the client's fault (answered 400). */
export class BadRequest extends Error {}

/** Run an async handler; turn thrown errors into 500 (or 400 for bad JSON / BadRequest). */
export function handle(fn) {
  return (req, res) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((err) => {
        if (res.headersSent) {
          res.destroy?.();
          return;
        }
        const status = err instanceof SyntaxError || err instanceof BadRequest ? 400 : 500;
        sendJson(res, status, { error: String(err && err.message ? err.message : err) });
      });
  };
}
