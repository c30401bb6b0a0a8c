// The same page with a minimal plain-JS module: get a token once, set the header.
import { mint } from '/bench/pages/mint.js';

window.run = async (n) => {
  const token = mint(Math.floor(Date.now() / 1000), 900);
  const getToken = async () => token;
  const authFetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'JWT ' + (await getToken()));
    return fetch(input, { ...init, headers });
  };
  for (let i = 0; i < n; i++) {
    const response = await authFetch(`/api?i=${i}`);
    if (response.status !== 204) throw new Error(`request ${i}: ${response.status}`);
  }
  window.authFetch = authFetch;
  return {};
};
window.ready = true;
