// startWorld(): every server of the test world on loopback, sharing one virtual clock.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createClock } from './clock.js';
import { DEFAULT_TENANT, mintContextToken, sign, contextClaims } from './mint.js';
import { createTokenService } from './token-service.js';
import { createBackend } from './backend.js';
import { startAce } from './ace-backend.js';
import { createControlApi } from './control-api.js';
import { createHostServer } from './host-server.js';
import { createAddonHandler, forwardUpgrades } from './addon-server.js';
import { createThirdRecorder, createThirdServer } from './third-server.js';
import { createHttpsServer, makeSelfSignedCert } from './https-server.js';
import { listen, closeServer, trackSockets, tokenHash } from './http-util.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ACJS_DIST = path.dirname(require.resolve('atlassian-connect-js/dist/iframe.js'));

export const PLACEHOLDER_DIR = path.join(HERE, 'placeholder');

/**
 * @param {object} [opts]
 * @param {string} [opts.addonDir]      directory served at / on the add-on origin (default: placeholder/)
 * @param {string} [opts.addonProxy]    origin of an app server (Vite's dev server, `next start`) that
 *                                      answers the add-on origin's pages instead of addonDir (the
 *                                      bridge and /api/* stay the simulator's)
 * @param {Record<string,string>} [opts.staticDirs]  extra mounts, e.g. {'/pkg/': '/abs/path/to/pkg'}
 * @param {number} [opts.hostPort]      0 / undefined = OS-chosen (also addonPort, secondPort, thirdPort, httpsPort)
 * @param {boolean} [opts.https]        start the HTTPS/HTTP2 origin (default true; needs openssl)
 * @param {object} [opts.tenant]        overrides of DEFAULT_TENANT {addonKey, moduleKey, clientKey, sharedSecret, sub}
 * @param {object} [opts.host]          initial host knobs (see token-service.js HOST_DEFAULTS)
 * @param {object} [opts.addon]         initial add-on backend knobs (see backend.js ADDON_DEFAULTS)
 * @param {string[]} [opts.allowedOrigins] more origins the API's CORS policy allows
 * @param {(origins: object) => Record<string,string>} [opts.pageHeaders] extra headers of the add-on's
 *   HTML pages, from the world's origins (e.g. a Content-Security-Policy: csp.js)
 */
export async function startWorld(opts = {}) {
  const clock = createClock();
  // openssl runs in a child process: start it before loading ACE, which keeps this thread busy.
  const certificate = opts.https !== false ? makeSelfSignedCert() : null;
  certificate?.catch(() => {});
  const tenant = { ...DEFAULT_TENANT, ...(opts.tenant || {}) };
  const tenants = [tenant];
  const origins = {};

  const tokenService = createTokenService({ clock, tenants, baseUrl: () => origins.hostOrigin });
  const backend = createBackend({ clock });
  let ace = null;
  const third = createThirdRecorder({ clock });

  const control = {
    info: () => ({ ...origins, addonKey: tenant.addonKey, clientKey: tenant.clientKey, sub: tenant.sub }),
    host: (knobs = {}) => tokenService.configure(knobs),
    hostKnobs: () => tokenService.knobs(),
    addon: (knobs = {}) => backend.configure(knobs),
    addonKnobs: () => backend.knobs(),
    clock: (body) => (body && Object.keys(body).length ? clock.apply(body) : clock.state()),
    stats: () => tokenService.stats(),
    addonStats: () => backend.stats(),
    thirdLog: () => third.log(),
    third: (body = {}) => {
      if (body.reset) third.reset();
      return { entries: third.log().length };
    },
    reset: () => {
      tokenService.configure({ reset: true });
      backend.configure({ reset: true });
      third.reset();
      clock.reset();
      return { reset: true };
    },
    // In-process helpers (not on the HTTP API):
    /** The last token the host handed out. */
    lastToken: () => tokenService.lastToken(),
    /** Mint a token now (virtual clock) with overrides: {secret, iat, exp, ttlSeconds, sub, extraClaims, nonce}. */
    mint: (o = {}) => {
      const iat = o.iat ?? clock.nowSeconds();
      return mintContextToken(tenant, { baseUrl: origins.hostOrigin, ...o, iat }).token;
    },
    /** Sign arbitrary claims with the tenant secret (or o.secret / o.algorithm). */
    sign: (claims, o = {}) => sign(claims, o.secret || tenant.sharedSecret, o.algorithm || 'HS256'),
    contextClaims: (o = {}) => contextClaims({ iss: tenant.clientKey, sub: tenant.sub, baseUrl: origins.hostOrigin, ...o }),
    tokenHash,
  };
  if (opts.host) control.host(opts.host);
  if (opts.addon) control.addon(opts.addon);

  const handleControl = createControlApi(control);
  const servers = [];
  const start = async (server, port, host) => {
    servers.push(server);
    return listen(server, port, host);
  };
  // The add-on origin is "localhost": serve it on 127.0.0.1 and, when possible, on ::1 too.
  const startLocalhost = async (makeServer, port) => {
    const p = await start(makeServer(), port, '127.0.0.1');
    const v6 = makeServer();
    try {
      await listen(v6, p, '::1');
      servers.push(v6);
    } catch {
      /* no IPv6 loopback: fine, /etc/hosts maps localhost to 127.0.0.1 */
    }
    return p;
  };

  try {
    // HOST ("Jira")
    const hostServer = createHostServer({
      tokenService,
      clock,
      tenant,
      handleControl,
      origins: () => origins,
      connectHostJs: path.join(ACJS_DIST, 'connect-host.js'),
    });
    origins.hostOrigin = `http://127.0.0.1:${await start(hostServer, opts.hostPort, '127.0.0.1')}`;
    // ADD-ON (SPA + API)
    const mounts = Object.entries(opts.staticDirs || {}).map(([prefix, dir]) => ({
      prefix: prefix.endsWith('/') ? prefix : prefix + '/',
      dir: path.resolve(dir),
    }));
    mounts.push({ prefix: '/', dir: path.resolve(opts.addonDir || PLACEHOLDER_DIR) });

    // The backend's verifier: the real atlassian-connect-express, on `clock` (ace-backend.js). It
    // also renders the add-on's pages under /ace/ (the mounts' files as templates).
    ace = await startAce({ clock, faults: backend.faults, tenants, baseUrl: () => origins.hostOrigin, mounts });
    backend.setAce(ace);
    const addonHandler = createAddonHandler({
      name: 'addon',
      backend,
      handleControl,
      iframeJs: path.join(ACJS_DIST, 'iframe.js'),
      mounts,
      pageHeaders: opts.pageHeaders && (() => opts.pageHeaders(origins)),
      proxy: opts.addonProxy,
    });
    const addonServer = () => {
      const server = trackSockets(http.createServer(addonHandler));
      if (opts.addonProxy) forwardUpgrades(server, opts.addonProxy);
      return server;
    };
    const addonPort = await startLocalhost(addonServer, opts.addonPort);
    origins.addonOrigin = `http://localhost:${addonPort}`;

    // SECOND allowed API origin
    const secondHandler = createAddonHandler({ name: 'second', backend, handleControl });
    const secondPort = await start(trackSockets(http.createServer(secondHandler)), opts.secondPort, '127.0.0.2');
    origins.secondOrigin = `http://127.0.0.2:${secondPort}`;

    // THIRD, not allowed origin: records everything
    const thirdServer = createThirdServer({ recorder: third, handleControl });
    origins.thirdOrigin = `http://127.0.0.3:${await start(thirdServer, opts.thirdPort, '127.0.0.3')}`;

    // HTTPS / HTTP2 API origin
    if (opts.https !== false) {
      const { key, cert } = await certificate;
      const httpsHandler = createAddonHandler({ name: 'https', backend, handleControl });
      const httpsPort = await startLocalhost(() => createHttpsServer({ handler: httpsHandler, key, cert }), opts.httpsPort);
      origins.httpsOrigin = `https://localhost:${httpsPort}`;
    } else {
      origins.httpsOrigin = null;
    }
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    await ace?.close();
    throw e;
  }

  backend.setAllowedOrigins(
    [origins.addonOrigin, origins.secondOrigin, origins.httpsOrigin, ...(opts.allowedOrigins || [])].filter(Boolean),
  );

  let closed = false;
  return {
    ...origins,
    tenant: { ...tenant },
    clock,
    /** URL of the host page; query is an object or a string, e.g. {addon: '/index.html', form: 'callback'}. */
    hostPageUrl(query) {
      const u = new URL('/', origins.hostOrigin);
      if (typeof query === 'string') u.search = query.startsWith('?') ? query : `?${query}`;
      else for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
      return u.href;
    },
    control,
    async close() {
      if (closed) return;
      closed = true;
      tokenService.dropHung();
      await Promise.all(servers.map(closeServer));
      await ace.close();
    },
  };
}
