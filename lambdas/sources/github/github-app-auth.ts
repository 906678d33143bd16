/**
 * GitHub App authentication without another package: an RS256 JWT signed with node:crypto, then
 * `POST /app/installations/{installation_id}/access_tokens` for an installation token, cached
 * until shortly before its `expires_at`. Per GitHub's "Generating a JSON Web Token (JWT) for a
 * GitHub App": `iat` 60 seconds in the past against clock drift, `exp` no more than 10 minutes
 * ahead, `iss` the App's ID (or client ID), signed RS256; and per "Generating an installation
 * access token for a GitHub App": installation tokens expire after one hour.
 */
import { createPrivateKey, createSign, type KeyObject } from "node:crypto";
import type { Octokit } from "@octokit/rest";

/** A GitHub App and its installation on the org. */
export interface GitHubAppCredentials {
  /** The App's ID (or its client ID): the JWT's `iss`. */
  readonly appId: string | number;
  readonly installationId: number;
  /** The App's private key, PEM as GitHub downloads it. */
  readonly privateKey: string;
}

/** A GitHub App private key node:crypto cannot read, or not an RSA key. */
export class GitHubAppKeyError extends Error {
  override readonly name = "GitHubAppKeyError";
}

/** Reads the App's key; the message names the setting, never the key. */
export function readAppKey(privateKey: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch (error) {
    throw new GitHubAppKeyError("the GitHub App private key is not a PEM private key", {
      cause: error instanceof Error ? new Error(error.name) : undefined,
    });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new GitHubAppKeyError(
      "the GitHub App private key is not an RSA key (GitHub signs App JWTs with RS256)",
    );
  }
  return key;
}

/** An App JWT: RS256, `iat` 60 s before `nowMs`, `exp` 9 minutes after (under GitHub's 10). */
export function appJwt(appId: string | number, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 60, exp: now + 540, iss: String(appId) })}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key).toString("base64url");
  return `${input}.${signature}`;
}

/** Options of `GitHubAppTokens`. */
export interface GitHubAppTokensOptions extends GitHubAppCredentials {
  /** A client without auth (its `baseUrl` and user agent are used); the mint call carries the JWT. */
  readonly octokit: Octokit;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** A cached token is replaced this long before its `expires_at`. @default 300000 (5 minutes) */
  readonly refreshBeforeMs?: number;
}

/** Mints installation tokens for one App installation and hands out the cached one while it lasts. */
export class GitHubAppTokens {
  readonly #appId: string | number;
  readonly #installationId: number;
  readonly #key: KeyObject;
  readonly #octokit: Octokit;
  readonly #now: () => number;
  readonly #refreshBeforeMs: number;
  #cached: { token: string; expiresAtMs: number } | undefined;
  #permissions: Readonly<Record<string, string>> | undefined;
  #pending: Promise<string> | undefined;
  #mints = 0;

  constructor(options: GitHubAppTokensOptions) {
    this.#appId = options.appId;
    this.#installationId = options.installationId;
    this.#key = readAppKey(options.privateKey);
    this.#octokit = options.octokit;
    this.#now = options.now ?? Date.now;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 300_000;
  }

  /** How many installation tokens were minted so far. */
  get mints(): number {
    return this.#mints;
  }

  /** The App's ID (or client ID), as configured. */
  get appId(): string | number {
    return this.#appId;
  }

  /** The installation the tokens are minted for. */
  get installationId(): number {
    return this.#installationId;
  }

  /**
   * The installation's permissions as the last mint answered them (`{ organization_personal_access_tokens:
   * "write" }`), or `undefined` before the first mint.
   */
  get permissions(): Readonly<Record<string, string>> | undefined {
    return this.#permissions;
  }

  /** The cached installation token, or a new one when it is about to expire. */
  async token(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.expiresAtMs - this.#refreshBeforeMs) return cached.token;
    // Concurrent requests share one mint.
    this.#pending ??= this.#mint().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the cached token (GitHub refused it), so the next call mints another. */
  invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  async #mint(): Promise<string> {
    const jwt = appJwt(this.#appId, this.#key, this.#now());
    const { data } = await this.#octokit.request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: this.#installationId,
      headers: { authorization: `Bearer ${jwt}` },
    });
    this.#mints++;
    this.#permissions = { ...(data.permissions as Record<string, string> | undefined) };
    const expiresAtMs = Date.parse(data.expires_at);
    this.#cached = {
      token: data.token,
      // Without a readable expiry, assume GitHub's documented hour.
      expiresAtMs: Number.isNaN(expiresAtMs) ? this.#now() + 3_600_000 : expiresAtMs,
    };
    return data.token;
  }
}

/**
 * Authenticates every request of `octokit` with the App's installation token; a 401 on a cached
 * token (revoked early) mints a fresh one and retries once.
 */
export function authenticateAsInstallation(octokit: Octokit, tokens: GitHubAppTokens): void {
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token();
      options.headers.authorization = `token ${token}`;
      try {
        return await request(options);
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if (status !== 401 || attempt > 0) throw error;
        tokens.invalidate(token);
      }
    }
  });
}
