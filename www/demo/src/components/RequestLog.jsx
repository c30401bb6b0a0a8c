import { clockTimeMs, shortUrl } from '../format.js';
import { recentRequests } from '../activity.js';

/** What else there is to say about a request: a wait for a token, a replay, no token sent. */
function notes(r) {
  const out = [];
  if (r.sentAt && r.sentAt - r.at >= 500) out.push(`waited ${((r.sentAt - r.at) / 1000).toFixed(1)} s for a token`);
  if (r.sends.length > 1) out.push(`sent ${r.sends.length}×: ${r.sends.join(' → ')}`);
  if (r.sends.length && !r.auth) out.push('sent without a token');
  return out.join(' · ');
}

/** The last 50 requests: the demo's own (burst, periodic) and any other auth.fetch call. */
export default function RequestLog({ requests, onClear }) {
  const rows = recentRequests({ requests });
  return (
    <section className="card log">
      <h2>
        Requests <span className="muted">(last {rows.length} of {requests.length})</span>
        <button type="button" className="link" onClick={onClear} disabled={!requests.length}>
          clear
        </button>
      </h2>
      <div className="log-scroll">
        <table>
          <thead>
            <tr>
              <th>time</th>
              <th>request</th>
              <th>status</th>
              <th className="num">ms</th>
              <th>sent with</th>
              <th>notes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="mono">{clockTimeMs(r.at)}</td>
                <td className="mono url" title={r.url}>
                  {r.method} {shortUrl(r.url)}
                </td>
                <td className={!r.done ? 'muted' : r.ok ? 'good' : 'bad'}>{r.status ?? '…'}</td>
                <td className="num">{r.ms ?? ''}</td>
                <td className="muted">{r.auth ? `${r.auth} <token>` : r.sends.length ? 'no token' : ''}</td>
                <td className="muted">{notes(r)}</td>
              </tr>
            ))}
            {!rows.length && (
              <tr>
                <td colSpan={6} className="muted empty">
                  No requests yet: press the burst button or turn on periodic requests.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
