// The Content-Security-Policy README "Content-Security-Policy" gives for a Connect app's pages, from
// the origins it names; www/e2e/csp.test.mjs serves the demo under it with the simulator's origins.

/**
 * The policy's header value.
 * @param {object} o
 * @param {string} o.bridge         the origin of Atlassian's all.js (https://connect-cdn.atl-paas.net)
 * @param {string[]} [o.api]        origins the app calls besides its own (its backend's, if elsewhere)
 * @param {string[]} o.ancestors    origins of the product pages that may frame the app
 * @returns {string}
 */
export function connectAppCsp({ bridge, api = [], ancestors }) {
  return [
    "default-src 'self'",
    `script-src 'self' ${bridge} 'wasm-unsafe-eval'`,
    ["connect-src 'self'", ...api].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    ['frame-ancestors', ...ancestors].join(' '),
  ].join('; ');
}
