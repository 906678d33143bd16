/**
 * Deadlines for the HTTP clients that set none of their own. Octokit (the GitHub source and the
 * GitHub Issues sink) calls `fetch` with no timeout, and jira.js's axios has none by default: a
 * provider, proxy or firewall that accepts the connection and never answers would hold a scan
 * forever on a laptop, and until its deadline in Lambda. Slack's WebClient (30 s idle), the
 * Google client (30 s), the Okta SDK (120 s) and the AWS clients (`aws-clients.ts`, 60 s) have
 * theirs; docs/deploy.md, "Request deadlines", has the table.
 */

/**
 * How long one request to GitHub may take, to the last byte of its answer (`fetchWithDeadline`);
 * for Jira, axios's `timeout`, the longest silence while waiting for the answer.
 */
export const PROVIDER_REQUEST_TIMEOUT_MS = 30_000;

/** Statuses whose response has no body (a `Response` refuses one for them). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` with a deadline on each request, to the last byte of its answer (the caller's own
 * signal still aborts it too). The body is read here, inside the deadline, and handed on as a
 * copy: left to the caller, an answer that stalls after its headers would fail while Octokit
 * reads the body, and Octokit turns that failure into an empty `data` with status 200, an
 * empty page taken for "nothing there". A request over the deadline fails as an `Error` named
 * `TimeoutError`, code `ETIMEDOUT`, saying how long it waited: Octokit wraps it in a
 * `RequestError` with no response, which the GitHub code reads as "GitHub is unreachable
 * (ETIMEDOUT)" (a source problem for this run, a ticket left in the outbox for the next).
 */
export function fetchWithDeadline(
  timeoutMs: number = PROVIDER_REQUEST_TIMEOUT_MS,
  inner: typeof fetch = globalThis.fetch,
): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await inner(input, { ...init, signal });
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      const copy = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      // A new Response has no URL; Octokit reports the one the answer came from.
      Object.defineProperty(copy, "url", { value: response.url });
      return copy;
    } catch (error) {
      if (deadline.aborted && !init?.signal?.aborted) {
        throw Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), {
          name: "TimeoutError",
          code: "ETIMEDOUT",
          cause: error,
        });
      }
      throw error;
    }
  };
}
