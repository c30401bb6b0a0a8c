// Add-on side servers. One factory serves three roles, all sharing one backend (counters, knobs, log):
//   'addon'  http://localhost:P  - the SPA (addonDir), /iframe.js (the real bridge), extra mounts, /api/*,
//                                 /ace/<mounted page> (the page rendered by ACE: its {{token}} filled in)
//   'second' another origin      - only /api/* (an allowed cross-origin API)
//   'https'  https://localhost:Q - only /api/*, over HTTP/2 (+HTTP/1.1) for streaming request bodies
import http from 'node:http';
import net from 'node:net';
import { handle, send, requestUrl } from './http-util.js';
import { sendFile, serveFromMounts } from './static.js';

/**
 * @param {object} o
 * @param {string} o.name         'addon' | 'second' | 'https' (appears in stats and the request log)
 * @param {object} o.backend      from createBackend()
 * @param {Function} [o.handleControl]
 * @param {string} [o.iframeJs]   path of atlassian-connect-js/dist/iframe.js (served at /iframe.js)
 * @param {Array<{prefix:string, dir:string}>} [o.mounts] static mounts, '/' last
 * @param {() => Record<string,string>} [o.pageHeaders] extra headers of every HTML page served (e.g. a CSP)
 * @param {string} [o.proxy]      origin of an app server (a dev server, `next start`) that answers
 *                                every other path, instead of the mounts
 */
export function createAddonHandler({ name, backend, handleControl, iframeJs, mounts = [], pageHeaders, proxy }) {
  return handle(async (req, res) => {
    const url = requestUrl(req);
    const p = url.pathname;
    if (handleControl && p.startsWith('/control/')) {
      await handleControl(req, res, p);
      return;
    }
    const entry = backend.record(name, req, res);
    if (p === '/api' || p.startsWith('/api/')) return backend.handleApi(name, req, res, entry);
    if (name === 'addon' && p.startsWith('/ace/')) return backend.handlePage(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
    if (iframeJs && p === '/iframe.js') return sendFile(res, iframeJs);
    if (proxy) return forward(req, res, proxy);
    if (await serveFromMounts(res, p, mounts, pageHeaders?.())) return;
    return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
  });
}

/** Passes a request to the app server at `origin` and its answer back, as a reverse proxy does. */
function forward(req, res, origin) {
  return new Promise((resolve) => {
    const target = new URL(req.url, origin);
    const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res).on('finish', resolve);
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) send(res, 502, `app server ${origin}: ${e.message}`);
      resolve();
    });
    req.pipe(upstream);
  });
}

/** Passes WebSocket upgrades (a dev server's hot reload) to the app server at `origin`. */
export function forwardUpgrades(server, origin) {
  const { hostname, port } = new URL(origin);
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(port), hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
}
