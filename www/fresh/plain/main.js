// A new user's first connect-token app without React or JSX, for bundlers that take plain
// JavaScript only (Rollup with nothing but @rollup/plugin-node-resolve). Same test hook and DOM
// fields as src/main.jsx; it shows the keeper's snapshot after every event it sends.
//
// TEST HOOK: window.freshApp = { auth } and <html data-ready="1"> once the first token is shown
// (window.freshApp = { error } and data-ready="error" if createConnectAuth fails).
import { createConnectAuth } from 'connect-token';

const FIELDS = ['status', 'iat', 'exp', 'expiresAt', 'who', 'renders'];
const root = document.getElementById('root');
root.innerHTML = `<dl>${FIELDS.map((id) => `<dt>${id}</dt><dd data-testid="${id}"></dd>`).join('')}</dl>`;
let renders = 0;
let who = '';

function show(auth) {
  const { status, claims, expiresAt } = auth.snapshot();
  renders += 1;
  const values = { status, iat: claims?.iat ?? '', exp: claims?.exp ?? '', expiresAt: expiresAt ?? '', who, renders };
  for (const id of FIELDS) root.querySelector(`[data-testid=${id}]`).textContent = String(values[id]);
}

try {
  const auth = await createConnectAuth();
  window.freshApp = { auth };
  auth.subscribe(() => show(auth));
  await auth.token();
  show(auth);
  document.documentElement.dataset.ready = '1';
  auth
    .fetch('/api/whoami')
    .then((r) => r.json())
    .then((me) => (who = me.sub), (e) => (who = `error: ${e.message}`))
    .then(() => show(auth));
} catch (error) {
  window.freshApp = { error };
  document.documentElement.dataset.ready = 'error';
  root.textContent = `connect-token did not start: ${String(error?.message ?? error)}`;
}
