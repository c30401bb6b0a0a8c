import { useRef } from 'react';
import { useWidth } from '../hooks.js';
import { clockTime } from '../format.js';
import { gaps, timeWindow } from '../timeline.js';
import TimelineSummary from './TimelineSummary.jsx';

// Geometry, in CSS pixels.
const LEFT = 92; // lane labels
const RIGHT = 12;
const BAR = 14; // token bar height; tokens alternate between two rows, so overlaps show
const LANES = {
  tokens: { y: 18, h: 2 * BAR + 6, label: 'tokens' },
  host: { y: 60, h: 18, label: 'host calls' },
  renewals: { y: 82, h: 18, label: 'new tokens' },
  requests: { y: 104, h: 30, label: 'requests' },
};
const AXIS_Y = 140;
const HEIGHT = 160;
const TICK_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800].map((s) => s * 1000);

// Failed and replayed requests are drawn last, so a burst of green dots cannot hide them.
const weight = (r) => (r.done && !r.ok ? 2 : r.sends.length > 1 ? 1 : 0);
const failedLast = (a, b) => weight(a) - weight(b) || a.id - b.id;

/**
 * Each token as a bar from iat to exp (solid while it was the one in use), host calls, renewals and
 * requests (green: 2xx, red: anything else, grey: pending) on one time axis.
 */
export default function Timeline({ activity, now }) {
  const ref = useRef(null);
  const width = useWidth(ref);
  const { tokens, hostCalls, renewals, requests, problems } = activity;
  const { start, end, span } = timeWindow(tokens, now);
  const plot = width - LEFT - RIGHT;
  const x = (t) => LEFT + ((t - start) / span) * plot;
  const visible = (t) => t >= start && t <= end;
  const step = TICK_STEPS.find((s) => span / s <= Math.max(3, Math.floor(plot / 90))) ?? TICK_STEPS.at(-1);
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  const chartBottom = LANES.requests.y + LANES.requests.h;

  return (
    <section className="card timeline" ref={ref}>
      <h2>Token lifetime</h2>
      <TimelineSummary tokens={tokens} now={now} />
      <svg width={width} height={HEIGHT} role="img" aria-label="Timeline of tokens, renewals, host calls and requests">
        <defs>
          <clipPath id="plot">
            <rect x={LEFT} y={0} width={plot} height={HEIGHT} />
          </clipPath>
        </defs>
        {Object.values(LANES).map((lane) => (
          <g key={lane.label}>
            <rect className="lane" x={LEFT} y={lane.y} width={plot} height={lane.h} />
            <text className="lane-label" x={LEFT - 8} y={lane.y + lane.h / 2 + 4} textAnchor="end">
              {lane.label}
            </text>
          </g>
        ))}
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={x(t)} x2={x(t)} y1={LANES.tokens.y} y2={AXIS_Y} />
            <text className="tick" x={x(t)} y={AXIS_Y + 14} textAnchor="middle">
              {clockTime(t)}
            </text>
          </g>
        ))}
        <g clipPath="url(#plot)">
          {gaps(tokens, now).map((g) => (
            <rect key={g.from} className="gap" x={x(g.from)} y={LANES.tokens.y} width={Math.max(2, x(g.to) - x(g.from))} height={chartBottom - LANES.tokens.y} />
          ))}
          {renewals.filter((r) => visible(r.at)).map((r, i) => (
            <line key={`rl${r.at}-${i}`} className="renewal-line" x1={x(r.at)} x2={x(r.at)} y1={LANES.tokens.y} y2={chartBottom} />
          ))}
          {tokens.map((token, i) => {
            if (token.expiresAt < start || token.startsAt > end) return null;
            const y = LANES.tokens.y + 2 + (token.id % 2) * (BAR + 2);
            const inUseTo = Math.min(tokens[i + 1]?.receivedAt ?? now, token.expiresAt);
            const hue = token.source === 'backend' ? 'backend' : token.id % 2 ? 'a' : 'b';
            const from = token.source === 'backend' ? 'your backend' : 'the host';
            return (
              <g key={token.id} data-iat={token.iat} data-exp={token.exp} data-source={token.source}>
                <title>{`token #${token.id} from ${from}: iat ${clockTime(token.startsAt)} → exp ${clockTime(token.expiresAt)}`}</title>
                <rect className={`token token-${hue}`} x={x(token.startsAt)} y={y} width={Math.max(1, x(token.expiresAt) - x(token.startsAt))} height={BAR} rx={3} />
                <rect className={`token-used token-${hue}`} x={x(token.receivedAt)} y={y} width={Math.max(1, x(inUseTo) - x(token.receivedAt))} height={BAR} rx={3} />
                <text className="token-label" x={Math.max(x(token.receivedAt), LEFT) + 4} y={y + BAR - 3}>
                  #{token.id}
                </text>
              </g>
            );
          })}
          {hostCalls.filter((c) => visible(c.at)).map((c, i) => {
            const cx = x(c.at);
            const cy = LANES.host.y + LANES.host.h / 2;
            return <path key={`h${c.at}-${i}`} className={c.failed ? 'host-call failed' : 'host-call'} d={`M${cx} ${cy - 6}L${cx + 5} ${cy}L${cx} ${cy + 6}L${cx - 5} ${cy}Z`} />;
          })}
          {renewals.filter((r) => visible(r.at)).map((r, i) => (
            <circle key={`r${r.at}-${i}`} className={`renewal ${r.source}`} cx={x(r.at)} cy={LANES.renewals.y + LANES.renewals.h / 2} r={5} />
          ))}
          {problems.filter((p) => visible(p.at)).map((p, i) => (
            <text key={`p${p.at}-${i}`} className="problem" x={x(p.at)} y={LANES.renewals.y + LANES.renewals.h / 2 + 4} textAnchor="middle">
              ✕<title>{p.text}</title>
            </text>
          ))}
          {requests.filter((r) => visible(r.at)).sort(failedLast).map((r) => (
            <circle
              key={r.id}
              className={`request ${!r.done ? 'pending' : r.ok ? 'ok' : 'failed'}${r.sends.length > 1 ? ' replayed' : ''}`}
              cx={x(r.at)}
              cy={LANES.requests.y + 5 + ((r.id * 7) % 5) * 5}
              r={r.done && !r.ok ? 4 : 3}
            >
              <title>{`${r.method} ${r.url} → ${r.sends.length > 1 ? `${r.sends.join(' → ')}` : r.status ?? '…'}`}</title>
            </circle>
          ))}
          <line className="now" x1={x(now)} x2={x(now)} y1={14} y2={AXIS_Y} />
        </g>
        <text className="now-label" x={x(now)} y={11} textAnchor="middle">
          now
        </text>
      </svg>
      <div className="legend">
        <span><i className="swatch token-a" /> token from the host, iat → exp</span>
        <span><i className="swatch token-backend" /> from your backend ({'{{token}}'}, X-acpt)</span>
        <span><i className="swatch token-used token-a" /> in use</span>
        <span><i className="swatch gap" /> no valid token</span>
        <span><i className="mark host" /> host call (AP.context.getToken)</span>
        <span><i className="mark renewal" /> new token</span>
        <span><i className="mark ok" /> request 2xx</span>
        <span><i className="mark failed" /> request failed</span>
        <span><i className="mark ok replayed" /> replayed after a 401</span>
        <span><i className="mark pending" /> waiting</span>
      </div>
    </section>
  );
}
