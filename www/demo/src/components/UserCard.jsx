/** Who the user is: the (unverified) claims of the current token, and what the backend said. */
export default function UserCard({ claims, backendUser }) {
  const issue = claims?.context?.jira?.issue?.key;
  const confirmed = backendUser && claims?.sub && backendUser.sub === claims.sub;
  return (
    <div className="card">
      <h2>User</h2>
      <div className="big mono" title="sub: the user's Atlassian accountId">{claims?.sub ?? '—'}</div>
      <dl>
        <dt>site (iss)</dt>
        <dd className="mono">{claims?.iss ?? '—'}</dd>
        {issue && (
          <>
            <dt>issue</dt>
            <dd>{issue}</dd>
          </>
        )}
        <dt>backend</dt>
        <dd>
          {!backendUser && <span className="muted">send a request to ask /api/whoami</span>}
          {backendUser && (confirmed ? <span className="good">✓ /api/whoami verified this user</span> : <span className="bad">/api/whoami: {backendUser.sub}</span>)}
        </dd>
      </dl>
    </div>
  );
}
