/**
 * Keeps the secrets a delivery adapter holds out of what it says: an error body that echoes the
 * request (a proxy's debug page, an API quoting its headers) must not put a token in a
 * `DeliveryError`, a check's detail, a log line or a report.
 */
import { redact } from "../sources/github/github-errors.ts";

/** Fewest characters of a secret that are redacted on their own (a line cut through a token). */
const MIN_SECRET_PIECE = 12;

/**
 * Replaces each of `secrets` in `text` with `[REDACTED]`, and any run of 12 or more characters
 * that is a piece of one (a secret cut off, or quoted in parts); then GitHub's token shapes
 * (`ghp_…`, `github_pat_…`) whatever their value (`redact` of the GitHub source).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_PIECE) out = redactPieces(out, secret);
    else if (secret.length >= 4) out = out.split(secret).join("[REDACTED]");
  }
  return redact(out, secrets);
}

/** `text` with every longest run of at least `MIN_SECRET_PIECE` characters found in `secret` redacted. */
function redactPieces(text: string, secret: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    let length = 0;
    if (i + MIN_SECRET_PIECE <= text.length && secret.includes(text.slice(i, i + MIN_SECRET_PIECE))) {
      length = MIN_SECRET_PIECE;
      while (i + length < text.length && secret.includes(text.slice(i, i + length + 1))) length++;
    }
    if (length > 0) {
      out += "[REDACTED]";
      i += length;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}
