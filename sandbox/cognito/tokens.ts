import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from "node:crypto";

interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
}

// One key pair per process: generating a 2048-bit RSA key costs tens of milliseconds, far too much
// to pay on every `seed`, and tokens only need to verify against this process's JWKS.
let signingKey: SigningKey | undefined;

function currentKey(): SigningKey {
  if (signingKey === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const der = publicKey.export({ type: "spki", format: "der" });
    signingKey = { privateKey, publicKey, kid: createHash("sha256").update(der).digest("base64") };
  }
  return signingKey;
}

/** Claims of a token the sandbox issued, as decoded from its payload. */
export type JwtClaims = Record<string, unknown>;

/** Signs `claims` as an RS256 JWT whose header names the sandbox key's `kid`, as Cognito's do. */
export function signJwt(claims: JwtClaims): string {
  const key = currentKey();
  const header = Buffer.from(JSON.stringify({ kid: key.kid, alg: "RS256" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

/** The claims of `token` when it is a JWT signed by this process's key, otherwise `undefined`. */
export function verifyJwt(token: string): JwtClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${header}.${payload}`),
    currentKey().publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!ok) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? (claims as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON Web Key Set a relying party would fetch from `<issuer>/.well-known/jwks.json`. */
export function signingJwks(): { keys: Record<string, unknown>[] } {
  const key = currentKey();
  return { keys: [{ ...key.publicKey.export({ format: "jwk" }), kid: key.kid, alg: "RS256", use: "sig" }] };
}

const REFRESH_HEADER = Buffer.from(JSON.stringify({ cty: "JWT", enc: "A256GCM", alg: "RSA-OAEP" })).toString(
  "base64url",
);

/**
 * A new opaque refresh token. Cognito's are five-part JWEs whose content only Cognito can read; this
 * one has the same outward shape but random parts, and the sandbox tracks its meaning server-side.
 */
export function newRefreshToken(): string {
  const part = (bytes: number) => randomBytes(bytes).toString("base64url");
  return `${REFRESH_HEADER}.${part(256)}.${part(12)}.${part(96)}.${part(16)}`;
}

/** A random opaque session handle for a pending auth challenge. */
export function newSession(): string {
  return randomBytes(96).toString("base64url");
}
