// What every ACE app of the simulator shares: the in-memory store adapter (registered with
// ace.store.register), a quiet logger, and the add-on's descriptor and config (ace/).
// Used by ace-worker.js (the simulator's backend) and by the self-test's plain ACE app.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** ace(app, opts, logger, fileNames): the simulator's descriptor and config.json, by absolute path. */
export const ACE_FILES = Object.freeze({
  descriptorFilename: path.join(HERE, 'ace', 'atlassian-connect.json'),
  configFileName: path.join(HERE, 'ace', 'config.json'),
});

/** The store adapter name ace/config.json asks for. */
export const STORE_ADAPTER = 'sim-memory';

/** ACE store adapter on a Map; values are kept as JSON text, as the redis adapter does. */
export function memoryStore() {
  const data = new Map();
  const k = (key, clientKey) => (clientKey ? `${clientKey}:${key}` : key);
  const read = (key) => (data.has(key) ? JSON.parse(data.get(key)) : null);
  const store = {
    async get(key, clientKey) {
      return read(k(key, clientKey));
    },
    async set(key, value, clientKey) {
      data.set(k(key, clientKey), JSON.stringify(value));
      return read(k(key, clientKey));
    },
    async del(key, clientKey) {
      data.delete(k(key, clientKey));
    },
    async saveInstallation(value, clientKey) {
      return store.set('clientInfo', value, clientKey);
    },
    async getAllClientInfos() {
      return [...data.keys()].filter((key) => key.endsWith(':clientInfo')).map(read);
    },
    isMemoryStore: () => true,
  };
  return store;
}

/**
 * ACE logs every rejection and where it looked for a token; the simulator's counters and request log
 * say what the tests need. Only ACE's report of an unhandled rejection is printed.
 */
export const quietLogger = Object.freeze({
  info() {},
  warn() {},
  error(...args) {
    if (args[0] === 'Unhandled error:') console.error('[ACE]', ...args);
  },
});

/** The clientInfo ACE stores for an installation (what the product's "installed" call sends). */
export function clientInfo(tenant, baseUrl) {
  return {
    key: tenant.addonKey,
    clientKey: tenant.clientKey,
    sharedSecret: tenant.sharedSecret,
    baseUrl,
    productType: 'jira',
    eventType: 'installed',
  };
}

/**
 * ace(app, …) with the simulator's files, store and logger; resolves once ACE configured the app.
 * @param {Function} ace      require('atlassian-connect-express')
 * @param {object} app        an express app
 */
export function createAddon(ace, app) {
  ace.store.register(STORE_ADAPTER, () => memoryStore());
  return new Promise((resolve) => {
    const addon = ace(app, {}, quietLogger, { ...ACE_FILES }, () => resolve(addon));
  });
}
