interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * A warning for a dependency that fails on every request while it is down: logged at most once
 * per `intervalMs` (10 s), not once per request.
 */
export function throttledWarning(
  log: Logger,
  msg: string,
  intervalMs = 10_000,
): (details: object) => void {
  let warnedAt = 0;
  return (details) => {
    if (Date.now() - warnedAt <= intervalMs) return;
    warnedAt = Date.now();
    log.warn(details, msg);
  };
}
