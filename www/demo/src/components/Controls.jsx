import { useEffect, useState } from 'react';

const BURST = 50;
const PERIOD_MS = 2000;
const WHOAMI = '/api/whoami';

/** Reads /api/whoami's answer, if it is one. */
async function whoami(response) {
  if (!response.ok) return null;
  try {
    return await response.clone().json();
  } catch {
    return null;
  }
}

/** The burst button and the periodic-request toggle. Requests go through activity.call(auth, …),
 * which is auth.fetch(…) recorded from the caller's side. */
export default function Controls({ auth, activity, onWhoami }) {
  const [periodic, setPeriodic] = useState(false);
  const [burst, setBurst] = useState(null);

  useEffect(() => {
    if (!periodic) return undefined;
    const send = () =>
      activity.call(auth, WHOAMI).then(whoami).then((user) => user && onWhoami(user), () => {});
    send();
    const timer = setInterval(send, PERIOD_MS);
    return () => clearInterval(timer);
  }, [periodic, auth, activity, onWhoami]);

  async function runBurst() {
    const hostCallsBefore = auth.stats().hostCalls;
    const started = performance.now();
    setBurst({ running: true });
    const results = await Promise.allSettled(Array.from({ length: BURST }, () => activity.call(auth, WHOAMI)));
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value.ok);
    const user = ok.length ? await whoami(ok[0].value) : null;
    if (user) onWhoami(user);
    setBurst({
      running: false,
      ok: ok.length,
      failed: BURST - ok.length,
      ms: Math.round(performance.now() - started),
      hostCalls: auth.stats().hostCalls - hostCallsBefore,
    });
  }

  return (
    <section className="controls">
      <button type="button" className="primary" onClick={runBurst} disabled={burst?.running} data-testid="burst">
        Burst: {BURST} concurrent requests
      </button>
      <label className="switch">
        <input type="checkbox" checked={periodic} onChange={(e) => setPeriodic(e.target.checked)} data-testid="periodic" />
        <span>Request {WHOAMI} every {PERIOD_MS / 1000} s</span>
      </label>
      <span className="burst-result" aria-live="polite">
        {burst?.running && 'Burst running…'}
        {burst && !burst.running && (
          <>
            Last burst: <b className={burst.failed ? 'bad' : 'good'}>{burst.ok}/{BURST} OK</b> in {burst.ms} ms, {burst.hostCalls} host
            call{burst.hostCalls === 1 ? '' : 's'} for all of them
          </>
        )}
      </span>
    </section>
  );
}
