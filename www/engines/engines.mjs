// The three browser engines Connect apps run in, as this machine has them (Debian's packages and
// crates.io; scripts/setup.sh installs them): how to start each one's WebDriver and what to ask it.
import { existsSync } from 'node:fs';
import { startDriver, Session } from './webdriver.mjs';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const GECKODRIVER = process.env.GECKODRIVER || `${process.env.HOME}/.cargo/bin/geckodriver`;

export const ENGINES = {
  chromium: {
    engine: 'Blink + V8 (Chrome, Edge)',
    needs: ['/usr/bin/chromium', '/usr/bin/chromedriver'],
    driver: (port) => ['/usr/bin/chromedriver', `--port=${port}`],
    capabilities: {
      browserName: 'chrome',
      'goog:chromeOptions': {
        binary: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    },
  },
  firefox: {
    engine: 'Gecko + SpiderMonkey (Firefox)',
    needs: ['/usr/bin/firefox-esr', GECKODRIVER],
    driver: (port) => [GECKODRIVER, `--port=${port}`],
    capabilities: { browserName: 'firefox', 'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] } },
  },
  webkit: {
    engine: 'WebKit + JavaScriptCore (Safari)',
    needs: ['/usr/bin/WebKitWebDriver', MINIBROWSER, '/usr/bin/xvfb-run'],
    // WebKitGTK needs a display: Xvfb, started by xvfb-run with its own server number.
    driver: (port) => ['/usr/bin/xvfb-run', '-a', '/usr/bin/WebKitWebDriver', `--port=${port}`],
    capabilities: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } },
  },
};

/** The engines to run (ENGINES=chromium,firefox to pick), each with what it lacks on this machine. */
export function selectedEngines() {
  const names = (process.env.ENGINES || Object.keys(ENGINES).join(',')).split(',').map((name) => name.trim());
  return names.map((name) => {
    const engine = ENGINES[name];
    if (!engine) throw new Error(`ENGINES: unknown engine ${name}; the engines are ${Object.keys(ENGINES).join(', ')}`);
    return { name, ...engine, missing: engine.needs.filter((file) => !existsSync(file)) };
  });
}

/**
 * Starts `engine`'s WebDriver and one session on it, whose scripts may run `scriptTimeoutMs`;
 * `close()` ends both. Fails at once, saying so, if the engine is not installed here.
 */
export async function startSession(engine, scriptTimeoutMs) {
  if (engine.missing.length) throw new Error(`${engine.name} is not installed here (scripts/setup.sh installs it): no ${engine.missing.join(', ')}`);
  const driver = await startDriver(engine.driver);
  try {
    const session = await Session.create(driver.url, engine.capabilities);
    await session.setScriptTimeout(scriptTimeoutMs);
    return {
      session,
      async close() {
        await session.close().catch(() => {});
        driver.stop();
      },
    };
  } catch (error) {
    driver.stop();
    throw error;
  }
}
