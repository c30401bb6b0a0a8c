// A small W3C WebDriver client: just what the cross-engine suite needs (a session, navigation, an
// iframe, async scripts), spoken over HTTP to chromedriver, geckodriver or WebKitWebDriver alike.
// Playwright cannot drive Debian's Firefox or WebKitGTK; every engine here speaks this protocol.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A free loopback port. */
export async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `command` with the port it should listen on; resolves once it answers /status. */
export async function startDriver(command) {
  const port = await freePort();
  const [bin, ...args] = command(port);
  // Its own process group, so that stop() ends it with every child it started (xvfb-run starts
  // Xvfb and WebKitWebDriver).
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${bin} exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (waited > 30_000) throw new Error(`${bin} did not answer on ${url} within 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop() {
      child.stderr.destroy();
      child.unref();
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/** One browser session on a running driver. */
export class Session {
  static async create(driverUrl, capabilities) {
    const value = await command(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(driverUrl, value.sessionId, value.capabilities);
  }

  constructor(driverUrl, id, capabilities) {
    this.base = `${driverUrl}/session/${id}`;
    this.capabilities = capabilities;
  }

  /** The engine's name and version as the driver reports them. */
  get browser() {
    return `${this.capabilities.browserName} ${this.capabilities.browserVersion}`;
  }

  navigate(url) {
    return command(this.base, 'POST', '/url', { url });
  }

  /** Switches into the first element matching `css`, an iframe (waits for it up to 10 s). */
  async enterFrame(css) {
    for (let waited = 0; ; waited += 100) {
      try {
        const element = await command(this.base, 'POST', '/element', { using: 'css selector', value: css });
        return await command(this.base, 'POST', '/frame', { id: element });
      } catch (error) {
        if (waited > 10_000) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /**
   * Runs `fn(arg)` (an async function, serialized) in the current frame and returns its result.
   * What it throws comes back as an Error with its message.
   */
  async run(fn, arg) {
    const script = `const done = arguments[arguments.length - 1];
      (${fn})(arguments[0]).then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`;
    const out = await command(this.base, 'POST', '/execute/async', { script, args: [arg ?? null] });
    if (out && out.error) throw new Error(`in the page: ${out.error}`);
    return out?.value;
  }

  setScriptTimeout(ms) {
    return command(this.base, 'POST', '/timeouts', { script: ms });
  }

  close() {
    return command(this.base, 'DELETE', '', undefined).catch(() => {});
  }
}

async function command(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok || json.value?.error) {
    throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? response.status} ${json.value?.message ?? ''}`.trim());
  }
  return json.value;
}
