// Minting context JWTs the way Jira does: HS256 with the installation's shared secret.
// Times come from the caller (the virtual clock), never from Date inside this module.
import jwt from 'atlassian-jwt';

/** The one installation the simulated Jira knows by default. */
export const DEFAULT_TENANT = Object.freeze({
  addonKey: 'connect-token-demo',
  moduleKey: 'main-page',
  clientKey: '6f0c1d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f',
  sharedSecret: 'sim-shared-secret-DO-NOT-USE-IN-PRODUCTION-5b1f0c9d8e7a',
  sub: '712020:39e9b5a4-5f1c-4a8e-9d0b-6a3f1c2e7b10',
});

/**
 * Build the claims of a context JWT, shaped like a real one (see connect-facts.md).
 * @param {object} p
 * @param {string} p.iss   clientKey of the installation
 * @param {string} p.sub   accountId
 * @param {number} p.iat   seconds
 * @param {number} p.exp   seconds
 * @param {string} p.baseUrl the product's base URL (the host origin)
 * @param {*}      [p.nonce] optional extra claim so same-second tokens differ (real tokens have none)
 * @param {object} [p.extraClaims] merged last (e.g. non-ASCII text)
 */
export function contextClaims({ iss, sub, iat, exp, baseUrl, nonce, extraClaims }) {
  const claims = {
    sub,
    qsh: 'context-qsh',
    iss,
    context: {
      license: { active: true },
      url: {
        displayUrl: baseUrl,
        displayUrlServicedeskHelpCenter: baseUrl,
      },
      jira: {
        issue: { key: 'DEMO-1', id: '10001', issuetype: { id: '10002' } },
        project: { key: 'DEMO', id: '10000' },
      },
    },
    exp,
    iat,
  };
  if (nonce !== undefined && nonce !== null) claims.sim_nonce = nonce;
  if (extraClaims) Object.assign(claims, extraClaims);
  return claims;
}

/** Sign claims as HS256 with a shared secret (atlassian-jwt encodeSymmetric). */
export function sign(claims, secret, algorithm = 'HS256') {
  return jwt.encodeSymmetric(claims, secret, algorithm);
}

/**
 * Mint a context JWT for a tenant at a given time.
 * @param {object} tenant {clientKey, sharedSecret, sub}
 * @param {object} t {iat, ttlSeconds} or {iat, exp}
 */
export function mintContextToken(tenant, { iat, exp, ttlSeconds = 900, baseUrl, nonce, extraClaims, sub, secret }) {
  const claims = contextClaims({
    iss: tenant.clientKey,
    sub: sub || tenant.sub,
    iat,
    exp: exp ?? iat + ttlSeconds,
    baseUrl,
    nonce,
    extraClaims,
  });
  return { token: sign(claims, secret || tenant.sharedSecret), claims };
}

/** Decode the payload WITHOUT verifying (for display, stats and tests only). */
export function peekClaims(token) {
  try {
    return jwt.decodeSymmetric(token, '', 'HS256', true);
  } catch {
    return null;
  }
}
