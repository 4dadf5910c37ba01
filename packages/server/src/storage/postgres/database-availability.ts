/**
 * How long the outcome of a statement stands for the state of the database, in milliseconds.
 * Within it, a readiness check reuses the outcome instead of running a statement of its own.
 */
export const OUTCOME_FRESH_MS = 1_000;

/** How long the readiness probe's `select 1` may take before the database counts as unavailable, in milliseconds. */
export const PROBE_TIMEOUT_MS = 1_000;

/**
 * Tracks whether PostgreSQL responded recently, for a readiness check. The pool reports the outcome
 * of every connection attempt and statement. `isAvailable` trusts an outcome younger than
 * `OUTCOME_FRESH_MS` and otherwise runs one probe, which concurrent callers share. So a busy
 * process adds no statements at all, and an idle one adds at most one probe a second.
 */
export class DatabaseAvailability {
  readonly #probe: () => Promise<unknown>;
  readonly #now: () => number;
  #lastSuccessAt = Number.NEGATIVE_INFINITY;
  #lastOutageAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<boolean> | undefined;

  /** `probe` runs a trivial statement through the same pool; `now` returns milliseconds. */
  constructor(probe: () => Promise<unknown>, now: () => number = Date.now) {
    this.#probe = probe;
    this.#now = now;
  }

  /** Records that the database responded, with a result or with an error that is not an outage. */
  recordSuccess(): void {
    this.#lastSuccessAt = this.#now();
  }

  /** Records a `StorageUnavailableError`: the database could not be reached or could not serve. */
  recordOutage(): void {
    this.#lastOutageAt = this.#now();
  }

  /**
   * Resolves true when the latest outcome, fresh or probed, was a response from the database, and
   * false when it was an outage or the probe took longer than `PROBE_TIMEOUT_MS`. At most one
   * probe runs at a time, even when a slow one outlasts the timeout.
   */
  isAvailable(): Promise<boolean> {
    const latest = Math.max(this.#lastSuccessAt, this.#lastOutageAt);
    if (this.#now() - latest < OUTCOME_FRESH_MS) {
      return Promise.resolve(this.#lastSuccessAt >= this.#lastOutageAt);
    }
    this.#inflight ??= this.#probe()
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        this.#inflight = undefined;
      });
    return withinTimeout(this.#inflight);
  }
}

async function withinTimeout(probe: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
