import { RateLimitedError } from '../domain/errors.js';
import type { Cache } from '../platform/cache.js';

/** Failures counted per account within this window. */
const WINDOW_SECONDS = 15 * 60;
const ACCOUNT_FAILURES = 10;
const IP_FAILURES = 100;
/** Lockouts grow 1, 2, 4 … minutes, never beyond an hour: an attacker cannot lock a user out for good. */
const FIRST_LOCK_SECONDS = 60;
const MAX_LOCK_SECONDS = 60 * 60;
const LOCK_MEMORY_SECONDS = 24 * 60 * 60;

const keys = (scope: 'a' | 'ip', id: string) => ({
  failures: `lf:${scope}:${id}`,
  lock: `lock:${scope}:${id}`,
  locks: `locks:${scope}:${id}`,
});

/** Brute-force protection for password login: per account and per client IP. */
export class LoginThrottle {
  constructor(private readonly cache: Cache) {}

  /** Throws 429 with Retry-After while the account or the IP is locked out. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [account, client] = await Promise.all([
      this.cache.ttl(keys('a', email.toLowerCase()).lock),
      this.cache.ttl(keys('ip', ip).lock),
    ]);
    const wait = Math.max(account ?? 0, client ?? 0);
    if (wait > 0) throw new RateLimitedError(wait, 'Too many failed logins; try again later');
  }

  /** Counts a failure; a threshold reached starts a lockout that grows with each repeat. */
  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      this.count(keys('a', email.toLowerCase()), ACCOUNT_FAILURES),
      this.count(keys('ip', ip), IP_FAILURES),
    ]);
  }

  /** A successful login clears the account's failure count (not its lockout history). */
  async recordSuccess(email: string): Promise<void> {
    await this.cache.del(keys('a', email.toLowerCase()).failures);
  }

  private async count(k: ReturnType<typeof keys>, threshold: number): Promise<void> {
    const failures = await this.cache.incr(k.failures, WINDOW_SECONDS);
    if (failures === null || failures < threshold) return;
    const locks = (await this.cache.incr(k.locks, LOCK_MEMORY_SECONDS)) ?? 1;
    const seconds = Math.min(FIRST_LOCK_SECONDS * 2 ** (locks - 1), MAX_LOCK_SECONDS);
    await this.cache.set(k.lock, '1', seconds);
    await this.cache.del(k.failures);
  }
}
