// The timeline's arithmetic (all times in the page's clock, ms since the epoch).

/** The window shown: the future up to the current token's end, and twice as much past. */
export function timeWindow(tokens, now) {
  const lifetime = Math.min(tokens.at(-1)?.lifetimeMs ?? 120_000, 15 * 60_000);
  const span = Math.max(3 * 60_000, 3 * lifetime);
  return { start: now + lifetime - span, end: now + lifetime, span };
}

/** Time during which no valid token was held, since the first one arrived. */
export function gaps(tokens, now) {
  const found = [];
  tokens.forEach((token, i) => {
    const nextAt = tokens[i + 1]?.receivedAt ?? now;
    if (nextAt > token.expiresAt) found.push({ from: token.expiresAt, to: nextAt });
  });
  return found;
}
