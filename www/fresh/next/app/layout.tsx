// The root layout (a server component) renders the provider directly: connect-token/react says
// 'use client'. The bridge loads before the app hydrates (beforeInteractive); in production it is
// https://connect-cdn.atl-paas.net/all.js.
import type { ReactNode } from 'react';
import Script from 'next/script';
import { ConnectAuthProvider } from 'connect-token/react';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Script src="/iframe.js" strategy="beforeInteractive" />
        <ConnectAuthProvider>{children}</ConnectAuthProvider>
      </body>
    </html>
  );
}
