/**
 * Small helpers every part of the `aws-iam` source shares: reading AWS errors, counting
 * calls (so a benchmark can compare call counts), bounded concurrency and a token bucket.
 */
import type { MetadataBearer, MiddlewareStack } from "@smithy/types";

/** The name and message of an error, as an `ActionRecord` or `SourceProblem` records it. */
export function errorInfo(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/**
 * Whether `error` is the AWS error `code` (e.g. `NoSuchEntity`). The SDK names error classes
 * `<Code>Exception` and keeps the wire code in `Code`; both are accepted.
 */
export function isAwsError(error: unknown, ...codes: readonly string[]): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; Code?: unknown };
  return codes.some(
    (code) =>
      e.name === code || e.name === `${code}Exception` || e.Code === code || e.Code === `${code}Exception`,
  );
}

/**
 * Marks IAM's `LimitExceeded` (a quota: 2,048 characters of a user's inline policies, ten managed
 * policies a user) as final for this one command. The SDK lists `LimitExceededException` among its
 * throttling errors, so it would retry the write for up to a minute and slow the shared client
 * (adaptive retry) although the answer can only be the same. The error keeps IAM's code as its
 * name (`LimitExceeded`, which `isAwsError(error, "LimitExceeded")` still recognises).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export function quotaErrorsFinal<C extends object>(command: C): C {
  // Every SDK v3 command has its own middleware stack; its input and output types do not matter here.
  const { middlewareStack } = command as unknown as {
    middlewareStack: MiddlewareStack<object, MetadataBearer>;
  };
  // The deserialize step runs inside the retry middleware, so the retry decision sees the new name.
  middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && error.name === "LimitExceededException") error.name = "LimitExceeded";
        throw error;
      }
    },
    // High priority: outside the SDK's own deserializer in this step, so the parsed error is what it sees.
    { step: "deserialize", priority: "high", name: "iamHygieneQuotaErrorsFinal" },
  );
  return command;
}

/** Counts API calls by operation. Counts what this source asked for, not the SDK's retries. */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  /** Runs `call`, counting it under `operation` (`iam:ListUsers`). */
  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.count(operation);
    return call();
  }

  /** Counts one call made elsewhere (a paginator's page). */
  count(operation: string, n = 1): void {
    this.#counts.set(operation, (this.#counts.get(operation) ?? 0) + n);
  }

  /** Counts by operation, plus `calls.total`, ready for `Discovery.stats`. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    let total = 0;
    for (const [operation, n] of this.#counts) {
      out[`calls.${operation}`] = n;
      total += n;
    }
    out["calls.total"] = total;
    return out;
  }
}

/** Bounded concurrency, shared with the rest of the code (`core/concurrency.ts`). */
export { mapLimit as mapLimited } from "../../core/concurrency.ts";

/**
 * A token bucket that keeps a caller under a request rate, waiting with the injected
 * `sleep`. CloudTrail's LookupEvents allows 2 requests per second per account and region:
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly nowMs: () => number,
    private readonly capacity = Math.max(1, Math.floor(ratePerSecond)),
  ) {
    this.#tokens = capacity;
    this.#last = nowMs();
  }

  /**
   * Waits until a request may be sent, then takes its token. Waits are reserved ahead
   * (`#last` may lie in the future), so concurrent callers queue up instead of racing, and a
   * `sleep` that returns at once (tests) never makes the bucket spin.
   */
  async take(): Promise<void> {
    const now = this.nowMs();
    const elapsed = Math.max(0, now - this.#last);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed / 1000) * this.ratePerSecond);
    this.#last = Math.max(this.#last, now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return;
    }
    const waitMs = Math.ceil(((1 - this.#tokens) / this.ratePerSecond) * 1000);
    this.#tokens = 0;
    this.#last += waitMs;
    await this.sleep(this.#last - now);
  }
}
