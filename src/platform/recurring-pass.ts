/**
 * A background pass (one drain of a queue in the database) run on a timer and when kicked, never
 * two at once: a kick during a pass runs another right after it. With `kickDelayMs`, kicks that
 * come close together (the commits of a busy service) share one pass.
 */
export class RecurringPass {
  private timer: NodeJS.Timeout | null = null;
  private scheduled: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly options: {
      intervalMs: number;
      kickDelayMs?: number;
      /** Called when a pass is asked for while one runs (it will run again after). */
      whileRunning?: () => void;
    },
  ) {}

  /** Whether stop() was called: a long pass ends early. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    this.timer = setInterval(() => this.now(), this.options.intervalMs);
    this.timer.unref();
    this.now();
  }

  /** Runs a pass soon (at once without a kick delay), or right after the current one. */
  kick(): void {
    const delay = this.options.kickDelayMs ?? 0;
    if (delay === 0) {
      this.now();
      return;
    }
    if (this.stopped || this.scheduled) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      this.now();
    }, delay);
  }

  /** Runs a pass now, or once the current one ends. */
  private now(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.options.whileRunning?.();
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Takes no more passes and waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduled) clearTimeout(this.scheduled);
    await this.idle();
  }
}
