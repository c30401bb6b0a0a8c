import { createAuth0Client } from '@auth0/auth0-spa-js';
createAuth0Client({ domain: 'example.auth0.com', clientId: 'app' })
  .then((c) => c.getTokenSilently()).then((t) => fetch('/api', { headers: { Authorization: 'Bearer ' + t } }));
