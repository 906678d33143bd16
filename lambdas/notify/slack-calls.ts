/**
 * How the Slack notifier calls the Web API. Every failure is sorted by what it says about the work
 * asked for: refused or rate limited (Slack did nothing), never reached (nothing was done), or
 * ambiguous (Slack may have done it: a 5xx, `internal_error`, a connection reset or a timeout).
 * The notifier owns its retries, so only calls that are safe to repeat are repeated blind.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RetryOptions } from "@slack/web-api";
import { ErrorCode } from "@slack/web-api";
import { DeliveryError } from "../core/ports/notifier.ts";

/** What a failed call tells about the work it asked for. */
export type CallOutcome =
  /** Slack answered `ok: false` with an error that means it did nothing (`channel_not_found`, `invalid_auth`). */
  | { readonly kind: "refused"; readonly code: string }
  /**
   * HTTP 429: Slack did nothing; come back after `retryAfterMs`. `guessed` when the answer gave no
   * usable Retry-After and the wait is `DEFAULT_RATE_LIMIT_WAIT_MS`: not worth waiting out in a call.
   */
  | {
      readonly kind: "rate-limited";
      readonly code: string;
      readonly retryAfterMs: number;
      readonly guessed?: true;
    }
  /** The request never reached Slack (connection refused, no DNS answer). */
  | { readonly kind: "unreached"; readonly code: string }
  /** Slack may have done the work and the caller cannot tell. */
  | { readonly kind: "ambiguous"; readonly code: string };

/**
 * Platform errors after which Slack says part of the work may have been done: `internal_error` and
 * `fatal_error` ("It's possible some aspect of the operation succeeded before the error was raised"),
 * and `service_unavailable`, which does not say either way.
 */
const AMBIGUOUS_PLATFORM_ERRORS: ReadonlySet<string> = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
]);

/** Socket errors raised before a byte of the request left: nothing reached Slack. */
const UNREACHED_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/** How long to stay away after a 429 that says nothing usable about when to come back. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * How `@slack/web-api` (7.x, `WebClient.makeRequest`) rejects a 429 whose Retry-After is not a
 * number of seconds (an HTTP date, which RFC 9110 allows, or no header at all): a plain `Error`
 * with no `code`, whose message is the only trace of the header.
 */
const UNPARSED_RATE_LIMIT =
  /^Retry header did not contain a valid timeout \(url: .*, retry-after header: (.*)\)$/s;

/**
 * Sorts a `@slack/web-api` error (or anything a call threw) by what it says about the work. `now`
 * turns a Retry-After date into a wait.
 */
export function classifySlackError(error: unknown, now: Date = new Date()): CallOutcome {
  const unparsed = error instanceof Error ? UNPARSED_RATE_LIMIT.exec(error.message) : null;
  if (unparsed !== null) return rateLimitedUntil(unparsed[1] ?? "", now);
  const e = error as {
    code?: string;
    statusCode?: number;
    retryAfter?: number;
    data?: { error?: string };
    original?: { code?: string; cause?: { code?: string } };
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return { kind: "rate-limited", code: "ratelimited", retryAfterMs: (e.retryAfter ?? 1) * 1000 };
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? "unknown_error";
      if (code === "ratelimited" || code === "rate_limited")
        return { kind: "rate-limited", code, retryAfterMs: 1000 };
      return AMBIGUOUS_PLATFORM_ERRORS.has(code) ? { kind: "ambiguous", code } : { kind: "refused", code };
    }
    case ErrorCode.HTTPError:
      // Slack answers 200 or 429; anything else came from a failing server or proxy mid-request.
      return { kind: "ambiguous", code: `http_${e.statusCode ?? "unknown"}` };
    case ErrorCode.RequestError: {
      const socketCode = e.original?.code ?? e.original?.cause?.code ?? "request_error";
      return UNREACHED_CODES.has(socketCode)
        ? { kind: "unreached", code: socketCode }
        : { kind: "ambiguous", code: socketCode };
    }
    default:
      return { kind: "ambiguous", code: e.code ?? "unknown_error" };
  }
}

/** A 429 whose Retry-After the client could not read: a date is waited for, anything else a default minute. */
function rateLimitedUntil(retryAfter: string, now: Date): CallOutcome {
  const date = Date.parse(retryAfter);
  if (Number.isFinite(date))
    return { kind: "rate-limited", code: "ratelimited", retryAfterMs: Math.max(0, date - now.getTime()) };
  return {
    kind: "rate-limited",
    code: "ratelimited",
    retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
    guessed: true,
  };
}

/**
 * Whether a failed call ends here instead of being retried: a refusal, the last retry, or a 429
 * whose wait is too long (or only guessed) to spend inside the call.
 */
export function givesUp(outcome: CallOutcome, retry: number, wait: number, context: RetryContext): boolean {
  return (
    outcome.kind === "refused" ||
    retry > retriesOf(context.policy) ||
    (outcome.kind === "rate-limited" && (outcome.guessed === true || wait > context.maxRateLimitWaitMs))
  );
}

/** The delay before retry number `retry` (1-based), as p-retry computes it from the same options. */
export function retryDelayMs(policy: RetryOptions, retry: number): number {
  const min = policy.minTimeout ?? 1000;
  const max = policy.maxTimeout ?? Number.POSITIVE_INFINITY;
  const factor = policy.factor ?? 2;
  const random = policy.randomize ? 1 + Math.random() : 1;
  return Math.min(max, Math.round(random * min * factor ** Math.max(0, retry - 1)));
}

/** How many retries a policy allows. */
export function retriesOf(policy: RetryOptions): number {
  return policy.retries ?? 10;
}

/** What a retried call needs. */
export interface RetryContext {
  readonly policy: RetryOptions;
  /** A Retry-After longer than this is not waited out in the call: the error says when to come back. */
  readonly maxRateLimitWaitMs: number;
  readonly now: () => Date;
}

/**
 * Calls `fn`, retrying failures that are safe to repeat: for reads (and `conversations.open`, which
 * returns the same DM every time) that is every failure but a refusal. A 429 is waited out for its
 * full Retry-After. Throws a `DeliveryError` with Slack's code (and `retryAt` when rate limited).
 */
export async function callWithRetries<T>(
  method: string,
  context: RetryContext,
  fn: () => Promise<T>,
): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await fn();
    } catch (error) {
      const failedAt = context.now();
      const outcome = classifySlackError(error, failedAt);
      const wait =
        outcome.kind === "rate-limited" ? outcome.retryAfterMs : retryDelayMs(context.policy, retry);
      if (givesUp(outcome, retry, wait, context)) throw slackDeliveryError(method, error, outcome, failedAt);
      await sleep(wait);
    }
  }
}

/** A `DeliveryError` for a failed Slack call: Slack's code, what scope was missing, when to come back. */
export function slackDeliveryError(
  method: string,
  error: unknown,
  outcome: CallOutcome = classifySlackError(error),
  now: Date = new Date(),
): DeliveryError {
  return new DeliveryError(
    `Slack ${method} failed: ${describeSlackError(error, outcome)}`,
    {
      code: outcome.code,
      ...(outcome.kind === "rate-limited" ? { retryAt: new Date(now.getTime() + outcome.retryAfterMs) } : {}),
    },
    { cause: error },
  );
}

/** Slack's code, with the scope Slack says is needed when it is `missing_scope`. */
export function describeSlackError(error: unknown, outcome: CallOutcome = classifySlackError(error)): string {
  const data = (error as { data?: { needed?: string; provided?: string } }).data;
  if (outcome.code === "missing_scope" && data?.needed !== undefined)
    return `missing_scope (needed: ${data.needed}; the token has: ${data.provided ?? "?"})`;
  if (outcome.code === "not_in_channel")
    return "not_in_channel (the app is not a member of the channel: invite it there with /invite, see docs/notifications.md)";
  if (outcome.kind === "rate-limited")
    return outcome.guessed
      ? `ratelimited (no Retry-After in seconds or as a date; back in ${outcome.retryAfterMs / 1000} s)`
      : `ratelimited (Retry-After ${outcome.retryAfterMs / 1000} s)`;
  return outcome.code;
}

/** A failed call as a preflight reports it: Slack's code, what it says about the work, and the scope Slack asked for. */
export interface SlackFailure {
  readonly code: string;
  readonly kind: CallOutcome["kind"];
  /** With `missing_scope`: the scope(s) Slack says the method needs (its `needed` field). */
  readonly needed?: string;
  /** Slack's code, said as `describeSlackError` says it. */
  readonly description: string;
}

/**
 * Reads what a call failed with: the error `callWithRetries` threw (a `DeliveryError` whose cause
 * is the client's error) or the client's own error.
 */
export function slackFailure(error: unknown): SlackFailure {
  const original = error instanceof DeliveryError && error.cause !== undefined ? error.cause : error;
  const outcome = classifySlackError(original);
  const needed = (original as { data?: { needed?: unknown } } | undefined)?.data?.needed;
  return {
    code: outcome.code,
    kind: outcome.kind,
    ...(typeof needed === "string" ? { needed } : {}),
    description: describeSlackError(original, outcome),
  };
}
