// The browser the page tests drive: Debian's chromium through playwright-core. A missing browser
// is a failure, never a skip (CI installs it).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// The flags a sandboxed, offline machine needs: no sandbox as root, and no background calls home.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is required (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** What a page did that it must not: requests to other origins, script errors, CSP violations. */
export interface PageFaults {
  readonly elsewhere: string[];
  readonly errors: string[];
}

export function watchFaults(page: Page, origin: string): PageFaults {
  const faults: PageFaults = { elsewhere: [], errors: [] };
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) faults.elsewhere.push(url);
  });
  page.on('pageerror', (error) => faults.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) faults.errors.push(message.text());
  });
  return faults;
}
