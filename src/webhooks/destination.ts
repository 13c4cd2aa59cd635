import { lookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/**
 * Where webhooks may send (CONTRACT.md): https anywhere, plain http only to a loopback address
 * outside production; in production only public unicast addresses, checked on the address a
 * connection is actually made to (after DNS resolution), so a name that resolves to a private
 * or metadata address is refused at send time too.
 */
export interface DestinationPolicy {
  production: boolean;
}

/** An address a webhook may connect to over `protocol`. */
export function addressAllowed(
  address: string,
  protocol: 'http:' | 'https:',
  { production }: DestinationPolicy,
): boolean {
  if (!ipaddr.isValid(address)) return false;
  const range = ipaddr.process(address).range();
  if (protocol === 'http:') return !production && range === 'loopback';
  return production ? range === 'unicast' : true;
}

/** Why a webhook URL is refused as written (before any DNS lookup), or null. */
export function urlProblem(raw: string, policy: DestinationPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const literal = isIP(host) !== 0;
  if (url.protocol === 'http:') {
    const loopbackName = host === 'localhost';
    if (
      policy.production ||
      !(loopbackName || (literal && addressAllowed(host, 'http:', policy)))
    ) {
      return policy.production
        ? 'must be an https URL'
        : 'must be an https URL (plain http only to a loopback address)';
    }
    return null;
  }
  if (literal && !addressAllowed(host, 'https:', policy)) {
    return 'must not point at a private, loopback, link-local or reserved address';
  }
  if (policy.production && (host === 'localhost' || host.endsWith('.localhost'))) {
    return 'must not point at a private, loopback, link-local or reserved address';
  }
  return null;
}

/** A refused destination: the attempt fails without a connection. */
export class DestinationRefusedError extends Error {
  readonly code = 'webhook_destination_refused';
}

/** `dns.lookup` that answers only allowed addresses, and fails when any address is refused. */
function checkedLookup(protocol: 'http:' | 'https:', policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    lookup(hostname, all, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const refused = addresses.find((a) => !addressAllowed(a.address, protocol, policy));
      const first = addresses[0];
      if (refused || !first) {
        const what = refused ? `${hostname} resolves to ${refused.address}` : `${hostname}`;
        callback(new DestinationRefusedError(`${what}: address not allowed`), '', 0);
        return;
      }
      if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** How long an idle connection to a receiver is kept for the next delivery. */
const KEEP_ALIVE_MS = 30_000;

/** The HTTP agents webhooks send through: one per scheme, each with its address check. */
export function destinationAgents(policy: DestinationPolicy): Record<'http:' | 'https:', Agent> {
  const agent = (protocol: 'http:' | 'https:') =>
    new Agent({
      keepAliveTimeout: KEEP_ALIVE_MS,
      connections: 4,
      connect: { lookup: checkedLookup(protocol, policy) },
    });
  return { 'http:': agent('http:'), 'https:': agent('https:') };
}
