#!/usr/bin/env node
// Serves both demo builds from one simulated Connect world (www/sim):
//   add-on origin /vite/     -> dist-vite/      (Vite build)
//   add-on origin /webpack/  -> dist-webpack/   (webpack 5 + babel 7 build)
// and prints the host ("Jira") page URL for each. Ctrl-C stops it.
//
//   node www/demo/serve.js [--ttl 120] [--port-host N] [--port-addon M] [--query 'renewMarginSeconds=30']
//
// --ttl sets the host knob ttlSeconds (exp - iat of minted tokens; real Jira: 900). The demo default
// of 120 s makes renewals visible within minutes. --query is appended to the add-on page URL, where
// the SPA reads its createConnectAuth options (allowed, timeoutMs, renewMarginSeconds, retryUnauthorized).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startWorld } from '../sim/servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    ttl: { type: 'string', default: '120' },
    'port-host': { type: 'string', default: '0' },
    'port-addon': { type: 'string', default: '0' },
    query: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log("usage: node www/demo/serve.js [--ttl SECONDS] [--port-host N] [--port-addon N] [--query 'a=b&c=d']");
  process.exit(0);
}

const builds = { vite: path.join(here, 'dist-vite'), webpack: path.join(here, 'dist-webpack') };
for (const [name, dir] of Object.entries(builds)) {
  if (!existsSync(path.join(dir, 'index.html'))) {
    console.error(`missing ${dir}/index.html: build it first (cd www/demo && npm run build), or run ./scripts/demo.sh`);
    process.exit(1);
  }
}

const ttlSeconds = Number(values.ttl);
if (!(ttlSeconds > 0)) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(1);
}

const world = await startWorld({
  staticDirs: { '/vite/': builds.vite, '/webpack/': builds.webpack },
  hostPort: Number(values['port-host']),
  addonPort: Number(values['port-addon']),
  host: { ttlSeconds },
});

// The backend decides with ACE's own addon.checkValidToken(), which also accepts ACE's session tokens.
world.control.addon({ qshCheck: 'ace' });

const query = values.query.replace(/^\?/, '');
const page = (name) => `/${name}/index.html${query ? `?${query}` : ''}`;
const urls = { vite: world.hostPageUrl({ addon: page('vite') }), webpack: world.hostPageUrl({ addon: page('webpack') }) };
// The page as atlassian-connect-express renders it ({{token}} filled in), with initialToken and
// sessionTokenHeader 'X-acpt': the host-call counter stays still while requests flow.
const session = `/ace/vite/index.html?${new URLSearchParams({ session: '1', ...Object.fromEntries(new URLSearchParams(query)) })}`;
urls.session = world.hostPageUrl({ addon: session, pageJwt: 1 });

console.log(`connect-token demo: simulated Jira ${world.hostOrigin}, add-on ${world.addonOrigin}`);
console.log(`tokens live ${ttlSeconds} s (host knob ttlSeconds; real Jira: 900 s)`);
console.log('');
console.log(`  Vite build:     ${urls.vite}`);
console.log(`  webpack build:  ${urls.webpack}`);
console.log(`  ACE session tokens ({{token}} + X-acpt, Vite build): ${urls.session}`);
console.log('');
console.log(`Backend stats:   ${world.addonOrigin}/control/addon/stats   host stats: ${world.hostOrigin}/control/stats`);
console.log('Ctrl-C to stop.');
// One line for scripts (e.g. tests) to parse.
console.log(`DEMO_URLS ${JSON.stringify({ ...urls, hostOrigin: world.hostOrigin, addonOrigin: world.addonOrigin })}`);

const stop = async () => {
  await world.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
