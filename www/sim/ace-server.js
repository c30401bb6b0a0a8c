// Main-thread side of the ACE backend: starts ace-worker.js and forwards requests to it.
import { Worker } from 'node:worker_threads';
import http from 'node:http';

const WORKER = new URL('./ace-worker.js', import.meta.url);

/**
 * Starts the worker at once (loading ACE takes a few hundred ms; startWorld overlaps it with the
 * other servers). `install()` stores the tenants in ACE and resolves when the server listens.
 * @param {object} o
 * @param {SharedArrayBuffer} o.shiftBuffer       the world clock's shift (clock.js)
 * @param {SharedArrayBuffer} o.rejectNextBuffer  the rejectNext counter (backend.js)
 */
export function startAce({ shiftBuffer, rejectNextBuffer }) {
  const worker = new Worker(WORKER, { workerData: { shiftBuffer, rejectNextBuffer } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let port = null;
  let failure = null;
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m.type === 'ready') {
        port = m.port;
        resolve(port);
      } else if (m.type === 'error') reject(new Error(`ACE worker: ${m.error}`));
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
        const req = http.request({ host: '127.0.0.1', port, agent, method: r.method, path: r.path, headers: r.headers }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(r.body);
      });
    },
    async close() {
      agent.destroy();
      await worker.terminate();
    },
  };
}
