// The smallest app that uses connect-token: what it pays for the package alone.
import { createConnectAuth } from 'connect-token';

createConnectAuth().then((auth) => auth.fetch('/api/whoami'));
