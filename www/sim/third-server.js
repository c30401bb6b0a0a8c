// THIRD origin ("not allowed" for tokens): accepts anything, allows any CORS, and records every
// request so secrecy tests can check that no token was ever sent here.
import http from 'node:http';
import { handle, readBody, send, sendJson, requestUrl, tokenHash, jwtHashesIn, trackSockets } from './http-util.js';

export function createThirdRecorder({ clock }) {
  let log = [];
  function record(req, body) {
    const headers = { ...req.headers };
    const auth = headers.authorization;
    if (auth !== undefined) headers.authorization = `<redacted ${tokenHash(auth.replace(/^\S+\s+/, ''))}>`;
    const text = body.toString('utf8');
    log.push({
      method: req.method,
      url: req.url,
      origin: req.headers.origin || null,
      hasAuthorization: auth !== undefined,
      authScheme: auth ? auth.split(' ')[0] : null,
      authHash: auth ? tokenHash(auth.replace(/^\S+\s+/, '')) : null,
      headers,
      bodyLength: body.length,
      jwtHashesFound: jwtHashesIn([req.url, ...Object.values(req.headers).map(String), text].join('\n')),
      at: clock.now(),
    });
    if (log.length > 5000) log.shift();
  }
  return {
    record,
    log: () => log.map((e) => ({ ...e, headers: { ...e.headers } })),
    reset: () => {
      log = [];
    },
  };
}

export function createThirdServer({ recorder, handleControl }) {
  const server = http.createServer(
    handle(async (req, res) => {
      const p = requestUrl(req).pathname;
      if (p.startsWith('/control/')) {
        await handleControl(req, res, p);
        return;
      }
      const body = await readBody(req);
      recorder.record(req, body);
      const cors = {
        'Access-Control-Allow-Origin': req.headers.origin || '*',
        Vary: 'Origin',
        'Access-Control-Allow-Methods': req.headers['access-control-request-method'] || 'GET, POST, PUT, PATCH, DELETE',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || '*',
        'Access-Control-Max-Age': '600',
      };
      if (req.method === 'OPTIONS') return send(res, 204, '', cors);
      return sendJson(res, 200, { ok: true, recorded: true }, cors);
    }),
  );
  return trackSockets(server);
}
