// The app with connect-token: its first authenticated request.
import { createConnectAuth } from 'connect-token';

performance.mark('app-start');
const auth = await createConnectAuth();
performance.mark('created');
await auth.fetch('/api/first');
document.documentElement.dataset.done = '1';
