// A server component page with the app's client component in it (Session.jsx says 'use client').
import Session from './Session.jsx';

export default function Page() {
  return <Session />;
}
