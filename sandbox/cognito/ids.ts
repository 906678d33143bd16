import { createHash, randomBytes } from "node:crypto";

const MIXED_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * `length` characters of `alphabet` derived from `seed`. Deterministic so that a scenario seeded
 * twice yields the same ids, which keeps test fixtures and benchmark output stable.
 */
function deriveChars(seed: string, alphabet: string, length: number): string {
  let out = "";
  for (let round = 0; out.length < length; round++) {
    const bytes = createHash("sha256").update(`${round}:${seed}`).digest();
    for (const byte of bytes) {
      if (out.length === length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A user pool id shaped like AWS's (`us-east-1_AbCdEf123`), derived from its name and creation order. */
export function derivePoolId(region: string, accountId: string, name: string, sequence: number): string {
  return `${region}_${deriveChars(`pool:${accountId}:${region}:${name}:${sequence}`, MIXED_ALNUM, 9)}`;
}

/** An app client id shaped like AWS's: 26 lowercase alphanumerics. */
export function deriveClientId(poolId: string, name: string, sequence: number): string {
  return deriveChars(`client:${poolId}:${name}:${sequence}`, LOWER_ALNUM, 26);
}

/** An app client secret shaped like AWS's: 51 lowercase alphanumerics. */
export function deriveClientSecret(clientId: string): string {
  return deriveChars(`secret:${clientId}`, LOWER_ALNUM, 51);
}

/** A version-4-looking UUID derived from `seed`, used as a user's `sub`. */
export function deriveUuid(seed: string): string {
  const hex = createHash("sha256").update(`sub:${seed}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The first 24 characters (`xxxxxxxx-xxxx-4xxx-8xxx-`) of the `sub` of every generated user of a
 * pool; the last 12 hex digits are the user's index, so a `sub` maps back to its user arithmetically.
 */
export function deriveGeneratedSubPrefix(poolId: string): string {
  return deriveUuid(`generated:${poolId}`).slice(0, 24);
}

/** A remembered-device key shaped like AWS's (`us-east-1_<uuid>`). */
export function newDeviceKey(region: string): string {
  const hex = randomBytes(16).toString("hex");
  return `${region}_${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random password that satisfies Cognito's default policy, for AdminCreateUser without one. */
export function newTemporaryPassword(): string {
  return `Tmp-${randomBytes(9).toString("base64url")}9a!A`;
}
