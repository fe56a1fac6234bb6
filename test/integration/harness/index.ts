/**
 * Real-host harness: the extension installed from its VSIX into code-server, driven in headless Chromium.
 * One host per test file (before/after hooks); `close()` ends the browser and the whole code-server process group.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchChromium } from '../../chromium';
import { codeServerInstalled, startCodeServer, type CodeServer, type StartOptions } from './codeServer';
import { readState, waitForState, type TestState } from './state';
import { screenshot } from './workbench';
import { ensureVsix } from './vsix';

export * from './codeServer';
export * from './state';
export * from './vsix';
export * from './workbench';
export { chromiumPath };

/**
 * Why the real-host suites cannot run here (code-server or Chromium missing), or false. On CI (CI or
 * PROBESCOPE_REQUIRE_HOST set) they never skip: a missing host fails loudly instead of passing quietly.
 */
export function hostSkipReason(): string | false {
  if (process.env.CI || process.env.PROBESCOPE_REQUIRE_HOST) return false;
  if (!codeServerInstalled()) return 'code-server is not installed: run `npm run setup:host`';
  if (!existsSync(chromiumPath))
    return `no Chromium at ${chromiumPath} (apt-get install chromium, or set PROBESCOPE_CHROMIUM)`;
  return false;
}

export interface Host extends CodeServer {
  /** The VSIX that was installed. */
  vsix: string;
  browser: Browser;
  page: Page;
  state(): TestState | undefined;
  waitForState(pred: (s: TestState) => boolean, what: string, timeoutMs?: number, pollMs?: number): Promise<TestState>;
  /** Screenshot + code-server log tail for a failing test; never throws. */
  capture(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openHost(opts: Omit<StartOptions, 'vsix'> = {}): Promise<Host> {
  const vsix = ensureVsix();
  const server = await startCodeServer({ ...opts, vsix });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The Explorer shows the workspace once the remote file system is up: a sign the server side is ready.
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    const b = browser;
    return {
      ...server,
      vsix,
      browser: b,
      page,
      state: () => readState(server.stateFile),
      waitForState: (pred, what, timeoutMs, pollMs) => waitForState(server.stateFile, pred, what, timeoutMs, pollMs),
      capture: async (name) => {
        await screenshot(page, `failure-${name}`).catch(() => undefined);
        console.error(`--- code-server log tail (${name}) ---\n${server.log().slice(-4000)}`);
        for (const [file, tail] of extensionLogTails(server.tmp)) console.error(`--- ${file} (tail) ---\n${tail}`);
      },
      close: async () => {
        await b.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    console.error(server.log().slice(-4000));
    await server.stop();
    throw e;
  }
}

/** The last lines of the extension host's and Probescope's own logs under the profile, for a failing test's report. */
function extensionLogTails(tmp: string): [string, string][] {
  const logs = join(tmp, 'user-data', 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /(Probescope|exthost)\.log$/i.test(f))
    .map((f) => [f, readFileSync(join(logs, f), 'utf8').slice(-3000)]);
}

/** Runs a test's body; on failure saves a screenshot and the server log tail (host.capture) before rethrowing. */
export async function capturingFailures(host: Host, t: { name: string }, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    await host.capture(t.name.replace(/[^\w.-]+/g, '-'));
    throw e;
  }
}
