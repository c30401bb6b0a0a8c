// The app with connect-token and the page's own session token (atlassian-connect-express's
// `<meta name="token" content="{{token}}">`): its first authenticated request.
import { createConnectAuth } from 'connect-token';

performance.mark('app-start');
const auth = await createConnectAuth({
  initialToken: document.querySelector('meta[name="token"]')?.content,
  sessionTokenHeader: 'X-acpt',
});
performance.mark('created');
await auth.fetch('/api/first');
document.documentElement.dataset.done = '1';
