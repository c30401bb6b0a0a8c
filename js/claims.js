// Reads a token's claims with the browser's own parsers (base64url via atob, UTF-8 via a fatal
// TextDecoder, then JSON.parse), which cost no wasm. The Rust core (src/core/token.rs) decides what
// they mean; nothing here verifies the token: the app's backend does.

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `[shape, claims]`: shape 0 and the claims object, or why the token is malformed (1 not three
 * segments, 2 not base64url, 3 not UTF-8, 4 not JSON, 5 not an object), as `Read::from_shape`.
 */
export function readClaims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return [1];
  const segment = parts[1];
  let binary;
  try {
    if (!/^[\w-]*$/.test(segment)) throw segment;
    binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return [2];
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    return [3];
  }
  let claims;
  try {
    claims = JSON.parse(text);
  } catch {
    return [4];
  }
  return claims && typeof claims === 'object' && !Array.isArray(claims) ? [0, claims] : [5];
}

/** A claim as the core takes it: undefined if absent, the number, or NaN if not a number. */
export const claimTime = (value) => (value === undefined ? undefined : typeof value === 'number' ? value : NaN);
