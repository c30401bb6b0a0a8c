// HOST server ("Jira") on 127.0.0.1: the host page, the real connect-host.js, the product's token
// endpoint (POST /host/token) and the control API.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { handle, readJson, send, sendJson, requestUrl, trackSockets } from './http-util.js';
import { sendFile } from './static.js';
import { renderHostPage } from './host-page.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The product page loads jQuery (as AJS.$) before the Connect host bridge, which uses it.
const JQUERY_JS = path.join(HERE, 'node_modules/jquery/dist/jquery.min.js');

export function createHostServer({ tokenService, clock, tenant, handleControl, origins, connectHostJs }) {
  const server = http.createServer(
    handle(async (req, res) => {
      const url = requestUrl(req);
      const p = url.pathname;
      if (await handleControl(req, res, p)) return;

      if (req.method === 'GET' && (p === '/' || p === '/index.html')) {
        const html = renderHostPage({
          query: url.searchParams,
          hostOrigin: origins().hostOrigin,
          addonOrigin: origins().addonOrigin,
          tenant,
          returnsPromise: tokenService.knobs().returnsPromise,
          nowSeconds: clock.nowSeconds(),
        });
        return send(res, 200, html, { 'Content-Type': 'text/html; charset=utf-8' });
      }
      if (req.method === 'GET' && p === '/connect-host.js') return sendFile(res, connectHostJs);
      if (req.method === 'GET' && p === '/jquery.js') return sendFile(res, JQUERY_JS);
      if (req.method === 'GET' && p === '/host-page.client.js') {
        return sendFile(res, path.join(HERE, 'host-page.client.js'));
      }
      if (req.method === 'POST' && p === '/host/token') {
        const body = await readJson(req);
        const gone = new AbortController();
        res.on('close', () => gone.abort());
        const answer = await tokenService.request({ addonKey: body.addonKey, signal: gone.signal });
        return sendJson(res, answer.status, answer.body);
      }
      if (p === '/favicon.ico') return send(res, 204, '');
      return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
    }),
  );
  return trackSockets(server);
}
