import type { Config } from '../config.js';
import type { RelyingParty } from './passkeys.service.js';

/**
 * The WebAuthn relying party: PUBLIC_URL's host is its id; ceremonies may come from PUBLIC_URL's
 * origin or APP_URL's (where the console runs, when that is elsewhere on the same site).
 */
export function relyingPartyOf(config: Config): RelyingParty {
  const origins = [
    ...new Set([config.http.publicUrl, config.http.appUrl].map((u) => new URL(u).origin)),
  ];
  return { id: new URL(config.http.publicUrl).hostname, name: config.app.name, origins };
}
