/**
 * Headless Debian Chromium for the e2e, integration and code-server electron suites. The flags keep it off the
 * network (this machine has none: Chromium's background connections would be refused many at a time).
 */
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.PROBESCOPE_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}
