// The same app with a minimal plain-JS module: get a token, set the header.
performance.mark('app-start');
const token = await window.AP.context.getToken();
performance.mark('created');
await fetch('/api/first', { headers: { Authorization: `JWT ${token}` } });
document.documentElement.dataset.done = '1';
