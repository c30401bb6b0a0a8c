import { clockTimeMs, shortUrl } from '../format.js';
import { recentRequests } from '../activity.js';

/** The last 50 requests the library sent (burst, periodic, or anyone calling auth.fetch). */
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
              <th>Authorization</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="mono">{clockTimeMs(r.at)}</td>
                <td className="mono url">{r.method} {shortUrl(r.url)}</td>
                <td className={!r.done ? 'muted' : r.ok ? 'good' : 'bad'}>{r.status ?? '…'}</td>
                <td className="num">{r.ms ?? ''}</td>
                <td className="muted">{r.auth ? `${r.auth} …` : 'none'}</td>
              </tr>
            ))}
            {!rows.length && (
              <tr>
                <td colSpan={5} className="muted empty">
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
