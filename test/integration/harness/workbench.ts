/**
 * Playwright helpers that drive the VS Code workbench the way a user does: palette, quick picks, notifications,
 * editor selection, hovers, the Output panel and webview panels.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { repoRoot } from './vsix';

export const resultsDir = join(repoRoot, 'test-results');
const quickInput = '.quick-input-widget';
const quickRows = `${quickInput} .monaco-list-row`;
const quickInputBox = `${quickInput} .quick-input-box input`;

export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}`);
}

/** The quick input's text box. Type with fill/press on it, not page.keyboard: focus may sit in a webview. */
export function quickInputBoxOf(page: Page): Locator {
  return page.locator(quickInputBox).first();
}

async function quickInputVisible(page: Page): Promise<boolean> {
  return page.locator(quickInput).isVisible();
}

/** Escape only when a quick input is open: elsewhere Escape has meanings of its own (it clears our overlay). */
async function closeQuickInput(page: Page): Promise<void> {
  if (await quickInputVisible(page)) {
    await page.keyboard.press('Escape');
    await page.locator(quickInput).waitFor({ state: 'hidden' });
  }
}

async function firstRowText(page: Page): Promise<string> {
  const row = page.locator(quickRows).first();
  return (await row.isVisible()) ? await row.innerText() : '';
}

/**
 * Opens the palette (F1), types a command title and runs its row: the row whose label is the title, else the first
 * row whose label starts with it (titles such as "Output: Show Output Channels" end in "..."). The palette lists the
 * commands known when it opens (extension contributions arrive once the remote extension host has scanned), so it
 * reopens until the row shows up.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await closeQuickInput(page);
    await page.keyboard.press('F1');
    await page.locator(quickInput).waitFor({ state: 'visible' });
    await page.keyboard.type(title);
    const row = await poll(
      `palette row "${title}"`,
      async () => {
        const labels = (await page.locator(quickRows).allInnerTexts()).map((t) => t.split('\n')[0].trim());
        const exact = labels.indexOf(title);
        const index = exact >= 0 ? exact : labels.findIndex((l) => l.startsWith(title));
        return index >= 0 ? index + 1 : undefined; // 1-based so that row 0 is truthy
      },
      3000,
    ).catch(() => 0);
    if (row === 1) {
      await quickInputBoxOf(page).press('Enter');
      return;
    }
    if (row > 1) {
      await page
        .locator(quickRows)
        .nth(row - 1)
        .click();
      return;
    }
    if (Date.now() > deadline) throw new Error(`command "${title}" is not in the palette after ${timeoutMs} ms`);
  }
}

/** Quick Open: F1 then drop the '>' so the picker searches files; waits until the file's row is first. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  await page.locator(quickInput).waitFor({ state: 'visible' });
  await page.keyboard.press('Backspace');
  const name = relPath.split('/').pop()!;
  await page.keyboard.type(relPath);
  await poll(`quick open row "${name}"`, async () => (await firstRowText(page)).includes(name));
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).waitFor({ timeout: 20_000 });
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').waitFor();
}

/** Moves the cursor to a 1-based line with "Go to Line" and selects the whole line (no trailing newline). */
export async function selectLine(page: Page, line: number): Promise<void> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  await page.locator(quickInput).waitFor({ state: 'visible' });
  await page.keyboard.press('Backspace');
  await page.keyboard.type(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator(quickInput).waitFor({ state: 'hidden' });
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
}

/**
 * Accepts a sequence of quick picks with Enter. `choose` may pick a row by typing a filter first (e.g. the dataset
 * file). Stops when no quick input shows up again within `settleMs`.
 */
export async function acceptQuickPicks(
  page: Page,
  choose: (header: string) => string | undefined = () => undefined,
  settleMs = 3000,
  max = 8,
): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const shown = await poll('quick pick', async () => quickInputVisible(page), i === 0 ? 20_000 : settleMs).catch(
      () => false,
    );
    if (!shown) break;
    const header = await quickInputHeader(page);
    seen.push(header);
    const filter = choose(header);
    // Through the input itself, not page.keyboard: a webview that had focus can take it back just after a picker
    // opens (the picker stays, ignoreFocusOut), and keys would then go to the webview.
    const box = quickInputBoxOf(page);
    if (filter) {
      await box.fill(filter);
      await poll(`quick pick row matching "${filter}"`, async () => (await firstRowText(page)).includes(filter));
    }
    const before = await page.locator(quickInput).innerText();
    await box.press('Enter');
    // Next step: the widget hides, or (multi-step pickers) shows different content.
    await poll('next quick pick step', async () => {
      if (!(await quickInputVisible(page))) return true;
      return (await page.locator(quickInput).innerText()) !== before;
    });
  }
  return seen;
}

/** A quick input's title (with its step counter) and placeholder, e.g. "Probescope: Train Probe (1/4) | Dataset …". */
export async function quickInputHeader(page: Page): Promise<string> {
  const title = await page.locator(`${quickInput} .quick-input-title`).innerText();
  const placeholder = (await page.locator(`${quickInput} input`).first().getAttribute('placeholder')) ?? '';
  return `${title.trim()} | ${placeholder}`;
}

export async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
}

/** Waits for a notification toast whose text matches and returns that text. */
export async function waitForNotification(page: Page, match: RegExp, timeoutMs = 30_000): Promise<string> {
  try {
    return await poll(
      `notification ${match}`,
      async () => (await notificationTexts(page)).find((t) => match.test(t)),
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; toasts: ${JSON.stringify(await notificationTexts(page))}`);
  }
}

export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

/** Opens an output channel by name through "Output: Show Output Channels..." and returns the panel's text. */
export async function showOutputChannel(page: Page, name: string, match: RegExp, timeoutMs = 15_000): Promise<string> {
  await runCommand(page, 'Output: Show Output Channels');
  await page.keyboard.type(name);
  await poll(`output channel row "${name}"`, async () => (await firstRowText(page)).includes(name));
  await page.keyboard.press('Enter');
  const view = page.locator('.part.panel .monaco-editor .view-lines').first();
  return poll(
    `output "${name}" text ${match}`,
    async () => {
      const text = (await view.innerText()).replace(/\u00a0/g, ' '); // monaco renders spaces as no-break spaces
      return match.test(text) ? text : undefined;
    },
    timeoutMs,
  );
}

/** Finds the webview frame (panels are nested iframes) whose body text matches, returning its text. */
export async function webviewText(
  page: Page,
  match: RegExp,
  timeoutMs = 60_000,
): Promise<{ frame: Frame; text: string }> {
  return poll(
    `webview text ${match}`,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const text = await frame
          .locator('body')
          .innerText({ timeout: 1000 })
          .catch(() => '');
        if (match.test(text)) return { frame, text };
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** Screenshot into test-results/ (kept by CI as an artifact); returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
