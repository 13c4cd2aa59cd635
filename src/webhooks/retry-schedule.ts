/** How long a delivery is retried from its first failure; then it is marked failed. */
export const RETRY_FOR_SECONDS = 24 * 3600;

/** How long a webhook may fail every attempt before it is switched off and its owner mailed. */
export const DEACTIVATE_AFTER_SECONDS = 3 * 24 * 3600;

/** The longest wait between two attempts. */
const MAX_DELAY_SECONDS = 4 * 3600;

/**
 * Seconds until the next attempt after the `failures`-th failed one: 5 s, 15 s, 45 s, 2¼ min …
 * tripling up to 4 h, each ±20 % at random so that receivers coming back are not hit by every
 * retry at once. The first two retries come within half a minute of the failure.
 */
export function retryDelaySeconds(failures: number, random: () => number = Math.random): number {
  const base = Math.min(5 * 3 ** Math.max(0, failures - 1), MAX_DELAY_SECONDS);
  return base * (0.8 + 0.4 * random());
}
