import { clockTime, minutesSeconds } from '../format.js';

/** The time left on the current token: a live countdown from snapshot().expiresAt. */
export default function TokenCard({ snapshot, now }) {
  const { claims, expiresAt, source, error } = snapshot;
  const lifetimeMs = claims?.iat !== undefined ? (claims.exp - claims.iat) * 1000 : undefined;
  const left = expiresAt !== undefined ? expiresAt - now : undefined;
  const share = lifetimeMs && left !== undefined ? Math.min(1, Math.max(0, left / lifetimeMs)) : 0;
  return (
    <div className="card">
      <h2>Token</h2>
      <div className={`big countdown${left !== undefined && left <= 0 ? ' bad' : ''}`}>
        {left === undefined ? '—' : left > 0 ? `${minutesSeconds(left)} left` : 'expired'}
      </div>
      <div className="meter" role="meter" aria-valuenow={Math.round(share * 100)} aria-valuemin={0} aria-valuemax={100}>
        <div className="meter-fill" style={{ width: `${share * 100}%` }} />
      </div>
      <dl>
        <dt>from</dt>
        <dd data-testid="token-source">{source === 'backend' ? 'your backend (session token)' : source === 'host' ? 'the host (AP.context.getToken)' : '—'}</dd>
        <dt>expires</dt>
        <dd>{expiresAt !== undefined ? clockTime(expiresAt) : '—'}</dd>
        <dt>lifetime</dt>
        <dd>{lifetimeMs !== undefined ? `${Math.round(lifetimeMs / 1000)} s (exp − iat)` : '—'}</dd>
        {error && (
          <>
            <dt>last error</dt>
            <dd className="bad clamp" title={error.message}>
              {error.code}: {error.message}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
