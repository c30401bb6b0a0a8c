import { minutesSeconds } from '../format.js';
import { gaps } from '../timeline.js';

/** One line that says whether the session stayed alive. */
export default function TimelineSummary({ tokens, now }) {
  if (!tokens.length) return <p className="summary muted">Waiting for the first token…</p>;
  const holes = gaps(tokens, now);
  const alive = now - tokens[0].receivedAt;
  return holes.length === 0 ? (
    <p className="summary good">
      ✓ Session alive for {minutesSeconds(alive)}: {tokens.length} token{tokens.length > 1 ? 's' : ''}, each renewed before it
      expired, no gap.
    </p>
  ) : (
    <p className="summary bad">
      ⚠ {holes.length} gap{holes.length > 1 ? 's' : ''} without a valid token (red) in {minutesSeconds(alive)}: the
      computer slept, or the host did not answer. Requests made in a gap wait for the next token.
    </p>
  );
}
