/**
 * Turns what the Okta SDK throws into messages safe to record. The SDK's errors keep the response
 * headers and the request URL; a problem or action record only ever gets the status, Okta's error
 * code and summary, with the API token scrubbed in case a proxy echoed it back.
 */

/** What went wrong on one Okta call, in words that can be stored and shown. */
export interface OktaFailure {
  /** HTTP status, or 0 when no answer came back. */
  readonly status: number;
  /** Okta's `errorCode` (`E0000007`), when the body carried one. */
  readonly code?: string;
  readonly message: string;
  /** Every later call would fail the same way: bad token, missing role, org unreachable. */
  readonly fatal: boolean;
  readonly notFound: boolean;
  readonly rateLimited: boolean;
}

/** A call to Okta failed; carries a scrubbed message and the SDK error as `cause`. */
export class OktaRequestError extends Error {
  override readonly name = "OktaRequestError";
  constructor(
    readonly failure: OktaFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/** Describes an error thrown by the Okta SDK (or node-fetch under it) without leaking secrets. */
/**
 * Describes what the token endpoint answered when it refused a service app. @okta/okta-sdk-nodejs
 * 7.3 does not turn that answer into an error (its OAuth code calls `Http.errorFilter` on the
 * wrong export), so the source reads the answer itself: `{ error, error_description }`, Okta's
 * words, which name no secret.
 */
export function describeTokenRefusal(answer: unknown, secrets: readonly string[]): OktaFailure {
  const a = (typeof answer === "object" && answer !== null ? answer : {}) as Record<string, unknown>;
  const error = typeof a.error === "string" ? a.error : "no access token";
  const description = typeof a.error_description === "string" ? `: ${a.error_description}` : "";
  const hint =
    error === "invalid_scope"
      ? "check that sources.okta.oauth.scopes are granted to the app"
      : error === "invalid_client"
        ? "check sources.okta.oauth.clientId and that the private key matches a public key registered for the app"
        : "check sources.okta.oauth";
  return {
    status: error === "invalid_client" ? 401 : 400,
    message: redact(
      `Okta refused the service app's access token request (${error}${description}); ${hint}`,
      secrets,
    ),
    fatal: true,
    notFound: false,
    rateLimited: false,
  };
}

export function describeOktaError(error: unknown, secrets: readonly string[]): OktaFailure {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const status = typeof e.status === "number" ? e.status : Number.parseInt(String(e.status ?? "0"), 10) || 0;
  const code = typeof e.errorCode === "string" ? e.errorCode : undefined;
  const summary = typeof e.errorSummary === "string" ? e.errorSummary : "";
  const systemCode = typeof e.code === "string" ? e.code : undefined;
  const tokenRequest = typeof e.url === "string" && e.url.includes("/oauth2/v1/token");
  let message: string;
  if (status > 0 && tokenRequest) {
    message =
      status === 400
        ? "Okta refused the service app's access token request (HTTP 400): check that sources.okta.oauth.scopes are granted to the app"
        : `Okta refused the service app's access token request (HTTP ${status}): check sources.okta.oauth.clientId ` +
          "and that the private key matches a public key registered for the app";
  } else if (status > 0) {
    message = `Okta answered HTTP ${status}${code ? ` ${code}` : ""}${summary ? `: ${summary}` : ""}`;
  } else if (systemCode !== undefined || e.name === "FetchError") {
    // node-fetch's message names the URL only; keep the reason, drop the rest.
    message = `Okta is unreachable (${systemCode ?? "network error"})`;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  const unreachable = status === 0 && (e.name === "FetchError" || NETWORK_CODES.has(systemCode ?? ""));
  return {
    status,
    ...(code === undefined ? {} : { code }),
    message: redact(message, secrets),
    // 401: the token is wrong or revoked. 403 E0000006: the token's admin lacks the role. Either
    // way every other person would fail the same way, so the scan records it once.
    fatal:
      status === 401 ||
      (status === 403 && code === "E0000006") ||
      unreachable ||
      (tokenRequest && status > 0),
    notFound: status === 404,
    rateLimited: status === 429 || message.includes("okta.client.rateLimit"),
  };
}

/** Replaces every secret (and any `SSWS ...`, `Bearer ...` or `DPoP ...` value) in `text` with `[REDACTED]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[REDACTED]");
  }
  return out
    .replace(/SSWS\s+\S+/g, "SSWS [REDACTED]")
    .replace(/\b(Bearer|DPoP)\s+[\w.~+/=-]{8,}/g, "$1 [REDACTED]");
}
