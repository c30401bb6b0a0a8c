// Token verification exactly as atlassian-connect-express 11.5.3 `addon.checkValidToken()` does it
// (lib/middleware/token.js -> authentication.getVerifiedClaims with qsh verification skipped),
// except that every time comes from the virtual clock and one option:
//   qshCheck: 'context' (default, as atlassian-connect-spring-boot's @ContextJwt and the test brief
//             want: the claim must be "context-qsh") | 'ace' (ACE's checkValidToken: qsh not looked at).
import jwt from 'atlassian-jwt';

export const EXPIRED_MESSAGE = 'Authentication request has expired. Try reloading the page.';
export const NO_TOKEN_MESSAGE = 'Could not find authentication data on request';

/**
 * ACE utils.extractJwtFromRequest: ?jwt=, body.jwt, then `Authorization: JWT ` (case-sensitive prefix),
 * then the legacy ?acpt= / X-acpt session token. Returns {token, source} or {token: undefined}.
 * `body` is the parsed body ({} when there is none, as after express' body parsers).
 */
export function extractToken({ searchParams, headers, body }) {
  const tokenInQuery = searchParams.get('jwt') || undefined;
  const parsed = body && typeof body === 'object' ? body : {};
  const tokenInBody = parsed.jwt || undefined;
  if (tokenInQuery && tokenInBody) return { token: undefined, source: 'query+body (refused)' };
  let token = tokenInQuery || tokenInBody;
  let source = tokenInQuery ? 'query' : tokenInBody ? 'body' : undefined;
  const authHeader = headers.authorization;
  if (authHeader && authHeader.indexOf('JWT ') === 0 && !token) {
    token = authHeader.substring(4);
    source = 'header';
  }
  if (!token) {
    const acptQuery = searchParams.get('acpt');
    const acptHeader = headers['x-acpt'];
    token = acptQuery || acptHeader || undefined;
    source = acptQuery ? 'acpt-query' : acptHeader ? 'acpt-header' : undefined;
  }
  return { token, source };
}

/**
 * Verify one request's token. Pure: no I/O, no Date.
 * @param {object} req {searchParams, headers (lower-case names), body (parsed or {})}
 * @param {object} o
 * @param {number} o.nowSeconds     virtual time in whole seconds
 * @param {(clientKey:string)=>({sharedSecret:string, key?:string}|undefined)} o.lookupClient
 * @param {'context'|'ace'} [o.qshCheck]
 * @returns {{ok:true, claims, clientKey, token, source} | {ok:false, status:number, message:string, token?, source?}}
 */
export function verifyRequest(req, { nowSeconds, lookupClient, qshCheck = 'context' }) {
  const { token, source } = extractToken(req);
  if (!token) return { ok: false, status: 401, message: NO_TOKEN_MESSAGE, source };
  const fail = (status, message) => ({ ok: false, status, message, token, source });

  let unverified;
  try {
    unverified = jwt.decodeSymmetric(token, '', 'HS256', true);
  } catch (e) {
    return fail(401, `Invalid JWT: ${e.message}`);
  }
  const issuer = unverified.iss;
  if (!issuer) return fail(401, 'JWT claim did not contain the issuer (iss) claim');

  // ACE: the audience claim, when present, names the tenant; otherwise the issuer does.
  let clientKey = issuer;
  if (Array.isArray(unverified.aud) && unverified.aud.length > 0) clientKey = unverified.aud[0];

  const settings = lookupClient(clientKey);
  if (!settings) return fail(401, `Could not find stored client data for ${clientKey}. Is this client registered?`);
  if (!settings.sharedSecret) return fail(401, `Could not find JWT sharedSecret in stored client data for ${clientKey}`);

  let claims;
  try {
    claims = jwt.decodeSymmetric(token, settings.sharedSecret, 'HS256', false);
  } catch (error) {
    // ACE answers 400 here and appends "for input: <header>.<payload> ..."; we drop that part so no
    // token material is echoed back or logged.
    const text = String(error).replace(/ for input: \S+/, ' for input: <omitted>');
    return fail(400, `Unable to decodeSymmetric JWT token: ${text}`);
  }

  const expiry = claims.exp;
  // ACE: "todo build in leeway?" -> no leeway; an exp-less token is accepted.
  if (expiry && nowSeconds >= expiry) return fail(401, EXPIRED_MESSAGE);

  if (qshCheck === 'context' && claims.qsh !== 'context-qsh') {
    return fail(401, 'Authentication failed: query hash does not match.');
  }
  return { ok: true, claims, clientKey, token, source };
}

/** ACE's session token (sent back as the X-acpt response header on every authenticated request). */
export function sessionToken({ claims, clientKey, settings, nowSeconds, addonKey, maxTokenAgeSeconds = 900 }) {
  const base = {
    iss: settings.key || addonKey,
    iat: nowSeconds,
    sub: claims.sub,
    exp: nowSeconds + maxTokenAgeSeconds,
    aud: [clientKey],
  };
  if (claims.context) base.context = claims.context;
  return jwt.encodeSymmetric(base, settings.sharedSecret, 'HS256');
}

/**
 * The error response ACE sends (res.format with text, html, json; expressErrorHandling off).
 * @returns {{status:number, headers:object, body:string}}
 */
export function aceErrorResponse(status, message, acceptHeader) {
  const type = negotiate(acceptHeader, ['text/plain', 'text/html', 'application/json']);
  if (!type) return { status: 406, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not Acceptable' };
  const headers = { 'Content-Type': `${type}; charset=utf-8`, Vary: 'Accept' };
  if (type === 'application/json') return { status, headers, body: JSON.stringify({ message }) };
  return { status, headers, body: escapeHtml(message) };
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Enough of `negotiator` (used by express' req.accepts) to pick one of the offered types. */
export function negotiate(acceptHeader, offers) {
  const accepts = (acceptHeader || '*/*')
    .split(',')
    .map((part, o) => {
      const [range, ...params] = part.trim().split(';');
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.trim().split('=');
        if (k === 'q') q = parseFloat(v);
      }
      return { type, subtype, q: Number.isFinite(q) ? q : 0, o };
    })
    .filter((a) => a.type);
  const ranked = offers
    .map((offer, i) => {
      const [t, s] = offer.split('/');
      let best = null;
      for (const a of accepts) {
        let spec = 0;
        if (a.type === t) spec |= 4;
        else if (a.type !== '*') continue;
        if (a.subtype === s) spec |= 2;
        else if (a.subtype !== '*') continue;
        if (!best || spec > best.s || (spec === best.s && a.q > best.q)) best = { s: spec, q: a.q, o: a.o };
      }
      return best && { offer, i, ...best };
    })
    .filter((x) => x && x.q > 0)
    .sort((a, b) => b.q - a.q || b.s - a.s || a.o - b.o || a.i - b.i);
  return ranked.length ? ranked[0].offer : null;
}
