/**
 * Runs an extension-tests entry (the same one @vscode/test-electron runs in desktop VS Code) inside code-server's
 * extension host instead: the browser workbench takes extensionDevelopmentPath / extensionTestsPath from its URL
 * payload (as VS Code's own browser integration tests do) and reports the outcome through window.codeAutomationExit.
 */
import { format } from 'node:util';
import { launchChromium } from '../chromium';
import { startCodeServer } from '../integration/harness/codeServer';

export async function runInCodeServer(opts: {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  timeoutMs?: number;
}): Promise<number> {
  const server = await startCodeServer({});
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const exited = new Promise<number>(
      (resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)),
    );
    // The extension host's console (mocha's reporter) arrives here as format strings plus arguments.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      if (type === 'info') console.log(format(...(args as [string, ...unknown[]])));
    });
    const authority = new URL(server.url).host;
    const remote = (p: string): string => `vscode-remote://${authority}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(opts.extensionTestsPath)],
    ]);
    await page.goto(`${server.url}&payload=${encodeURIComponent(payload)}`);
    const timeoutMs = opts.timeoutMs ?? 300_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.error(`no result from the extension host within ${timeoutMs} ms:\n${server.log().slice(-4000)}`);
        resolve(1);
      }, timeoutMs);
    });
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    return code;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}
