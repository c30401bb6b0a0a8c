/** auth.stats(), and how the requests went. */
export default function StatsCard({ stats, requests }) {
  const done = requests.filter((r) => r.done);
  const ok = done.filter((r) => r.ok).length;
  const items = [
    ['host calls', stats.hostCalls, 'calls to AP.context.getToken'],
    ['renewals', stats.renewals, 'new tokens received'],
    ['retries', stats.retries, 'calls made while recovering from a failure'],
    ['failures', stats.failures, 'calls that failed'],
    ['backend tokens', stats.backendTokens ?? 0, "session tokens taken from the backend's X-acpt answers"],
    ['requests ok', ok, 'responses with a 2xx status (seen by the fetch option)'],
    ['requests failed', done.length - ok, 'non-2xx answers and network errors'],
  ];
  return (
    <div className="card">
      <h2>stats()</h2>
      <div className="stats">
        {items.map(([label, value, title]) => (
          <div key={label} className={`stat${label.includes('fail') && value > 0 ? ' bad' : ''}`} title={title}>
            <span className="stat-value">{value}</span>
            <span className="stat-label">{label}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
