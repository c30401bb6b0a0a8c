/** @jest-environment node */
import http from 'node:http';
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

test('require() gets the CommonJS build, the same API', () => {
  const required = require('connect-token');
  expect(typeof required.createConnectAuth).toBe('function');
  expect(typeof require('connect-token/react').useConnectAuth).toBe('function');
  expect(typeof require('connect-token/testing').createFakeHost).toBe('function');
  expect(require.resolve('connect-token')).toMatch(/connect-token[\\/]cjs[\\/]index\.js$/);
});
