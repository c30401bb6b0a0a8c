import { createConnectAuth } from 'connect-token';
createConnectAuth().then((a) => a.fetch('/api'));
