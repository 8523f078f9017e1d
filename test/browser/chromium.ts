import { chromium, type Browser } from 'playwright-core';

/**
 * Launches Debian's Chromium (`apt-get install chromium`) through playwright-core, headless.
 * We never download Playwright's own browser build (`npx playwright install` fails here);
 * CHROMIUM_PATH points elsewhere when the browser lives somewhere else.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
