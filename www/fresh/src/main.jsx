// A new user's first connect-token app, as the README's React section shows it: under
// <StrictMode>, a <ConnectAuthProvider> starts the keeper (one, asking the host once, although
// StrictMode runs effects twice) and <Session> reads it. Built by each fresh app
// (www/e2e/fresh-apps.test.mjs); the Next.js app renders the same <Session> from its own layout.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConnectAuthProvider } from 'connect-token/react';
import Session from './Session.jsx';

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <ConnectAuthProvider>
      <Session />
    </ConnectAuthProvider>
  </StrictMode>,
);
