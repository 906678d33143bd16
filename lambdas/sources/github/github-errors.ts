/**
 * Turns what Octokit throws into messages safe to record, and decides when a call is worth
 * retrying. Octokit's `RequestError` carries the request (headers, URL) and the response; a
 * problem or action record only gets the status and GitHub's `message`, secrets scrubbed.
 */

/** What went wrong on one GitHub call, in words that can be stored and shown. */
export interface GitHubFailure {
  /** HTTP status, or 0 when no answer came back. */
  readonly status: number;
  readonly message: string;
  /** The token is wrong or expired, or GitHub is unreachable: every later call fails alike. */
  readonly fatal: boolean;
  readonly forbidden: boolean;
  readonly notFound: boolean;
  readonly rateLimited: boolean;
}

interface ErrorShape {
  status?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  request?: { url?: unknown };
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

function shape(error: unknown): ErrorShape {
  return typeof error === "object" && error !== null ? (error as ErrorShape) : {};
}

function header(error: unknown, name: string): string | undefined {
  const value = shape(error).response?.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** Whether a status/message pair is one of GitHub's rate limits (primary or secondary). */
function isRateLimit(error: unknown, status: number): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  if (header(error, "x-ratelimit-remaining") === "0" || header(error, "retry-after") !== undefined)
    return true;
  return /rate limit/i.test(githubMessage(error) ?? "");
}

/** GitHub's own `message` from an error answer's body, when it has one. */
export function githubMessage(error: unknown): string | undefined {
  const data = shape(error).response?.data;
  if (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { message?: unknown }).message === "string"
  ) {
    return (data as { message: string }).message;
  }
  return undefined;
}

/** Describes an Octokit error without request headers, URLs with secrets, or the token. */
export function describeGitHubError(error: unknown, secrets: readonly string[]): GitHubFailure {
  const e = shape(error);
  const status = typeof e.status === "number" ? e.status : 0;
  // Octokit turns a failed fetch into a RequestError with status 500 and no response.
  const unreachable =
    e.response === undefined && !Array.isArray(e.errors) && (status === 500 || status === 0);
  // Minting a GitHub App installation token: a refusal here fails every later call alike.
  const minting =
    typeof e.request?.url === "string" && /\/app\/installations\/[^/]+\/access_tokens$/.test(e.request.url);
  let message: string;
  if (minting && !unreachable && status > 0) {
    const said = githubMessage(error);
    message =
      `GitHub refused to mint an installation token for the App (HTTP ${status}${said ? `: ${said}` : ""}); ` +
      "check sources.github.app.appId, installationId and privateKey";
  } else if (unreachable) {
    const cause = shape(e.cause);
    // The first code that is a name (`ECONNREFUSED`, `ETIMEDOUT`): a DOMException's is a number.
    const code = [shape(cause.cause).code, cause.code, e.code].find((c) => typeof c === "string");
    message = `GitHub is unreachable (${typeof code === "string" ? code : "network error"})`;
  } else if (Array.isArray(e.errors)) {
    // A GraphQL answer with errors: keep GitHub's messages, not the query or variables.
    const said = e.errors
      .map((x) =>
        typeof x === "object" && x !== null ? String((x as { message?: unknown }).message ?? "") : "",
      )
      .filter((m) => m !== "")
      .join("; ");
    message = `GitHub GraphQL error: ${said || "unknown"}`;
  } else if (status > 0) {
    const said = githubMessage(error);
    message = `GitHub answered HTTP ${status}${said ? `: ${said}` : ""}`;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  const rateLimited = !unreachable && isRateLimit(error, status);
  return {
    status: unreachable ? 0 : status,
    message: redact(message, secrets),
    fatal: unreachable || status === 401 || (minting && status > 0),
    forbidden: status === 403 && !rateLimited,
    notFound: status === 404,
    rateLimited,
  };
}

/**
 * How long to wait before retrying a rate-limited call, per GitHub's "Rate limits for the REST
 * API": `retry-after` seconds when given; else until `x-ratelimit-reset` when
 * `x-ratelimit-remaining` is 0; else (a secondary limit without headers) one minute.
 * `undefined`: not a rate limit, do not retry.
 */
export function retryDelayMs(error: unknown, nowMs: number): number | undefined {
  const status = shape(error).status;
  if (typeof status !== "number" || !isRateLimit(error, status)) return undefined;
  const retryAfter = Number(header(error, "retry-after"));
  if (Number.isFinite(retryAfter) && header(error, "retry-after") !== undefined)
    return Math.max(0, retryAfter * 1000);
  const reset = Number(header(error, "x-ratelimit-reset"));
  if (header(error, "x-ratelimit-remaining") === "0" && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - nowMs);
  }
  return 60_000;
}

/** Replaces every secret (and any `token ...`/`Bearer ...` value) in `text` with `[REDACTED]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[REDACTED]");
  }
  return out.replace(/\b(gh[pousr]_[A-Za-z0-9_]{10,}|github_pat_[A-Za-z0-9_]{10,})/g, "[REDACTED]");
}
