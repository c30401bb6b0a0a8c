// Vite build → dist-vite/. Relative asset URLs (base './'), so the build works under any path,
// e.g. /vite/index.html on the add-on server (see serve.js).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const vite = JSON.parse(readFileSync(new URL('./node_modules/vite/package.json', import.meta.url), 'utf8'));

export default defineConfig({
  base: './',
  define: { __BUNDLER__: JSON.stringify(`Vite ${vite.version}`) },
  resolve: {
    // node_modules/connect-token is a link to ../../pkg: keep the link path, so the package's
    // `import 'react'` finds this app's React (one copy of React, as with a normal install).
    preserveSymlinks: true,
  },
  build: {
    outDir: 'dist-vite',
    emptyOutDir: true,
  },
  server: {
    // Only the dev server needs this, for the linked package outside the app root.
    fs: { allow: ['.', '../../pkg'] },
  },
});
