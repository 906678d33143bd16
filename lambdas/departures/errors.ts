/** Errors of the departure readers. */

/** A departure list could not be read at all (missing file, missing S3 object, no access). */
export class DepartureSourceError extends Error {
  override readonly name = "DepartureSourceError";
  constructor(
    /** The path, `s3://bucket/key` or store the list was read from. */
    readonly origin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`departure list ${origin}: ${message}`, options);
  }
}
