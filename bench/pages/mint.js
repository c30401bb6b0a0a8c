// Real-shaped Atlassian Connect context JWTs (claims as in shared/docs/connect-facts.md), unsigned:
// the browser never verifies them, so the signature is a placeholder. Works in Node and the page.

const encoder = new TextEncoder();

export function base64url(text) {
  let binary = '';
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const HEADER = base64url('{"typ":"JWT","alg":"HS256"}');
const SIGNATURE = base64url('not-a-real-hs256-signature-000000'); // 43 chars, like an HS256 one

/** The claims of a Jira context JWT issued at `iat` (seconds) that lives `ttl` seconds. */
export function contextClaims(iat, ttl = 900) {
  return {
    sub: '712020:39e9b5a4-7c51-4f8e-9b3a-1d2c3e4f5a6b',
    qsh: 'context-qsh',
    iss: '5e1f0c2a-1111-4b7b-9e5c-222222222222',
    context: {
      license: { active: true },
      url: { displayUrl: 'https://example.atlassian.net', displayUrlServicedeskHelpCenter: 'https://example.atlassian.net' },
      jira: { issue: { key: 'DEMO-123', id: '10123', issuetype: { id: '10002' } }, project: { key: 'DEMO', id: '10000' } },
    },
    exp: iat + ttl,
    iat,
  };
}

export function mint(iat, ttl = 900) {
  return `${HEADER}.${base64url(JSON.stringify(contextClaims(iat, ttl)))}.${SIGNATURE}`;
}
