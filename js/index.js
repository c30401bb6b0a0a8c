// connect-token: keeps an Atlassian Connect app's SPA authenticated to its own backend.
// The logic is Rust compiled to WebAssembly (src/); this file loads it once and gives it the
// ConnectAuth shape. The browser decodes tokens but never verifies them: your backend must.
import init, { Keeper } from './connect_token.js';
import { tokenSource } from './source.js';

let loading;

function load() {
  loading ??= init().catch((error) => {
    loading = undefined; // let a later call try again
    throw error;
  });
  return loading;
}

const report = (error) => (typeof reportError === 'function' ? reportError(error) : setTimeout(() => { throw error; }));

export class ConnectAuth {
  #keeper;
  #listeners = new Set();
  #version = -1;
  #snapshot;

  /** Use createConnectAuth(options) instead. */
  constructor(keeper) {
    if (!(keeper instanceof Keeper)) throw new TypeError('Use createConnectAuth(options) to create a ConnectAuth.');
    this.#keeper = keeper;
    this.fetch = (input, init) => keeper.fetch(input, init);
    this.subscribe = this.subscribe.bind(this);
    this.snapshot = this.snapshot.bind(this);
  }

  static _notifier(listeners) {
    return (event) => {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          report(error);
        }
      }
    };
  }

  token(options) {
    return this.#keeper.token(options);
  }

  claims() {
    return this.#keeper.claims();
  }

  snapshot() {
    const version = this.#keeper.version();
    if (version !== this.#version) {
      this.#version = version;
      this.#snapshot = this.#keeper.snapshot();
    }
    return this.#snapshot;
  }

  subscribe(listener) {
    if (typeof listener !== 'function') throw new TypeError('subscribe(listener): listener must be a function.');
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats() {
    return this.#keeper.stats();
  }

  dispose() {
    this.#keeper.dispose();
    this.#listeners.clear();
  }

  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.dispose();
  }

  static async _create(options) {
    await load();
    const listeners = new Set();
    const keeper = Keeper.create(options, tokenSource, ConnectAuth._notifier(listeners), Math.random() * 2 ** 52);
    const auth = new ConnectAuth(keeper);
    auth.#listeners = listeners;
    return auth;
  }
}

/** Loads the library (once) and starts a keeper; the first token is asked for at once. */
export function createConnectAuth(options) {
  return ConnectAuth._create(options);
}

/** Whether `value` is a ConnectTokenError (compares `name`, so it works across iframes). */
export function isConnectTokenError(value) {
  return typeof value === 'object' && value !== null && value.name === 'ConnectTokenError' && typeof value.code === 'string';
}
