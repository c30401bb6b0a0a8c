/** createConnectAuth rejected (bad options, or the library could not load). */
export default function StartupError({ error, options, isConnectTokenError }) {
  const known = isConnectTokenError(error);
  return (
    <div className="app">
      <header className="top">
        <h1>connect-token demo</h1>
        <span className="badge badge-failed">
          <span className="dot" aria-hidden="true" /> not started
        </span>
      </header>
      <section className="card startup-error">
        <h2>createConnectAuth() rejected</h2>
        <p className="bad mono">
          {known ? `${error.code}: ` : ''}
          {String(error?.message ?? error)}
        </p>
        <p>
          Options from the URL: <code>{JSON.stringify(options)}</code>
        </p>
        <p className="muted">Fix the query string (allowed, timeoutMs, renewMarginSeconds, retryUnauthorized) and reload.</p>
      </section>
    </div>
  );
}
