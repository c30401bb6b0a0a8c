// Static files: the built SPA directory, the real iframe.js bridge, and extra mounts like /pkg/.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { send } from './http-util.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

export function contentType(file) {
  return TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

/** Send one file (404 if missing). */
export async function sendFile(res, file, extraHeaders = {}) {
  let st;
  try {
    st = await stat(file);
  } catch {
    return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
  }
  if (!st.isFile()) return send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': st.size,
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  createReadStream(file).pipe(res);
}

/**
 * The file `pathname` names in mounts [{prefix:'/pkg/', dir:'/abs'}] (longest prefix first):
 * `{file}`, `{status: 400|403}` for a bad or escaping path, or null if no mount matches.
 */
export function mountedFile(pathname, mounts) {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const { prefix, dir } of sorted) {
    if (!pathname.startsWith(prefix)) continue;
    let rel;
    try {
      rel = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      return { status: 400 };
    }
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const root = path.resolve(dir);
    const file = path.resolve(root, '.' + path.sep + rel);
    if (file !== root && !file.startsWith(root + path.sep)) return { status: 403 };
    return { file };
  }
  return null;
}

/**
 * Try to serve `pathname` from mounts, with `pageHeaders` on HTML pages. Returns true if a mount
 * matched (the response is then sent), false otherwise.
 */
export async function serveFromMounts(res, pathname, mounts, pageHeaders = {}) {
  const found = mountedFile(pathname, mounts);
  if (!found) return false;
  if (found.status) send(res, found.status, found.status === 400 ? 'Bad path' : 'Forbidden');
  else await sendFile(res, found.file, found.file.endsWith('.html') ? pageHeaders : {});
  return true;
}
