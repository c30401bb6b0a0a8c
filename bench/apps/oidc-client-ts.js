import { UserManager } from 'oidc-client-ts';
new UserManager({ authority: 'https://id.example.com', client_id: 'app', redirect_uri: location.origin + '/cb' })
  .getUser().then((u) => fetch('/api', { headers: { Authorization: 'Bearer ' + u?.access_token } }));
