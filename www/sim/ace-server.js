// Main-thread side of the ACE backend: starts ace-worker.js and forwards requests to it.
// The transport is a MessagePort, not a TCP socket: each forwarded request is an HTTP/1.1 exchange
// between node:http's client here and ACE's express server there (the worker injects the connection
// with server.emit('connection', duplex)), with the bytes carried by postMessage, one message each
// way. Each socket write or cross-thread message costs a wake-up, and the soak suite makes 17,000
// requests, so that count is most of what ACE adds to the suite's time.
import { Worker, MessageChannel } from 'node:worker_threads';
import http from 'node:http';
import { Duplex } from 'node:stream';

const WORKER = new URL('./ace-worker.js', import.meta.url);

/**
 * Starts the worker at once (loading ACE takes a few hundred ms; startWorld overlaps it with the
 * other servers). `install()` stores the tenants in ACE and resolves when the server listens.
 * @param {object} o
 * @param {SharedArrayBuffer} o.shiftBuffer       the world clock's shift (clock.js)
 * @param {SharedArrayBuffer} o.rejectNextBuffer  the rejectNext counter (backend.js)
 */
export function startAce({ shiftBuffer, rejectNextBuffer }) {
  const { port1: wire, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { workerData: { shiftBuffer, rejectNextBuffer, wire: port2 }, transferList: [port2] });
  const connections = new Map();
  let nextId = 1;
  // One message each way per request: the request's bytes once node:http has written all of them,
  // the response's bytes once ACE's server has closed the connection (Connection: close).
  wire.on('message', ({ id, data }) => {
    const c = connections.get(id);
    if (!c) return;
    connections.delete(id);
    if (data) c.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    c.push(null);
  });
  wire.unref();
  /** A client-side connection to ACE's HTTP server that buffers until the request is complete. */
  const connect = () => {
    const id = nextId++;
    const chunks = [];
    const c = new Duplex({
      read() {},
      write(chunk, encoding, callback) {
        chunks.push(chunk);
        callback();
      },
      writev(list, callback) {
        for (const x of list) chunks.push(x.chunk);
        callback();
      },
      destroy(err, callback) {
        connections.delete(id);
        callback(err);
      },
    });
    c.flushRequest = () => sendOver(wire, id, Buffer.concat(chunks));
    connections.set(id, c);
    return c;
  };
  let failure = null;
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m.type === 'ready') resolve(); else if (m.type === 'error') reject(new Error(`ACE worker: ${m.error}`));
    });
    worker.once('error', (e) => {
      failure = e;
      reject(e);
    });
    worker.once('exit', (code) => {
      failure ||= new Error(`ACE worker exited with code ${code}`);
      reject(failure);
    });
  });
  ready.catch(() => {}); // observed by install() / forward()

  return {
    /** Register the installations (ACE's clientInfo) and wait until ACE listens. */
    async install(tenants, baseUrl) {
      worker.postMessage({ type: 'install', tenants, baseUrl });
      await ready;
    },
    /**
     * One request through ACE. Resolves {status, headers (lower-case), body: Buffer}.
     * @param {{method:string, path:string, headers:object, body:Buffer}} r
     */
    forward(r) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        let socket;
        const createConnection = () => (socket = connect());
        const headers = { ...r.headers, connection: 'close' };
        const req = http.request({ createConnection, method: r.method, path: r.path, headers }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.on('finish', () => socket.flushRequest());
        if (r.body && r.body.length) req.end(r.body);
        else req.end();
      });
    },
    async close() {
      for (const c of connections.values()) c.destroy();
      wire.close();
      await worker.terminate();
    },
  };
}

/**
 * Sends bytes over the wire. A Buffer is usually a view into an 8 KiB pool, and postMessage would
 * copy the whole pool: copy the bytes into their own ArrayBuffer and transfer it instead.
 */
function sendOver(wire, id, chunk) {
  const bytes = new Uint8Array(chunk.byteLength);
  bytes.set(chunk);
  wire.postMessage({ id, data: bytes }, [bytes.buffer]);
}
