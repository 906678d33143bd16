/**
 * Reading failures of Google calls without keeping what the client library attached to them.
 * A gaxios error carries its request config: headers with the bearer token, the form body with
 * the signed JWT assertion. None of that may reach a problem, an action record or a log, so every
 * failure is reduced here to status, reason and a scrubbed message before anything else sees it.
 */

/** What a failed Google call says, with nothing of the request that caused it. */
export interface GoogleFailure {
  /** HTTP status, when the provider answered. */
  readonly status?: number;
  /** Google's `errors[0].reason` (`notFound`, `userRateLimitExceeded`) or the OAuth error code. */
  readonly reason?: string;
  /** A network error code (`ECONNREFUSED`) when the provider did not answer. */
  readonly code?: string;
  /** Whether the failure came from the OAuth token endpoint rather than the Directory API. */
  readonly atTokenEndpoint: boolean;
  /** Seconds the provider asked us to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds?: number;
  /** One line, scrubbed of anything that looks like key material or a token. */
  readonly message: string;
}

/** A Directory API or token endpoint call failed. The message is scrubbed; the cause carries no request. */
export class GoogleWorkspaceApiError extends Error {
  override readonly name = "GoogleWorkspaceApiError";
  readonly status?: number;
  readonly reason?: string;
  constructor(failure: GoogleFailure) {
    super(failure.message, { cause: scrubbedCause(failure) });
    this.status = failure.status;
    this.reason = failure.reason;
  }
}

/**
 * The source as a whole cannot work: the token endpoint refused the service account, the API
 * refused the token, or the provider cannot be reached. One such problem replaces a problem per person.
 */
export class GoogleWorkspaceUnavailableError extends Error {
  override readonly name = "GoogleWorkspaceUnavailableError";
  readonly status?: number;
  readonly reason?: string;
  constructor(failure: GoogleFailure) {
    super(
      `Google Workspace is unavailable${failure.atTokenEndpoint ? " (token endpoint)" : ""}: ${failure.message}`,
      { cause: scrubbedCause(failure) },
    );
    this.status = failure.status;
    this.reason = failure.reason;
  }
}

/** The service account key secret cannot be used. Never quotes the secret. */
export class GoogleWorkspaceConfigError extends Error {
  override readonly name = "GoogleWorkspaceConfigError";
}

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
// Connection refused and unknown host are not retried: the provider is not there, waiting will not help.
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "AbortError",
]);
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** Whether waiting and calling again may succeed: rate limits (429, 403 with a quota reason) and 5xx. */
export function isRetryable(failure: GoogleFailure): boolean {
  if (failure.status === 429) return true;
  if (failure.status === 403 && failure.reason !== undefined && RATE_LIMIT_REASONS.has(failure.reason)) {
    return true;
  }
  if (failure.status !== undefined) return TRANSIENT_STATUSES.has(failure.status);
  return failure.code !== undefined && TRANSIENT_CODES.has(failure.code);
}

/**
 * Whether the failure is about the source, not the person: a refused service account, a refused
 * token, an unreachable provider. Per-person work stops at the first one.
 */
export function isSourceLevel(failure: GoogleFailure): boolean {
  if (failure.atTokenEndpoint) return true;
  if (failure.status === 401) return true;
  // Scopes missing from the domain-wide delegation grant: every call will fail the same way.
  if (failure.status === 403 && failure.reason === "insufficientPermissions") return true;
  if (failure.status === undefined) {
    return (
      failure.code === undefined || UNREACHABLE_CODES.has(failure.code) || TRANSIENT_CODES.has(failure.code)
    );
  }
  return false;
}

/** Whether the provider said the thing asked about does not exist. */
export function isNotFound(failure: GoogleFailure): boolean {
  return failure.status === 404;
}

/**
 * Reduces anything a Google call threw to a `GoogleFailure`. Reads only the response status, the
 * error body's reason and message, and the error code; never the request.
 */
export function readFailure(error: unknown, tokenUrls: readonly string[]): GoogleFailure {
  if (typeof error !== "object" || error === null) {
    return { atTokenEndpoint: false, message: scrub(String(error)) };
  }
  const e = error as {
    message?: unknown;
    code?: unknown;
    status?: unknown;
    cause?: unknown;
    config?: { url?: unknown };
    response?: { status?: unknown; data?: unknown; headers?: unknown };
  };
  const status = typeof e.response?.status === "number" ? e.response.status : undefined;
  const data = e.response?.data;
  const url = e.config?.url === undefined ? undefined : String(e.config.url);
  const oauthError = readOAuthError(data);
  const atTokenEndpoint = oauthError !== undefined || (url !== undefined && tokenUrls.includes(url));
  const googleError = readGoogleError(data);
  const code = networkCode(e);
  const reason = googleError?.reason ?? oauthError?.error;
  let message: string;
  if (googleError !== undefined) {
    message = `${status ?? "error"} ${googleError.reason ?? ""}: ${googleError.message}`.replace(/ :/, ":");
  } else if (oauthError !== undefined) {
    message = `${status ?? "error"} ${oauthError.error}${oauthError.description ? `: ${oauthError.description}` : ""}`;
  } else if (status !== undefined) {
    message = `HTTP ${status}`;
  } else if (code !== undefined) {
    message = `no response (${code})`;
  } else {
    // Only the first line: gaxios appends request details to some messages.
    message = typeof e.message === "string" ? (e.message.split("\n")[0] ?? "") : "unknown error";
  }
  return {
    status,
    reason,
    code: status === undefined ? code : undefined,
    atTokenEndpoint,
    retryAfterSeconds: retryAfter(e.response?.headers),
    message: scrub(message),
  };
}

/** Turns a failure into the `{ name, message }` an action record carries. */
export function recordError(failure: GoogleFailure): { name: string; message: string } {
  const error = isSourceLevel(failure)
    ? new GoogleWorkspaceUnavailableError(failure)
    : new GoogleWorkspaceApiError(failure);
  return { name: error.name, message: error.message };
}

const SCRUBBERS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, "[private key]"],
  [/MII[A-Za-z0-9+/=]{40,}/g, "[key material]"],
  [/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, "[jwt]"],
  [/\bya29\.[\w.-]+/g, "[access token]"],
  [/\b(bearer)\s+[\w.~+/=-]+/gi, "$1 [token]"],
  [
    /\b(access_token|refresh_token|id_token|assertion|private_key)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi,
    "$1$2[redacted]",
  ],
];

/** Removes anything that looks like key material or a token, and bounds the length. */
export function scrub(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUBBERS) out = out.replace(pattern, replacement);
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

function scrubbedCause(failure: GoogleFailure): Error {
  // A fresh error, so whoever logs `cause` finds the status and reason, not gaxios' request config.
  const cause = new Error(failure.message);
  cause.name = failure.code ?? (failure.status === undefined ? "GoogleError" : `HTTP${failure.status}`);
  return cause;
}

function readGoogleError(data: unknown): { reason?: string; message: string } | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return undefined;
  const body = error as { message?: unknown; errors?: unknown };
  const first = Array.isArray(body.errors) ? (body.errors[0] as { reason?: unknown } | undefined) : undefined;
  return {
    reason: typeof first?.reason === "string" ? first.reason : undefined,
    message: typeof body.message === "string" ? body.message : "no message",
  };
}

function readOAuthError(data: unknown): { error: string; description?: string } | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const body = data as { error?: unknown; error_description?: unknown };
  if (typeof body.error !== "string") return undefined;
  return {
    error: body.error,
    description: typeof body.error_description === "string" ? body.error_description : undefined,
  };
}

function networkCode(error: { code?: unknown; cause?: unknown; name?: unknown }): string | undefined {
  if (typeof error.code === "string") return error.code;
  const cause = error.cause as { code?: unknown; cause?: unknown; name?: unknown } | undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  const inner = cause?.cause as { code?: unknown } | undefined;
  if (inner && typeof inner.code === "string") return inner.code;
  if (cause && (cause.name === "TimeoutError" || cause.name === "AbortError")) return cause.name;
  return undefined;
}

function retryAfter(headers: unknown): number | undefined {
  let value: unknown;
  if (headers instanceof Headers) value = headers.get("retry-after");
  else if (typeof headers === "object" && headers !== null)
    value = (headers as Record<string, unknown>)["retry-after"];
  if (typeof value !== "string") return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
