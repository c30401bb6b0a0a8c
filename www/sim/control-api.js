// The HTTP control API (JSON), mounted under /control/ on the host, add-on and third servers.
// Node tests can use world.control directly instead; this is for the demo page and curl.
import { readJson, sendJson, send } from './http-util.js';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
};

/** Returns a handler (req, res, pathname) => boolean (true if it handled the request). */
export function createControlApi(control) {
  const routes = {
    'GET /control/world': () => control.info(),
    'GET /control/host': () => control.hostKnobs(),
    'POST /control/host': (b) => control.host(b),
    'GET /control/stats': () => control.stats(),
    'GET /control/addon': () => control.addonKnobs(),
    'POST /control/addon': (b) => control.addon(b),
    'GET /control/addon/stats': () => control.addonStats(),
    'GET /control/clock': () => control.clock(),
    'POST /control/clock': (b) => control.clock(b),
    'GET /control/third/log': () => control.thirdLog(),
    'POST /control/third': (b) => control.third(b),
    'POST /control/reset': () => control.reset(),
  };

  return async function handleControl(req, res, pathname) {
    if (!pathname.startsWith('/control/')) return false;
    if (req.method === 'OPTIONS') {
      send(res, 204, '', CORS);
      return true;
    }
    const route = routes[`${req.method} ${pathname}`];
    if (!route) {
      sendJson(res, 404, { error: `no control route ${req.method} ${pathname}`, routes: Object.keys(routes) }, CORS);
      return true;
    }
    let body = {};
    if (req.method === 'POST') body = await readJson(req);
    try {
      sendJson(res, 200, await route(body), CORS);
    } catch (e) {
      sendJson(res, 400, { error: String(e.message || e) }, CORS);
    }
    return true;
  };
}
