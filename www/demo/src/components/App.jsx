import { useEffect, useState } from 'react';
import { useConnectAuth } from 'connect-token/react';
import { useActivity, useNow } from '../hooks.js';
import StatusBadge from './StatusBadge.jsx';
import UserCard from './UserCard.jsx';
import TokenCard from './TokenCard.jsx';
import StatsCard from './StatsCard.jsx';
import Timeline from './Timeline.jsx';
import Controls from './Controls.jsx';
import RequestLog from './RequestLog.jsx';
import OptionsNote from './OptionsNote.jsx';

/* global __BUNDLER__ */
const BUNDLER = typeof __BUNDLER__ === 'string' ? __BUNDLER__ : 'unknown bundler';

export default function App({ auth, activity, options, onMounted }) {
  const snapshot = useConnectAuth(); // the provider's keeper (main.jsx)
  const seen = useActivity(activity);
  const now = useNow(250);
  const [backendUser, setBackendUser] = useState(null);

  useEffect(() => onMounted(), [onMounted]);

  return (
    <div className="app">
      <header className="top">
        <h1>connect-token demo</h1>
        <span className="built-with">built with {BUNDLER}</span>
        <StatusBadge snapshot={snapshot} />
      </header>
      <section className="cards">
        <UserCard claims={auth.claims()} backendUser={backendUser} />
        <TokenCard snapshot={snapshot} now={now} />
        <StatsCard stats={seen.stats} requests={seen.requests} />
      </section>
      <Timeline activity={seen} now={now} />
      <Controls auth={auth} activity={activity} onWhoami={setBackendUser} />
      <RequestLog requests={seen.requests} onClear={activity.clearRequests} />
      <OptionsNote options={options} lifetimeMs={seen.tokens.at(-1)?.lifetimeMs} />
    </div>
  );
}
