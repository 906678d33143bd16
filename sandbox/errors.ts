/**
 * An error the sandbox answers with, shaped like AWS's: an error code (`NoSuchEntity`,
 * `TooManyRequestsException`, ...), a message and the HTTP status AWS uses for it.
 * Each protocol module serialises it in its own wire format (Query XML or JSON).
 */
export class SandboxServiceError extends Error {
  override readonly name = "SandboxServiceError";
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `Sender` (client fault) or `Receiver` (server fault), as in Query error XML. */
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}
