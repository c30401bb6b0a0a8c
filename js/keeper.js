// The browser binding of the keeper: one timer, page events, the token source, waiting callers,
// subscribers and `fetch`. It carries out what the Rust core (src/core, exported by src/wasm)
// decides: when to ask, what an answer means, which URLs get the token, when to replay a 401.

import { claimTime, readClaims } from './claims.js';

const ASK = 1;
const WAKE = 2;
const READY = 4;
const FAILED = 8;
const RENEWED = 16;
const ERROR = 32;
const EXPIRED = 64;
const TODO = 127;
const USABLE = 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;
const PAGE_EVENTS = ['focus', 'online', 'pageshow'];
const STATUS = ['idle', 'fresh', 'renewing', 'failed'];
// The numbers core.get(field) reads (`field` in src/wasm/mod.rs).
const ASK_ID = 0;
const WAKE_AT = 1;
const EXPIRES_AT = 2;
const VERSION = 3;
const STATUS_INDEX = 4;
const STOPPED = 5;
const USABLE_NOW = 6;
const HOST_CALLS = 7;
/** Subscribes to every snapshot change, events or not (what useSyncExternalStore needs; react.js). */
export const CHANGES = Symbol.for('connect-token.changes');

/** Makes the one error type of the library: an Error named ConnectTokenError with a code. */
export function connectTokenError(code, message) {
  const error = new Error(message);
  error.name = 'ConnectTokenError';
  error.code = code;
  return error;
}

const invalid = (message) => connectTokenError('invalid-options', message);

/** The core's latest error (`error()` gives "code message") as a ConnectTokenError, or undefined. */
const errorOf = (core) => {
  const text = core.error();
  const space = text.indexOf(' ');
  return text ? connectTokenError(text.slice(0, space), text.slice(space + 1)) : undefined;
};

const originOf = (url, base) => {
  try {
    return new URL(url, base).origin;
  } catch {
    return 'null';
  }
};

/**
 * Hands each option to the wasm `core` (which checks it and says why it is wrong), starts it, and
 * wraps it as a ConnectAuth. `tokenSource` is source.js's adapter factory. Throws a
 * ConnectTokenError with code `invalid-options`.
 */
export function startConnectAuth(core, options, tokenSource) {
  if (options != null && typeof options !== 'object') throw invalid('createConnectAuth(options): options must be an object (or omitted).');
  const read = {};
  let keys;
  try {
    keys = Object.keys(options ?? {});
  } catch {
    throw invalid('Reading the options object threw; pass a plain object.');
  }
  for (const key of keys) {
    let value, kind, entries;
    try {
      value = options[key];
      entries = Array.isArray(value) ? stringEntries(value) : undefined;
      kind = entries ? 'array' : value === null ? 'null' : typeof value;
    } catch {
      throw invalid(`Reading options.${key} threw; pass plain values.`);
    }
    const number = kind === 'number' ? value : kind === 'boolean' ? +value : entries ? entries.length : NaN;
    let valid = core.option(key, kind, number, kind === 'string' ? value : '');
    entries?.forEach((entry, index) => (valid &&= core.allowedOrigin(index, entry, originOf(entry))));
    if (!valid) throw errorOf(core);
    read[key] = value;
  }
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  const origin = originOf(base);
  core.start(origin === 'null' ? '' : origin);
  return new ConnectAuth(core, tokenSource(read.getToken), read.fetch ?? globalThis.fetch, base, read.scheme ?? 'JWT');
}

/** The entries of an array as strings ('' for any that is not one), without calling its methods. */
function stringEntries(array) {
  const entries = [];
  for (let index = 0; index < array.length; index++) {
    const entry = array[index];
    entries.push(typeof entry === 'string' ? entry : '');
  }
  return entries;
}

const aborted = () =>
  connectTokenError('aborted', "The caller's AbortSignal aborted the wait for a token; the renewal goes on for other callers.");

const report = (error) =>
  typeof reportError === 'function' ? reportError(error) : setTimeout(() => { throw error; });

/** Reads `token(options)`; returns the options, or the reason they are wrong as a string. */
function readTokenOptions(options) {
  if (options == null) return {};
  if (typeof options !== 'object') return 'options must be an object';
  let signal, forceRefresh;
  try {
    ({ signal, forceRefresh } = options);
  } catch {
    return 'reading an option threw';
  }
  if (signal != null && !(signal instanceof AbortSignal)) return 'signal must be an AbortSignal';
  if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') return 'forceRefresh must be true or false';
  return { signal: signal ?? undefined, forceRefresh };
}

export class ConnectAuth {
  #core;
  #source;
  #send;
  #base;
  #scheme;
  #token;
  #header;
  #claims;
  #waiters = new Set();
  #listeners = new Set();
  #changes = new Set();
  #notified = -1;
  #timer;
  #version = -1;
  #snapshot;
  #disposed = false;
  #onPageEvent = () => this.#apply(this.#core.tick(Date.now()));

  /**
   * Use createConnectAuth(options). `core` is the started wasm Core, `source` the token source
   * adapter (source.js), `send` the fetch to send with, `base` the URL relative URLs resolve
   * against, `scheme` the checked `Authorization` scheme.
   */
  constructor(core, source, send, base, scheme) {
    let isCore = false;
    try {
      isCore = typeof core?.tick === 'function';
    } catch {
      // a hostile object: refused below
    }
    if (!isCore) throw new TypeError('Use createConnectAuth(options) to create a ConnectAuth.');
    this.#core = core;
    this.#source = source;
    this.#base = base;
    this.#scheme = scheme;
    this.#send = (input, init) => {
      try {
        return Promise.resolve(send(input, init));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    this.fetch = (input, init) => this.#fetch(input, init);
    // Every method works detached (`const { token } = auth`), like `fetch`.
    for (const name of ['token', 'claims', 'snapshot', 'subscribe', 'stats', 'dispose', CHANGES]) this[name] = this[name].bind(this);
    globalThis.document?.addEventListener('visibilitychange', this.#onPageEvent);
    for (const name of PAGE_EVENTS) globalThis.addEventListener?.(name, this.#onPageEvent);
    this.#onPageEvent();
  }

  /** A token that is fresh now. */
  token(options) {
    const read = readTokenOptions(options);
    if (typeof read === 'string') {
      return Promise.reject(invalid(`token(options): ${read}; pass { signal?: AbortSignal, forceRefresh?: boolean }.`));
    }
    const { signal, forceRefresh } = read;
    if (forceRefresh && this.#token !== undefined) this.#apply(this.#core.force(Date.now(), true));
    return this.#current(signal, false);
  }

  /** The decoded, UNVERIFIED claims of the current token. */
  claims() {
    return this.#claims;
  }

  snapshot() {
    const core = this.#core;
    const version = core.get(VERSION);
    if (version !== this.#version) {
      this.#version = version;
      const snapshot = { status: STATUS[core.get(STATUS_INDEX)] };
      if (this.#claims !== undefined) snapshot.claims = this.#claims;
      const expiresAt = core.get(EXPIRES_AT);
      if (!Number.isNaN(expiresAt)) snapshot.expiresAt = expiresAt;
      const error = this.#error();
      if (error) snapshot.error = error;
      this.#snapshot = Object.freeze(snapshot);
    }
    return this.#snapshot;
  }

  subscribe(listener) {
    return this.#listen(this.#listeners, listener);
  }

  [CHANGES](listener) {
    return this.#listen(this.#changes, listener);
  }

  stats() {
    const stat = (offset) => this.#core.get(HOST_CALLS + offset);
    return { hostCalls: stat(0), renewals: stat(1), retries: stat(2), failures: stat(3) };
  }

  dispose() {
    this.#disposed = true;
    globalThis.document?.removeEventListener('visibilitychange', this.#onPageEvent);
    for (const name of PAGE_EVENTS) globalThis.removeEventListener?.(name, this.#onPageEvent);
    this.#apply(this.#core.dispose());
    this.#listeners.clear();
    this.#changes.clear();
  }

  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.dispose();
  }

  /** Carries out one step of the core. */
  #apply(todo) {
    if (!todo) return;
    const core = this.#core;
    if (todo & WAKE) {
      clearTimeout(this.#timer);
      const at = core.get(WAKE_AT);
      this.#timer = Number.isNaN(at) ? undefined : setTimeout(this.#onPageEvent, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
    }
    const error = todo & (FAILED | ERROR) ? this.#error() : undefined;
    if (todo & ASK) this.#ask(core.get(ASK_ID));
    if (todo & (READY | FAILED)) {
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const settle of waiters) settle(todo & READY ? undefined : error);
    }
    if (todo & RENEWED) this.#emit({ type: 'renewed', claims: this.#claims, expiresAt: core.get(EXPIRES_AT) });
    if (todo & ERROR) this.#emit({ type: 'error', error });
    if (todo & EXPIRED) this.#emit({ type: 'expired' });
    const version = core.get(VERSION);
    if (version !== this.#notified) {
      this.#notified = version;
      this.#emit(undefined, this.#changes);
    }
  }

  #error() {
    return errorOf(this.#core);
  }

  /** The token source answered ask `id` with `token` (a string): the core judges what the browser read. */
  #answered(id, token) {
    const [shape, claims] = readClaims(token);
    const todo = this.#core.answered(Date.now(), id, token === this.#token, shape, claimTime(claims?.exp), claimTime(claims?.iat));
    if (todo & RENEWED) {
      this.#token = token;
      this.#header = `${this.#scheme} ${token}`;
      this.#claims = claims;
    }
    this.#apply(todo);
  }

  #listen(listeners, listener) {
    if (typeof listener !== 'function') throw new TypeError('subscribe(listener): listener must be a function.');
    const entry = (event) => listener(event);
    listeners.add(entry);
    return () => listeners.delete(entry);
  }

  #emit(event, listeners = this.#listeners) {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        report(error);
      }
    }
  }

  #ask(id) {
    this.#source().then(
      (token) => this.#answered(id, token),
      (reason) => {
        let kind = 0;
        let detail = '';
        try {
          kind = reason?.kind;
          detail = String(reason?.detail ?? '');
        } catch {
          // a hostile rejection value: a failure without detail
        }
        this.#apply(this.#core.failed(Date.now(), id, kind, detail));
      },
    );
  }

  /** Resolves at the next release (or rejects with its error), or rejects when `signal` aborts. */
  #wait(signal, asFetch) {
    return new Promise((resolve, reject) => {
      const reason = () => (asFetch ? signal.reason : aborted());
      if (signal?.aborted) return reject(reason());
      const onAbort = () => {
        this.#waiters.delete(settle);
        reject(reason());
      };
      const settle = (error) => {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      signal?.addEventListener('abort', onAbort);
      this.#waiters.add(settle);
    });
  }

  /** The current token, waiting for the keeper if none is usable now. */
  async #current(signal, asFetch) {
    for (;;) {
      const now = Date.now();
      this.#apply(this.#core.tick(now));
      if (this.#core.get(USABLE_NOW, now)) return this.#token;
      if (this.#core.get(STOPPED)) throw this.#error();
      await this.#wait(signal, asFetch);
    }
  }

  #originAllowed(url) {
    let origin;
    try {
      origin = new URL(url, this.#base).origin;
    } catch {
      return false;
    }
    return this.#core.originAllowed(origin);
  }

  #fetch(input, init) {
    try {
      return this.#route(input, init);
    } catch {
      // A hostile input or init (throwing getters, Proxies): fetch refuses it in its own words.
      return this.#send(input, init);
    }
  }

  #route(input, init) {
    if (this.#disposed) return Promise.reject(this.#error());
    // An init that is not an object is fetch's to refuse (TypeError), never ours to send.
    if (init != null && typeof init !== 'object' && typeof init !== 'function') return this.#send(input, init);
    const url = typeof input === 'string' ? input : input instanceof Request ? input.url : String(input);
    const answer = this.#core.request(Date.now(), url);
    this.#apply(answer & TODO);
    const scope = (answer >> 8) & 3;
    if (scope === 0 || (scope === 2 && !this.#originAllowed(url))) return this.#send(input, init);
    if (!(answer & USABLE) || init?.headers !== undefined || typeof input !== 'string') {
      return this.#authenticated(input, init);
    }
    // The fast path: a fresh token, a URL string and no headers of the caller's to merge.
    const token = this.#token;
    const authed = { ...init, headers: { Authorization: this.#header } };
    return this.#send(input, authed).then((response) => this.#replayIfRejected(response, input, authed, token, init?.body, init?.signal));
  }

  /** Sends `authed` again with a new token if `response` is a 401 the core says to replay. */
  async #replayIfRejected(response, input, authed, token, body, signal) {
    const bodyKind = body != null ? (body instanceof ReadableStream ? 2 : 1) : input?.body ? 3 : 0;
    if (!this.#core.shouldReplay(response.status, bodyKind)) return response;
    this.#apply(this.#core.force(Date.now(), token === this.#token));
    let next;
    try {
      next = await this.#current(signal, true);
    } catch (error) {
      if (signal?.aborted) throw error;
      return response;
    }
    if (next === token) return response;
    const headers = new Headers(authed.headers);
    headers.set('Authorization', `${this.#scheme} ${next}`);
    return this.#send(input, { ...authed, headers });
  }

  async #authenticated(input, init) {
    const request = input instanceof Request ? input : undefined;
    let headers;
    try {
      const own = init?.headers;
      headers = new Headers(own !== undefined ? own : request?.headers);
    } catch {
      return this.#send(input, init); // fetch refuses them with its own TypeError
    }
    if (headers.has('authorization')) return this.#send(input, init);
    const signal = init?.signal ?? request?.signal;
    const token = await this.#current(signal, true);
    headers.set('Authorization', `${this.#scheme} ${token}`);
    const authed = { ...init, headers };
    const response = await this.#send(input, authed);
    return this.#replayIfRejected(response, input, authed, token, init?.body, signal);
  }
}
