/**
 * Just enough JWS for the local provider fakes to check what real clients send: split a compact
 * JWT and verify its RS256 or ES256 signature with a public key (node:crypto only). The fakes
 * check the claims themselves, each as its provider documents.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";

/** A compact JWT taken apart. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

function json(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS; `undefined` when it is not three base64url parts of JSON. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = json(h);
  const payload = json(p);
  if (!header || !payload) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, "base64url") };
}

/** A public key given as PEM, a JWK, or a `KeyObject` (a private key yields its public half). */
export type PublicKeyInput = string | KeyObject | JsonWebKey;

export function toPublicKey(key: PublicKeyInput): KeyObject {
  if (typeof key === "string") return createPublicKey(key);
  if ("type" in key && typeof (key as KeyObject).export === "function") {
    const k = key as KeyObject;
    return k.type === "private" ? createPublicKey(k) : k;
  }
  return createPublicKey({ key: key as JsonWebKey, format: "jwk" });
}

/** Whether `jwt` carries a valid RS256 or ES256 signature by `key`; other algorithms are refused. */
export function verifyJwtSignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const alg = jwt.header.alg;
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === "RS256" && key.asymmetricKeyType === "rsa") {
      return verify("sha256", data, key, jwt.signature);
    }
    if (alg === "ES256" && key.asymmetricKeyType === "ec") {
      return verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, jwt.signature);
    }
  } catch {
    return false;
  }
  return false;
}
