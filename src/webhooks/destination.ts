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

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** An address a webhook may connect to over `protocol`. */
export function addressAllowed(
  address: string,
  protocol: 'http:' | 'https:',
  { production }: DestinationPolicy,
): boolean {
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  const range = ip.range();
  if (protocol === 'http:') return !production && range === 'loopback';
  if (!production) return true;
  // IPv6: only global unicast (2000::/3), which leaves out the IPv4-compatible ::a.b.c.d too.
  return range === 'unicast' && (ip.kind() === 'ipv4' || ip.match(GLOBAL_UNICAST_V6));
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
      const refused = addresses.some((a) => !addressAllowed(a.address, protocol, policy));
      const first = addresses[0];
      if (refused || !first) {
        // Which address it was stays out of the message: owners could map internal names.
        const why = `${hostname} resolves to an address that is not allowed (private, loopback, link-local or reserved)`;
        callback(new DestinationRefusedError(why), '', 0);
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
