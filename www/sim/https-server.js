// HTTPS + HTTP/2 origin for the streaming-request-body test: Chromium sends a ReadableStream body
// (fetch with duplex: 'half') only over HTTP/2. A self-signed certificate is made with openssl at start;
// browser contexts must use ignoreHTTPSErrors.
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { trackSockets } from './http-util.js';

const run = promisify(execFile);

/** A throw-away self-signed certificate for localhost / 127.0.0.1. */
export async function makeSelfSignedCert() {
  const dir = await mkdtemp(path.join(tmpdir(), 'connect-token-sim-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-keyout', key, '-out', cert,
    ]);
    return { key: await readFile(key), cert: await readFile(cert) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function createHttpsServer({ handler, key, cert }) {
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, handler);
  return trackSockets(server);
}
