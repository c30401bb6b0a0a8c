// Add-on side servers. One factory serves three roles, all sharing one backend (counters, knobs, log):
//   'addon'  http://localhost:P  - the SPA (addonDir), /iframe.js (the real bridge), extra mounts, /api/*
//   'second' another origin      - only /api/* (an allowed cross-origin API)
//   'https'  https://localhost:Q - only /api/*, over HTTP/2 (+HTTP/1.1) for streaming request bodies
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
 */
export function createAddonHandler({ name, backend, handleControl, iframeJs, mounts = [], pageHeaders }) {
  return handle(async (req, res) => {
    const url = requestUrl(req);
    const p = url.pathname;
    if (handleControl && p.startsWith('/control/')) {
      await handleControl(req, res, p);
      return;
    }
    const entry = backend.record(name, req, res);
    if (p === '/api' || p.startsWith('/api/')) return backend.handleApi(name, req, res, entry);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
    if (iframeJs && p === '/iframe.js') return sendFile(res, iframeJs);
    if (await serveFromMounts(res, p, mounts, pageHeaders?.())) return;
    return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
  });
}
