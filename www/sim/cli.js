#!/usr/bin/env node
// Start the test world by hand:
//   node www/sim/cli.js [--addon-dir <dir>] [--addon-page /index.html] [--port-host N] [--port-addon M]
//                       [--pkg <dir>] [--no-https]
// then open the printed URL. Ctrl-C stops it.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startWorld } from './world.js';

const { values } = parseArgs({
  options: {
    'addon-dir': { type: 'string' },
    'addon-page': { type: 'string', default: '/' },
    'port-host': { type: 'string' },
    'port-addon': { type: 'string' },
    'port-second': { type: 'string' },
    'port-third': { type: 'string' },
    'port-https': { type: 'string' },
    pkg: { type: 'string' },
    'no-https': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: node www/sim/cli.js [--addon-dir DIR] [--addon-page PATH] [--pkg DIR]\n' +
    '         [--port-host N] [--port-addon N] [--port-second N] [--port-third N] [--port-https N] [--no-https]');
  process.exit(0);
}

const port = (v) => (v === undefined ? 0 : Number(v));
const world = await startWorld({
  addonDir: values['addon-dir'] && path.resolve(values['addon-dir']),
  staticDirs: values.pkg ? { '/pkg/': path.resolve(values.pkg) } : undefined,
  hostPort: port(values['port-host']),
  addonPort: port(values['port-addon']),
  secondPort: port(values['port-second']),
  thirdPort: port(values['port-third']),
  httpsPort: port(values['port-https']),
  https: !values['no-https'],
});

console.log(`host (Jira)   ${world.hostOrigin}`);
console.log(`add-on        ${world.addonOrigin}`);
console.log(`second API    ${world.secondOrigin}`);
console.log(`third (rec.)  ${world.thirdOrigin}`);
console.log(`https/h2 API  ${world.httpsOrigin ?? '(off)'}`);
console.log('');
console.log(`Open: ${world.hostPageUrl({ addon: values['addon-page'] })}`);
console.log(`      (callback form: ${world.hostPageUrl({ addon: values['addon-page'], form: 'callback' })})`);
console.log(`Control: ${world.hostOrigin}/control/world, /control/stats, /control/addon/stats, POST /control/host …`);

const stop = async () => {
  await world.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
