/** The options in effect (from the URL), and what the demo host changes from a real one. */
export default function OptionsNote({ options, lifetimeMs }) {
  const shown = Object.keys(options).length ? JSON.stringify(options) : 'defaults';
  const lifetime = lifetimeMs ? Math.round(lifetimeMs / 1000) : undefined;
  return (
    <footer className="note">
      <span>
        createConnectAuth options: <code>{shown}</code> (URL: <code>?allowed=…&amp;timeoutMs=…&amp;renewMarginSeconds=…&amp;retryUnauthorized=…</code>)
      </span>
      <span>
        {lifetime !== undefined && lifetime < 900
          ? `This simulated host mints tokens that live ${lifetime} s so renewals show within minutes; real Jira tokens live 900 s (15 min).`
          : 'Real Jira context tokens live 900 s (15 min).'}
      </span>
    </footer>
  );
}
