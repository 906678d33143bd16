/**
 * Exponential backoff and bounded concurrency for Directory API calls. Google asks clients to back
 * off exponentially on 429 and on 403 `rateLimitExceeded` / `userRateLimitExceeded`; gaxios' own
 * retry covers neither the 403s nor POST, so this source turns it off and retries here, in one place.
 */
import { type GoogleFailure, isRetryable } from "./errors.ts";

/** How hard to retry a rate-limited or transiently failing call. */
export interface BackoffOptions {
  /** Calls in all, the first included. @default 5 */
  readonly maxAttempts: number;
  /** First wait; doubles on each retry. @default 1000 */
  readonly baseDelayMs: number;
  /** No single wait is longer than this, `Retry-After` included. @default 32000 */
  readonly maxDelayMs: number;
}

/** Google's recommended shape: 1 s, 2 s, 4 s, ... capped at 32 s, plus jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 32_000 };

/**
 * Calls `call` until it succeeds, fails in a way waiting cannot fix, or runs out of attempts.
 * Rethrows the last error unchanged; `onRetry` counts retries for the discovery stats.
 */
export async function withBackoff<T>(
  call: () => Promise<T>,
  read: (error: unknown) => GoogleFailure,
  options: BackoffOptions,
  onRetry?: (failure: GoogleFailure) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = read(error);
      if (attempt >= options.maxAttempts || !isRetryable(failure)) throw error;
      onRetry?.(failure);
      await sleep(delayFor(attempt, failure, options));
    }
  }
}

function delayFor(attempt: number, failure: GoogleFailure, options: BackoffOptions): number {
  const exponential = options.baseDelayMs * 2 ** (attempt - 1);
  const jitter = Math.random() * options.baseDelayMs;
  const asked = failure.retryAfterSeconds === undefined ? 0 : failure.retryAfterSeconds * 1000;
  return Math.min(options.maxDelayMs, Math.max(exponential + jitter, asked));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
