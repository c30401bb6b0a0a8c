// Boot: read options from the URL, create the keeper, publish the test hook, render.
//
// TEST HOOK (end-to-end tests depend on it):
//   success: window.connectTokenDemo = { auth, createConnectAuth, isConnectTokenError },
//            then <html data-ready="1"> once the app is on screen;
//   failure: window.connectTokenDemo = { error, createConnectAuth, isConnectTokenError },
//            <html data-ready="error">.
import { createConnectAuth, isConnectTokenError } from 'connect-token';
import { ConnectAuthProvider } from 'connect-token/react';
import { createRoot } from 'react-dom/client';
import { readOptions } from './options.js';
import { createActivity } from './activity.js';
import App from './components/App.jsx';
import StartupError from './components/StartupError.jsx';
import './styles.css';

const root = createRoot(document.getElementById('root'));
const activity = createActivity();
const options = readOptions();

createConnectAuth({ ...options, fetch: activity.recordingFetch() }).then(
  (auth) => {
    activity.follow(auth);
    window.connectTokenDemo = { auth, createConnectAuth, isConnectTokenError };
    const ready = () => {
      document.documentElement.dataset.ready = '1';
    };
    // The keeper is made here (the test hook needs it); the provider hands it to the hooks below.
    root.render(
      <ConnectAuthProvider auth={auth}>
        <App auth={auth} activity={activity} options={options} onMounted={ready} />
      </ConnectAuthProvider>,
    );
  },
  (error) => {
    window.connectTokenDemo = { error, createConnectAuth, isConnectTokenError };
    document.documentElement.dataset.ready = 'error';
    root.render(<StartupError error={error} options={options} isConnectTokenError={isConnectTokenError} />);
  },
);
