import { existsSync } from 'node:fs';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests skip here, or false when Chromium is installed. */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium); .ci/run installs it`;

/**
 * Headless Chromium as this machine runs it: no sandbox (root), and no background networking,
 * whose connections the closed network refuses.
 */
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

/**
 * Gives a page a virtual WebAuthn authenticator (CDP `WebAuthn.addVirtualAuthenticator`): a
 * platform authenticator with discoverable credentials and user verification, which answers
 * without a person touching it. It keeps a signature counter.
 */
export async function addVirtualAuthenticator(
  page: Page,
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/*
 * The ceremonies run in the page as source text: the test program has no DOM types, and what runs
 * is exactly what a web page would run.
 */
const CREATE = `async (json) => {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json);
  const credential = await navigator.credentials.create({ publicKey });
  return credential.toJSON();
}`;
const GET = `async (json) => {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json);
  const credential = await navigator.credentials.get({ publicKey });
  return credential.toJSON();
}`;

/** `navigator.credentials.create` in the page with server-made options; answers its JSON. */
export function createCredential(page: Page, options: unknown): Promise<Record<string, unknown>> {
  return page.evaluate<Record<string, unknown>>(`(${CREATE})(${JSON.stringify(options)})`);
}

/** `navigator.credentials.get` in the page with server-made options; answers its JSON. */
export function getAssertion(page: Page, options: unknown): Promise<Record<string, unknown>> {
  return page.evaluate<Record<string, unknown>>(`(${GET})(${JSON.stringify(options)})`);
}
