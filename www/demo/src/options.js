// createConnectAuth options from the page's own query string (the host page passes it through):
//   ?allowed=https://api.example.com,https://other.example   extra origins that may receive the token
//   &timeoutMs=10000 &renewMarginSeconds=60 &retryUnauthorized=true|false
//   &session=1    the backend's session tokens: initialToken from <meta name="token" content="{{token}}">
//                 (atlassian-connect-express fills it in: open the page under /ace/), sessionTokenHeader "X-acpt"
//   &header=X-acpt  the request header the token goes in
// A parameter that is missing, empty or not a number/boolean is left out: the library's default applies.
// Numbers are passed on unchecked, so a test can ask for invalid-options (e.g. ?timeoutMs=0).

const number = (text) => (text !== null && text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : undefined);

const boolean = (text) => {
  const t = (text ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return undefined;
};

/** Returns the options to pass (without `fetch`), only the ones the URL set. */
export function readOptions(search = window.location.search, pageOrigin = window.location.origin) {
  const query = new URLSearchParams(search);
  const options = {};
  const extra = (query.get('allowed') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // Listing origins replaces the default (the page's origin only), so keep the page's origin first.
  if (extra.length) options.allowedOrigins = [pageOrigin, ...extra];
  const timeoutMs = number(query.get('timeoutMs'));
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  const renewMarginSeconds = number(query.get('renewMarginSeconds'));
  if (renewMarginSeconds !== undefined) options.renewMarginSeconds = renewMarginSeconds;
  const retryUnauthorized = boolean(query.get('retryUnauthorized'));
  if (retryUnauthorized !== undefined) options.retryUnauthorized = retryUnauthorized;
  if (query.get('session') === '1') {
    options.initialToken = document.querySelector('meta[name="token"]')?.content;
    options.sessionTokenHeader = 'X-acpt';
  }
  if (query.get('header')) options.header = query.get('header');
  return options;
}
