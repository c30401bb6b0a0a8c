// Plain Node, CommonJS: require() of connect-token, connect-token/react and connect-token/testing,
// then a keeper on the test kit's host and auth.fetch against a local server. Prints one JSON line.
const http = require('node:http');
const { createConnectAuth, isConnectTokenError } = require('connect-token');
const { useConnectAuth } = require('connect-token/react');
const { createFakeHost } = require('connect-token/testing');

(async () => {
  const seen = [];
  const server = http.createServer((request, response) => {
    seen.push(request.headers.authorization ?? null);
    response.end('{}');
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const api = `http://127.0.0.1:${server.address().port}`;
  const host = createFakeHost({ ttlSeconds: 900 });
  const auth = await createConnectAuth({ allowedOrigins: [api] });
  const token = await auth.token();
  await auth.fetch(`${api}/issues`);
  const invalid = await createConnectAuth({ timeoutMs: 'soon' }).catch((error) => error);
  console.log(
    JSON.stringify({
      node: process.versions.node,
      resolved: require.resolve('connect-token'),
      hook: typeof useConnectAuth,
      tokenIsHosts: token === host.lastToken,
      sent: seen.map((header) => header === `JWT ${token}`),
      invalid: isConnectTokenError(invalid) && invalid.code,
    }),
  );
  auth.dispose();
  host.uninstall();
  server.close();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
