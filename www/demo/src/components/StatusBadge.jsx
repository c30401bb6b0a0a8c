const TEXT = {
  idle: 'no token yet',
  fresh: 'authenticated',
  renewing: 'getting a new token…',
  failed: 'the last renewal failed',
};

/** The keeper's status (from useConnectAuth), and its latest error. */
export default function StatusBadge({ snapshot }) {
  const { status, error } = snapshot;
  return (
    <span className={`badge badge-${status}`} title={error ? `${error.code}: ${error.message}` : undefined}>
      <span className="dot" aria-hidden="true" />
      {status} · {TEXT[status] ?? status}
      {error && <span className="badge-error"> · {error.code}</span>}
    </span>
  );
}
