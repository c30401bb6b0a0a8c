/** @jest-environment node */
import http from 'node:http';
import { afterEach, expect, test } from '@jest/globals';
import { createConnectAuth } from 'connect-token';
import { createFakeHost } from 'connect-token/testing';

let host;
let auth;
let server;
afterEach(() => {
  auth?.dispose();
  host?.uninstall();
  server?.close();
});

test('auth.fetch sends the token to an allowed origin and to no other', async () => {
  const seen = {};
  server = http.createServer((request, response) => {
    seen[request.url] = request.headers.authorization ?? null;
    response.end('{}');
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const api = `http://127.0.0.1:${server.address().port}`;
  const elsewhere = `http://localhost:${server.address().port}`;

  host = createFakeHost({ ttlSeconds: 900 });
  auth = await createConnectAuth({ allowedOrigins: [api] });
  await auth.fetch(`${api}/issues`);
  await auth.fetch(`${elsewhere}/elsewhere`);
  expect(seen['/issues']).toBe(`JWT ${host.lastToken}`);
  expect(seen['/elsewhere']).toBeNull();
});
