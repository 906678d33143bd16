/**
 * A local fake of the parts of the Okta Users API the Okta source calls, on 127.0.0.1 and a free
 * port: users (by id, login, short name, and `search=profile.email eq "..."`), user grants,
 * clients, refresh tokens and sessions. Lists page with `limit` and an `after` cursor announced in
 * `Link: <...>; rel="next"`; errors carry Okta's body (`errorCode`, `errorSummary`, ...); every
 * answer carries the `X-Rate-Limit-*` headers.
 *
 * Besides API tokens (`SSWS`), it implements the org authorization server's token endpoint for
 * OAuth 2.0 service apps (`POST /oauth2/v1/token`, `client_credentials` with a `private_key_jwt`
 * client assertion, as Okta's "Implement OAuth for Okta with a service app" guide describes) and
 * accepts the access tokens it issues as `Authorization: Bearer`, each call checked against the
 * token's scopes (`okta.users.read` to read users, `okta.users.manage` to change them).
 *
 * An API token acts with the admin role of the admin who created it: `apiTokenAccess` says what
 * that role allows on users (403 `E0000006` beyond it). `GET /api/v1/users` without `search`,
 * `filter` or `q` lists every user whose status is not `DEPROVISIONED`, as Okta's "List all users"
 * does.
 */
import { createHash, createPublicKey, type JsonWebKey, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeJwt, type PublicKeyInput, toPublicKey, verifyJwtSignature } from "./jwt.ts";
import { LocalServer } from "./local-server.ts";

/** An Okta user as the API returns it (the fields the source reads). */
export interface FakeOktaUser {
  readonly id: string;
  readonly status: string;
  readonly created: string;
  readonly lastLogin: string | null;
  readonly profile: {
    readonly login: string;
    readonly email: string;
    readonly firstName?: string;
    readonly lastName?: string;
    readonly employeeNumber?: string;
  };
}

export interface FakeOktaGrant {
  readonly id: string;
  readonly clientId: string;
  readonly scopeId: string;
  readonly issuer: string;
  readonly status: string;
  readonly created: string;
  readonly source: string;
}

export interface FakeOktaClient {
  readonly client_id: string;
  readonly client_name: string;
}

export interface FakeOktaRefreshToken {
  readonly id: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly status: string;
  readonly created: string;
  readonly expiresAt: string;
  readonly scopes: readonly string[];
}

/** One request the fake answered. */
export interface RecordedOktaCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** The `Authorization` header as received, so tests can prove which credential was sent. */
  readonly authorization: string | undefined;
  readonly status: number;
}

/** An OAuth 2.0 API service app registered in the fake org (public key / private key client auth). */
export interface FakeOktaServiceApp {
  readonly clientId: string;
  /** The public key registered for the app (PEM, JWK, or a key object). */
  readonly publicKey: PublicKeyInput;
  /** The key's `kid`; when set, an assertion naming another `kid` is refused. */
  readonly kid?: string;
  /** Okta API scopes granted to the app. @default ["okta.users.read", "okta.users.manage"] */
  readonly grantedScopes?: readonly string[];
  /**
   * "Require Demonstrating Proof of Possession (DPoP) header in token requests": a token request
   * without a proof carrying the server's nonce gets `400 use_dpop_nonce` and a `DPoP-Nonce`
   * (RFC 9449 8); the tokens issued are DPoP-bound (`token_type: "DPoP"`) and each API call must
   * send `Authorization: DPoP <token>` with a fresh proof (`htm`, `htu`, `ath`) by the same key.
   * Every proof's `iat` must be within five minutes of the org's clock (RFC 9449 4.3), else 400
   * `invalid_dpop_proof`.
   * @default false
   */
  readonly requireDpop?: boolean;
}

/** One request to the token endpoint and how it ended. */
export interface RecordedOktaTokenRequest {
  readonly clientId: string | undefined;
  readonly status: number;
  /** The OAuth `error` when refused (`invalid_client`, `invalid_scope`, ...). */
  readonly error?: string;
  readonly scope?: string;
  /** Whether the request carried a `DPoP` proof header. */
  readonly dpop: boolean;
}

export interface FakeOktaOptions {
  /** The API token the fake accepts as `SSWS <token>`. @default "00fake-okta-api-token-0000000000000000000" */
  readonly apiToken?: string;
  /** Page size when the caller asks for more. @default 200 */
  readonly maxPageSize?: number;
  /** Service apps that may get access tokens. @default [] */
  readonly serviceApps?: readonly FakeOktaServiceApp[];
  /** Lifetime of issued access tokens (`expires_in`). @default 3600 */
  readonly accessTokenTtlSeconds?: number;
  /**
   * What the admin role of the API token's creator allows on users: `manage` (Super or Org
   * Administrator), `read` (Read-only Administrator: changes get 403 `E0000006`) or `none` (a role
   * without user access, such as an App Administrator: every users call gets 403 `E0000006`).
   * @default "manage"
   */
  readonly apiTokenAccess?: "manage" | "read" | "none";
  /**
   * How far the fake org's clock is from this host's, in seconds (negative: the org is behind,
   * as if this host's clock ran fast). Reproduces a host whose clock is wrong: DPoP proofs carry
   * the host's time in `iat`, which the org checks against its own. @default 0
   */
  readonly clockOffsetSeconds?: number;
}

interface IssuedToken {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
  /** The DPoP key the token is bound to (its canonical public JWK), for DPoP-bound tokens. */
  readonly dpopKey?: string;
}

/** How far a DPoP proof's `iat` may be from the org's clock, either way. */
const DPOP_IAT_WINDOW_SECONDS = 300;

/** A DPoP proof's public key as a canonical string, or `undefined` when the proof is not valid. */
function dpopProofKey(
  proof: string | undefined,
  expect: { htm: string; htu: string; nowSeconds: number; ath?: string; nonce?: string },
): { key: string } | { error: string } {
  const jwt = proof === undefined ? undefined : decodeJwt(proof);
  if (!jwt) return { error: "DPoP proof JWT header is missing or malformed." };
  const jwk = jwt.header.jwk as JsonWebKey | undefined;
  if (jwt.header.typ !== "dpop+jwt" || typeof jwk !== "object" || jwk === null) {
    return { error: "The DPoP proof JWT must have typ dpop+jwt and a jwk header." };
  }
  let publicKey: ReturnType<typeof createPublicKey>;
  try {
    publicKey = createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    return { error: "The DPoP proof JWT jwk header is not a public key." };
  }
  if (!verifyJwtSignature(jwt, publicKey)) return { error: "The DPoP proof JWT signature is invalid." };
  const claims = jwt.payload;
  if (claims.htm !== expect.htm) return { error: "'htm' claim in the DPoP proof JWT is invalid." };
  if (claims.htu !== expect.htu) return { error: "'htu' claim in the DPoP proof JWT is invalid." };
  // RFC 9449 4.3 (11): the proof's creation time must be within an acceptable window of the server's.
  const iat = claims.iat;
  if (typeof iat !== "number" || Math.abs(iat - expect.nowSeconds) > DPOP_IAT_WINDOW_SECONDS) {
    return { error: "'iat' claim in the DPoP proof JWT is invalid." };
  }
  if (expect.ath !== undefined && claims.ath !== expect.ath) {
    return { error: "'ath' claim in the DPoP proof JWT is invalid." };
  }
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) return { error: "nonce" };
  const canonical = publicKey.export({ format: "jwk" });
  return {
    key: JSON.stringify([canonical.kty, canonical.n, canonical.e, canonical.crv, canonical.x, canonical.y]),
  };
}

interface UserState {
  user: FakeOktaUser;
  grants: FakeOktaGrant[];
  clients: Map<string, { client: FakeOktaClient; tokens: FakeOktaRefreshToken[] }>;
}

/** The local Okta fake. Start with `FakeOkta.start()`, stop with `close()`. */
export class FakeOkta {
  readonly calls: RecordedOktaCall[] = [];
  /** Session clears received, in order. */
  readonly sessionClears: { userId: string; oauthTokens: boolean }[] = [];
  readonly apiToken: string;
  /** Token endpoint requests, in order. */
  readonly tokenRequests: RecordedOktaTokenRequest[] = [];
  readonly #server: LocalServer;
  readonly #apps = new Map<string, FakeOktaServiceApp>();
  readonly #issued = new Map<string, IssuedToken>();
  readonly #usedJtis = new Set<string>();
  readonly #dpopNonce = randomBytes(16).toString("base64url");
  readonly #tokenTtl: number;
  readonly #maxPageSize: number;
  readonly #apiTokenAccess: "manage" | "read" | "none";
  readonly #clockOffsetMs: number;
  readonly #users = new Map<string, UserState>();
  #rateLimitLeft = 0;
  #rateLimitPath: RegExp | undefined;
  #unauthorized = false;

  private constructor(server: LocalServer, options: FakeOktaOptions) {
    this.#server = server;
    this.apiToken = options.apiToken ?? "00fake-okta-api-token-0000000000000000000";
    this.#maxPageSize = options.maxPageSize ?? 200;
    this.#tokenTtl = options.accessTokenTtlSeconds ?? 3600;
    this.#apiTokenAccess = options.apiTokenAccess ?? "manage";
    this.#clockOffsetMs = (options.clockOffsetSeconds ?? 0) * 1000;
    for (const app of options.serviceApps ?? []) this.addServiceApp(app);
  }

  /** Registers an OAuth 2.0 service app (its public key and granted scopes). */
  addServiceApp(app: FakeOktaServiceApp): void {
    this.#apps.set(app.clientId, app);
  }

  /** Expires every access token issued so far, as if their hour had passed. */
  expireAccessTokens(): void {
    this.#issued.clear();
  }

  /** Starts the fake on 127.0.0.1 and a free port. */
  static async start(options: FakeOktaOptions = {}): Promise<FakeOkta> {
    let fake: FakeOkta | undefined;
    const server = await LocalServer.listen(async (req, res) => fake?.handle(req, res));
    fake = new FakeOkta(server, options);
    return fake;
  }

  /** `http://127.0.0.1:<port>`, the org URL to give the client. */
  get url(): string {
    return this.#server.url;
  }

  async close(): Promise<void> {
    await this.#server.close();
  }

  addUser(user: Partial<FakeOktaUser> & { profile: FakeOktaUser["profile"] }): FakeOktaUser {
    const full: FakeOktaUser = {
      id: user.id ?? `00u${randomUUID().replaceAll("-", "").slice(0, 17)}`,
      status: user.status ?? "ACTIVE",
      created: user.created ?? "2024-01-10T09:00:00.000Z",
      lastLogin: user.lastLogin === undefined ? "2026-05-20T08:00:00.000Z" : user.lastLogin,
      profile: user.profile,
    };
    this.#users.set(full.id, { user: full, grants: [], clients: new Map() });
    return full;
  }

  addGrant(userId: string, grant: Partial<FakeOktaGrant> & { clientId: string }): FakeOktaGrant {
    const full: FakeOktaGrant = {
      id: grant.id ?? `oag${randomUUID().replaceAll("-", "").slice(0, 17)}`,
      scopeId: grant.scopeId ?? "scpCmCCV1DpxVkCaye2X",
      issuer: grant.issuer ?? this.url,
      status: grant.status ?? "ACTIVE",
      created: grant.created ?? "2025-11-02T10:00:00.000Z",
      source: grant.source ?? "END_USER",
      ...grant,
    };
    this.#state(userId).grants.push(full);
    return full;
  }

  addRefreshToken(
    userId: string,
    client: FakeOktaClient,
    token: Partial<FakeOktaRefreshToken> = {},
  ): FakeOktaRefreshToken {
    const state = this.#state(userId);
    const entry = state.clients.get(client.client_id) ?? { client, tokens: [] };
    state.clients.set(client.client_id, entry);
    const full: FakeOktaRefreshToken = {
      id: token.id ?? `oar${randomUUID().replaceAll("-", "").slice(0, 17)}`,
      clientId: client.client_id,
      issuer: token.issuer ?? `${this.url}/oauth2/default`,
      status: token.status ?? "ACTIVE",
      created: token.created ?? "2026-01-05T10:00:00.000Z",
      expiresAt: token.expiresAt ?? "2026-12-31T00:00:00.000Z",
      scopes: token.scopes ?? ["openid", "offline_access"],
    };
    entry.tokens.push(full);
    return full;
  }

  grantsOf(userId: string): readonly FakeOktaGrant[] {
    return this.#state(userId).grants;
  }

  refreshTokensOf(userId: string): readonly FakeOktaRefreshToken[] {
    return [...this.#state(userId).clients.values()].flatMap((c) => c.tokens);
  }

  /** The next `times` requests (matching `path`, when given) get 429 `E0000047`. */
  rateLimit(times: number, path?: RegExp): void {
    this.#rateLimitLeft = times;
    this.#rateLimitPath = path;
  }

  /** While on, every request gets 401 `E0000011`, as for a revoked or wrong API token. */
  setUnauthorized(on: boolean): void {
    this.#unauthorized = on;
  }

  /** The org's clock (milliseconds since the epoch). */
  #nowMs(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  #state(userId: string): UserState {
    const state = this.#users.get(userId);
    if (!state) throw new Error(`fake okta: no user ${userId}`);
    return state;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? "GET";
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      this.calls.push({
        method,
        path: url.pathname,
        query,
        authorization: req.headers.authorization,
        status,
      });
      const resetAt = Math.floor(Date.now() / 1000) + 60;
      res.writeHead(status, {
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": status === 429 ? "0" : "599",
        "x-rate-limit-reset": String(resetAt),
        "x-okta-request-id": randomUUID(),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const error = (
      status: number,
      errorCode: string,
      errorSummary: string,
      headers: Record<string, string> = {},
    ) =>
      send(
        status,
        { errorCode, errorSummary, errorLink: errorCode, errorId: `oae${randomUUID()}`, errorCauses: [] },
        headers,
      );

    if (url.pathname === "/oauth2/v1/token") {
      this.#token(req, method, bodyText, send);
      return;
    }
    const authorization = req.headers.authorization ?? "";
    const [, scheme, accessToken] = /^(Bearer|DPoP) (\S+)$/.exec(authorization) ?? [];
    const issued = accessToken === undefined ? undefined : this.#issued.get(accessToken);
    const sswsOk = authorization === `SSWS ${this.apiToken}`;
    let tokenOk = issued !== undefined && issued.expiresAtMs > this.#nowMs();
    if (tokenOk && issued && accessToken) {
      // A DPoP-bound token is good only with `DPoP` and a proof by its key; a Bearer token only as Bearer.
      if (issued.dpopKey === undefined) tokenOk = scheme === "Bearer";
      else {
        const proof = dpopProofKey(typeof req.headers.dpop === "string" ? req.headers.dpop : undefined, {
          htm: method.toUpperCase(),
          htu: `${url.origin}${url.pathname}`,
          nowSeconds: Math.floor(this.#nowMs() / 1000),
          ath: createHash("sha256").update(accessToken).digest("base64url"),
        });
        tokenOk = scheme === "DPoP" && "key" in proof && proof.key === issued.dpopKey;
      }
    }
    if (this.#unauthorized || (!sswsOk && !tokenOk)) {
      error(401, "E0000011", "Invalid token provided");
      return;
    }
    if (sswsOk && this.#apiTokenAccess !== "manage") {
      // The token's admin role: no user access at all, or read-only.
      if (this.#apiTokenAccess === "none" || method !== "GET") {
        error(403, "E0000006", "You do not have permission to perform the requested action");
        return;
      }
    }
    if (!sswsOk && issued) {
      // Okta checks an access token's scopes per endpoint; reads take either users scope.
      const needed = method === "GET" ? ["okta.users.read", "okta.users.manage"] : ["okta.users.manage"];
      if (!needed.some((scope) => issued.scopes.includes(scope))) {
        error(403, "E0000006", "You do not have permission to perform the requested action", {
          "www-authenticate": `Bearer authorization_uri="${this.url}/oauth2/v1/authorize", realm="${this.url}", scope="${needed.at(-1)}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${url.pathname}"`,
        });
        return;
      }
    }
    if (this.#rateLimitLeft > 0 && (!this.#rateLimitPath || this.#rateLimitPath.test(url.pathname))) {
      this.#rateLimitLeft--;
      // The window resets "now": clients wait until the reset (the SDK adds a second), so tests stay fast.
      error(429, "E0000047", "API call exceeded rate limit due to too many requests.", {
        "x-rate-limit-reset": String(Math.floor(Date.now() / 1000)),
      });
      return;
    }

    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "api" || parts[1] !== "v1" || parts[2] !== "users") {
      error(404, "E0000022", "The endpoint does not support the provided HTTP method");
      return;
    }
    const rest = parts.slice(3);
    const notFoundUser = (id: string) =>
      error(404, "E0000007", `Not found: Resource not found: ${id} (User)`);
    const page = <T>(items: readonly T[], idOf: (item: T) => string): void => {
      const limit = Math.min(
        Number(query.limit ?? this.#maxPageSize) || this.#maxPageSize,
        this.#maxPageSize,
      );
      const start = query.after ? items.findIndex((i) => idOf(i) === query.after) + 1 : 0;
      const slice = items.slice(start, start + limit);
      const links = [`<${url.origin}${url.pathname}?limit=${limit}>; rel="self"`];
      const last = slice.at(-1);
      if (start + limit < items.length && last !== undefined) {
        const next = new URL(url.pathname, url.origin);
        for (const [k, v] of url.searchParams) if (k !== "after") next.searchParams.set(k, v);
        next.searchParams.set("limit", String(limit));
        next.searchParams.set("after", idOf(last));
        links.push(`<${next.href}>; rel="next"`);
      }
      send(200, slice, { link: links.join(", ") });
    };

    if (rest.length === 0 && method === "GET" && !query.search && !query.filter && !query.q) {
      page(
        [...this.#users.values()].map((s) => s.user).filter((u) => u.status !== "DEPROVISIONED"),
        (u) => u.id,
      );
      return;
    }
    if (rest.length === 0 && method === "GET") {
      const terms = [...(query.search ?? "").matchAll(/profile\.(email|login) eq "((?:[^"\\]|\\.)*)"/g)];
      const users = [...this.#users.values()]
        .map((s) => s.user)
        .filter((u) =>
          terms.some(
            (t) =>
              (t[1] === "email" ? u.profile.email : u.profile.login).toLowerCase() === t[2]?.toLowerCase(),
          ),
        );
      page(users, (u) => u.id);
      return;
    }
    const key = rest[0] ?? "";
    const state = this.#find(key);
    if (!state) {
      notFoundUser(key);
      return;
    }
    const userId = state.user.id;
    const [, collection, itemId, sub, subId] = rest;
    if (collection === undefined && method === "GET") {
      send(200, state.user);
      return;
    }
    if (collection === "grants") {
      if (itemId === undefined && method === "GET") {
        page(state.grants, (g) => g.id);
        return;
      }
      const index = state.grants.findIndex((g) => g.id === itemId);
      if (index < 0) {
        error(404, "E0000007", `Not found: Resource not found: ${itemId} (OAuth2ScopeConsentGrant)`);
        return;
      }
      if (method === "GET") send(200, state.grants[index]);
      else if (method === "DELETE") {
        state.grants.splice(index, 1);
        send(204);
      } else error(405, "E0000022", "The endpoint does not support the provided HTTP method");
      return;
    }
    if (collection === "clients") {
      if (itemId === undefined && method === "GET") {
        send(
          200,
          [...state.clients.values()].filter((c) => c.tokens.length > 0).map((c) => c.client),
        );
        return;
      }
      const entry = itemId === undefined ? undefined : state.clients.get(itemId);
      if (!entry || sub !== "tokens") {
        error(404, "E0000007", `Not found: Resource not found: ${itemId} (AppInstance)`);
        return;
      }
      if (subId === undefined && method === "GET") {
        page(entry.tokens, (t) => t.id);
        return;
      }
      const index = entry.tokens.findIndex((t) => t.id === subId);
      if (index < 0) {
        error(404, "E0000007", `Not found: Resource not found: ${subId} (OAuth2RefreshToken)`);
        return;
      }
      if (method === "GET") send(200, entry.tokens[index]);
      else if (method === "DELETE") {
        entry.tokens.splice(index, 1);
        send(204);
      } else error(405, "E0000022", "The endpoint does not support the provided HTTP method");
      return;
    }
    if (collection === "sessions" && method === "DELETE") {
      const oauthTokens = query.oauthTokens === "true";
      this.sessionClears.push({ userId, oauthTokens });
      if (oauthTokens) for (const entry of state.clients.values()) entry.tokens.length = 0;
      send(204);
      return;
    }
    error(404, "E0000022", "The endpoint does not support the provided HTTP method");
  }

  /**
   * `POST /oauth2/v1/token` for a service app: `grant_type=client_credentials`, `scope`, and a
   * client assertion (`urn:ietf:params:oauth:client-assertion-type:jwt-bearer`) signed with the
   * app's private key, whose `iss` and `sub` are the client id, `aud` this endpoint's URL, `exp`
   * in the future and at most an hour after `iat`, and `jti` never seen before. Errors are OAuth's
   * `{ error, error_description }`: 401 `invalid_client` for a bad assertion, 400 otherwise.
   */
  #token(
    req: IncomingMessage,
    method: string,
    bodyText: string,
    send: (status: number, body?: unknown, headers?: Record<string, string>) => void,
  ): undefined {
    const form = new URLSearchParams(bodyText);
    const dpop = typeof req.headers.dpop === "string";
    let clientId: string | undefined;
    const refuse = (
      status: number,
      error: string,
      description: string,
      headers: Record<string, string> = {},
    ): undefined => {
      this.tokenRequests.push({ clientId, status, error, dpop });
      send(status, { error, error_description: description }, { "cache-control": "no-store", ...headers });
      return undefined;
    };
    if (method !== "POST") return refuse(405, "invalid_request", "The token endpoint takes POST.");
    if (form.get("grant_type") !== "client_credentials") {
      return refuse(400, "unsupported_grant_type", "The grant_type is not supported for this client.");
    }
    if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      return refuse(
        401,
        "invalid_client",
        "Client authentication failed: unsupported client_assertion_type.",
      );
    }
    const jwt = decodeJwt(form.get("client_assertion") ?? "");
    if (!jwt) return refuse(401, "invalid_client", "The client_assertion is not a valid JWT.");
    const claims = jwt.payload;
    clientId = typeof claims.sub === "string" ? claims.sub : undefined;
    const app = clientId === undefined ? undefined : this.#apps.get(clientId);
    if (!app) return refuse(401, "invalid_client", "Invalid value for 'client_id' parameter.");
    if (claims.iss !== app.clientId) {
      return refuse(
        401,
        "invalid_client",
        "The 'iss' claim in the client_assertion must equal the client_id.",
      );
    }
    if (jwt.header.kid !== undefined && app.kid !== undefined && jwt.header.kid !== app.kid) {
      return refuse(
        401,
        "invalid_client",
        "The client_assertion was signed with a key the client does not have.",
      );
    }
    if (!verifyJwtSignature(jwt, toPublicKey(app.publicKey))) {
      return refuse(401, "invalid_client", "The client_assertion signature is invalid.");
    }
    if (claims.aud !== `${this.url}/oauth2/v1/token`) {
      return refuse(401, "invalid_client", "The audience [aud] claim in the client_assertion is invalid.");
    }
    const now = Math.floor(this.#nowMs() / 1000);
    const exp = typeof claims.exp === "number" ? claims.exp : Number.NaN;
    const iat = typeof claims.iat === "number" ? claims.iat : now;
    if (!(exp > now)) return refuse(401, "invalid_client", "The client_assertion token is expired.");
    if (exp - iat > 3600) {
      return refuse(
        401,
        "invalid_client",
        "The client_assertion token has an expiration too far into the future.",
      );
    }
    const jti = typeof claims.jti === "string" ? claims.jti : undefined;
    if (jti !== undefined) {
      if (this.#usedJtis.has(jti)) {
        return refuse(401, "invalid_client", "The client_assertion token has already been used.");
      }
      this.#usedJtis.add(jti);
    }
    const requested = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
    const granted = app.grantedScopes ?? ["okta.users.read", "okta.users.manage"];
    if (requested.length === 0 || requested.some((s) => !granted.includes(s))) {
      return refuse(
        400,
        "invalid_scope",
        "One or more scopes are not configured for the authorization server resource.",
      );
    }
    let dpopKey: string | undefined;
    if (app.requireDpop) {
      const proof = dpopProofKey(typeof req.headers.dpop === "string" ? req.headers.dpop : undefined, {
        htm: "POST",
        htu: `${this.url}/oauth2/v1/token`,
        nowSeconds: now,
        nonce: this.#dpopNonce,
      });
      if ("error" in proof && proof.error === "nonce") {
        // RFC 9449 8: a server that wants a nonce answers 400 use_dpop_nonce with a DPoP-Nonce header.
        return refuse(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", {
          "dpop-nonce": this.#dpopNonce,
        });
      }
      if ("error" in proof) return refuse(400, "invalid_dpop_proof", proof.error);
      dpopKey = proof.key;
    }
    const accessToken = `eyfake.${randomBytes(24).toString("base64url")}`;
    this.#issued.set(accessToken, {
      clientId: app.clientId,
      scopes: requested,
      expiresAtMs: this.#nowMs() + this.#tokenTtl * 1000,
      ...(dpopKey === undefined ? {} : { dpopKey }),
    });
    const scope = requested.join(" ");
    this.tokenRequests.push({ clientId, status: 200, scope, dpop });
    send(
      200,
      {
        token_type: dpopKey ? "DPoP" : "Bearer",
        expires_in: this.#tokenTtl,
        access_token: accessToken,
        scope,
      },
      { "cache-control": "no-store" },
    );
    return undefined;
  }

  #find(key: string): UserState | undefined {
    const byId = this.#users.get(key);
    if (byId) return byId;
    const lower = key.toLowerCase();
    const all = [...this.#users.values()];
    const byLogin = all.find((s) => s.user.profile.login.toLowerCase() === lower);
    if (byLogin) return byLogin;
    // Okta resolves a login short name when it is unique in the org.
    const byShort = all.filter((s) => s.user.profile.login.toLowerCase().split("@")[0] === lower);
    return byShort.length === 1 ? byShort[0] : undefined;
  }
}
