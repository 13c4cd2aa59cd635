import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { Config } from '../config.js';

/** The certificate and key as the files hold them now, TLS 1.3 only (Fastify's `https`). */
export function secureContext(tls: NonNullable<Config['tls']>): SecureContextOptions {
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    minVersion: 'TLSv1.3',
  };
}

/**
 * Reads the certificate and key again (after a renewal) for new connections; connections already
 * open keep theirs. A pair that cannot be read leaves the one in use and throws.
 */
export function reloadCertificate(server: Server, tls: NonNullable<Config['tls']>): void {
  (server as unknown as HttpsServer).setSecureContext(secureContext(tls));
}
