/**
 * A local fake of the GitHub organisation APIs the GitHub source calls, on 127.0.0.1 and a free
 * port: SAML SSO credential authorizations (list with `login`, delete), fine-grained PAT grants
 * (list, bulk revoke) and the GraphQL SAML external identities. Lists page with `per_page` and
 * `page` announced in `Link` headers (`rel="next"`, `rel="last"`); errors carry GitHub's
 * `{ message, documentation_url }`; answers carry the `x-ratelimit-*` headers.
 *
 * GitHub Apps: `POST /app/installations/{installation_id}/access_tokens` takes an App JWT
 * (`Authorization: Bearer`, RS256, `iss` the App ID, `exp` at most 10 minutes ahead) verified
 * against the App's public key, and answers an installation token (`ghs_...`) with its
 * `expires_at` one hour later. Installation tokens are accepted on the fine-grained PAT grant
 * endpoints and refused on SAML SSO credential authorizations and the GraphQL SAML identities
 * (403 "Resource not accessible by integration"), which GitHub opens to classic tokens only. An
 * installation may list PAT grants with the `organization_personal_access_tokens` permission
 * (`read` or `write`) and revoke them with `write`; without it GitHub answers the same 403.
 *
 * `GET /orgs/{org}` answers the organisation's public fields to any valid token, 404 for an
 * organisation that does not exist. Answers to the classic token carry its scopes in
 * `X-OAuth-Scopes`, as GitHub's do; the credential authorization endpoints also say the scope
 * they accept in `X-Accepted-OAuth-Scopes` (`read:org` to list, `admin:org` to remove).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CredentialAuthorization, PatGrant } from "../../lambdas/sources/github/index.ts";
import { decodeJwt, type PublicKeyInput, toPublicKey, verifyJwtSignature } from "./jwt.ts";
import { LocalServer } from "./local-server.ts";

/** A GitHub App installed on the fake org. */
export interface FakeGitHubApp {
  /** The App ID, the `iss` of its JWTs. */
  readonly appId: number;
  readonly installationId: number;
  /** The public half of the App's private key (PEM, JWK, or a key object). */
  readonly publicKey: PublicKeyInput;
  /** The installation's permissions, echoed in the token answer. @default { organization_personal_access_tokens: "write" } */
  readonly permissions?: Readonly<Record<string, string>>;
}

/** One installation token the fake minted. */
export interface MintedInstallationToken {
  readonly installationId: number;
  readonly token: string;
  readonly expiresAtMs: number;
  /** The installation's permissions, as the token answer gave them. */
  readonly permissions: Readonly<Record<string, string>>;
}

/** One request the fake answered. */
export interface RecordedGitHubCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly status: number;
}

export interface FakeGitHubOrgOptions {
  readonly org?: string;
  /** Token accepted for credential authorizations and GraphQL. @default "ghp_fakeClassicOwnerToken0000000000000000" */
  readonly token?: string;
  /** Token accepted for PAT grants; GitHub allows only GitHub App tokens there. @default token */
  readonly appToken?: string;
  /** Largest page. @default 100 */
  readonly maxPageSize?: number;
  /** GitHub Apps installed on the org. @default [] */
  readonly apps?: readonly FakeGitHubApp[];
  /** The fake's clock for JWT and token expiry (milliseconds since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Lifetime of minted installation tokens. @default 3600000 (GitHub's hour) */
  readonly installationTokenTtlMs?: number;
  /** The classic token's scopes, sent in `X-OAuth-Scopes`. @default ["admin:org"] */
  readonly tokenScopes?: readonly string[];
}

/** How the fake refuses fine-grained PAT grant calls, as GitHub does for the wrong token kind. */
export type PatAccess = "ok" | "forbidden" | "not-found";

const DOCS = "https://docs.github.com/rest";

/** The local GitHub organisation fake. Start with `FakeGitHubOrg.start()`, stop with `close()`. */
export class FakeGitHubOrg {
  readonly calls: RecordedGitHubCall[] = [];
  readonly org: string;
  readonly token: string;
  readonly appToken: string;
  readonly credentialAuthorizations: CredentialAuthorization[] = [];
  readonly patGrants: PatGrant[] = [];
  /** login -> SAML nameId; `null` when the org has no SAML identity provider. */
  samlIdentities: Map<string, string> | null = new Map();
  patAccess: PatAccess = "ok";
  /**
   * How many listings of the PAT grants still show a grant after its revocation was accepted:
   * GitHub answers the revocation `202 Accepted` and may process it after the answer. @default 0
   */
  patRevocationLag = 0;
  /** Revoked grants still listed, by id: how many more listings show them. */
  readonly #revoking = new Map<number, number>();
  /** Whether the org uses SAML SSO (else credential authorizations answer 404). */
  samlSso = true;
  /** Installation tokens minted, in order. */
  readonly mintedTokens: MintedInstallationToken[] = [];
  readonly #server: LocalServer;
  readonly #maxPageSize: number;
  readonly #apps: readonly FakeGitHubApp[];
  readonly #now: () => number;
  readonly #tokenTtlMs: number;
  readonly #tokenScopes: readonly string[];
  #rateLimitLeft = 0;
  #rateLimitKind: "primary" | "secondary" = "primary";
  #unauthorized = false;
  #nextId = 1000;

  private constructor(server: LocalServer, options: FakeGitHubOrgOptions) {
    this.#server = server;
    this.org = options.org ?? "acme";
    this.token = options.token ?? "ghp_fakeClassicOwnerToken0000000000000000";
    this.appToken = options.appToken ?? this.token;
    this.#maxPageSize = options.maxPageSize ?? 100;
    this.#apps = options.apps ?? [];
    this.#now = options.now ?? Date.now;
    this.#tokenTtlMs = options.installationTokenTtlMs ?? 3_600_000;
    this.#tokenScopes = options.tokenScopes ?? ["admin:org"];
  }

  /** Starts the fake on 127.0.0.1 and a free port. */
  static async start(options: FakeGitHubOrgOptions = {}): Promise<FakeGitHubOrg> {
    let fake: FakeGitHubOrg | undefined;
    const server = await LocalServer.listen(async (req, res) => fake?.handle(req, res));
    fake = new FakeGitHubOrg(server, options);
    return fake;
  }

  /** `http://127.0.0.1:<port>`, the `baseUrl` to give Octokit. */
  get url(): string {
    return this.#server.url;
  }

  async close(): Promise<void> {
    await this.#server.close();
  }

  addCredentialAuthorization(
    login: string,
    overrides: Partial<CredentialAuthorization> = {},
  ): CredentialAuthorization {
    const id = this.#nextId++;
    const auth: CredentialAuthorization = {
      login,
      credential_id: id,
      credential_type: "personal access token",
      token_last_eight: `${id}abcd`.slice(-8),
      credential_authorized_at: "2026-02-01T10:00:00Z",
      credential_accessed_at: "2026-05-30T10:00:00Z",
      scopes: ["repo", "read:org"],
      fingerprint: null,
      authorized_credential_id: id + 50_000,
      authorized_credential_note: "laptop",
      authorized_credential_title: null,
      authorized_credential_expires_at: null,
      ...overrides,
    };
    this.credentialAuthorizations.push(auth);
    return auth;
  }

  addPatGrant(login: string, overrides: Partial<PatGrant> = {}): PatGrant {
    const id = this.#nextId++;
    const grant: PatGrant = {
      id,
      owner: { login },
      repository_selection: "subset",
      permissions: { repository: { contents: "write", metadata: "read" }, organization: {} },
      access_granted_at: "2026-03-01T10:00:00Z",
      token_id: id + 90_000,
      token_name: "deploy scripts",
      token_expired: false,
      token_expires_at: "2026-09-01T00:00:00Z",
      token_last_used_at: "2026-05-31T09:00:00Z",
      ...overrides,
    };
    this.patGrants.push(grant);
    return grant;
  }

  /** The next `times` requests are rate limited: `primary` 403 with `x-ratelimit-remaining: 0`, `secondary` 429 with `retry-after`. */
  rateLimit(times: number, kind: "primary" | "secondary" = "primary"): void {
    this.#rateLimitLeft = times;
    this.#rateLimitKind = kind;
  }

  /** While on, every request gets 401 Bad credentials. */
  setUnauthorized(on: boolean): void {
    this.#unauthorized = on;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    const url = new URL(req.url ?? "/", this.url);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? "GET";
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Set once the request is known to carry the classic token: GitHub then names its scopes.
    let scopeHeaders: Record<string, string> = {};
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
      this.calls.push({
        method,
        path: url.pathname,
        query,
        body,
        authorization: req.headers.authorization,
        status,
      });
      res.writeHead(status, {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-used": "1",
        "x-ratelimit-reset": String(nowSeconds + 3600),
        "x-ratelimit-resource": url.pathname === "/graphql" ? "graphql" : "core",
        "x-github-api-version-selected": "2022-11-28",
        ...(payload === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        ...scopeHeaders,
        ...headers,
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}) =>
      send(status, { message, documentation_url: DOCS, status: String(status) }, headers);

    const mint = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
    if (mint && method === "POST") {
      this.#mintInstallationToken(mint[1] ?? "", req.headers.authorization ?? "", send, error);
      return;
    }
    const token = (req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "");
    const isPats = url.pathname === `/orgs/${this.org}/personal-access-tokens`;
    const isOrg = /^\/orgs\/[^/]+$/.test(url.pathname) && method === "GET";
    const installation = this.mintedTokens.find((t) => t.token === token);
    if (installation && installation.expiresAtMs > this.#now() && !this.#unauthorized) {
      if (!isPats && !isOrg) return error(403, "Resource not accessible by integration");
      if (isPats) {
        const level = installation.permissions.organization_personal_access_tokens;
        const allowed = method === "GET" ? level === "read" || level === "write" : level === "write";
        if (!allowed) return error(403, "Resource not accessible by integration");
      }
    } else {
      const accepted = isPats ? [this.appToken, this.token] : [this.token];
      if (this.#unauthorized || !accepted.includes(token)) {
        error(401, "Bad credentials");
        return;
      }
      if (token === this.token && !token.startsWith("github_pat_")) {
        scopeHeaders = { "x-oauth-scopes": this.#tokenScopes.join(", ") };
      }
    }
    if (this.#rateLimitLeft > 0) {
      this.#rateLimitLeft--;
      if (this.#rateLimitKind === "primary") {
        error(403, "API rate limit exceeded for user ID 1.", {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(nowSeconds),
        });
      } else {
        error(
          429,
          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          {
            "retry-after": "1",
          },
        );
      }
      return;
    }

    const page = <T>(items: readonly T[]): void => {
      const perPage = Math.min(Number(query.per_page ?? 30) || 30, this.#maxPageSize);
      const current = Math.max(1, Number(query.page ?? 1) || 1);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const link = (n: number, rel: string) => {
        const next = new URL(url.pathname, url.origin);
        for (const [k, v] of url.searchParams) next.searchParams.set(k, v);
        next.searchParams.set("per_page", String(perPage));
        next.searchParams.set("page", String(n));
        return `<${next.href}>; rel="${rel}"`;
      };
      const links = [
        ...(current < last ? [link(current + 1, "next"), link(last, "last")] : []),
        ...(current > 1 ? [link(1, "first"), link(current - 1, "prev")] : []),
      ];
      send(
        200,
        items.slice((current - 1) * perPage, current * perPage),
        links.length ? { link: links.join(", ") } : {},
      );
    };

    if (url.pathname === "/graphql" && method === "POST") {
      this.#graphql(body, send);
      return;
    }
    if (isOrg) {
      if (decodeURIComponent(url.pathname.slice("/orgs/".length)).toLowerCase() !== this.org.toLowerCase()) {
        return error(404, "Not Found");
      }
      send(200, this.#organization());
      return;
    }
    const authPath = `/orgs/${this.org}/credential-authorizations`;
    if (url.pathname.startsWith(authPath) && "x-oauth-scopes" in scopeHeaders) {
      scopeHeaders["x-accepted-oauth-scopes"] = method === "GET" ? "read:org" : "admin:org";
    }
    if (url.pathname === authPath && method === "GET") {
      if (!this.samlSso) return error(404, "Not Found");
      const login = query.login?.toLowerCase();
      page(
        this.credentialAuthorizations.filter((a) => login === undefined || a.login.toLowerCase() === login),
      );
      return;
    }
    if (url.pathname.startsWith(`${authPath}/`) && method === "DELETE") {
      if (!this.samlSso) return error(404, "Not Found");
      const id = Number(url.pathname.slice(authPath.length + 1));
      const index = this.credentialAuthorizations.findIndex((a) => a.credential_id === id);
      if (index < 0) return error(404, "Not Found");
      this.credentialAuthorizations.splice(index, 1);
      send(204);
      return;
    }
    if (isPats) {
      if (this.patAccess === "forbidden")
        return error(403, "Resource not accessible by personal access token");
      if (this.patAccess === "not-found") return error(404, "Not Found");
      if (method === "GET") {
        page(this.patGrants);
        // Revocations accepted earlier take effect after `patRevocationLag` listings (a listing
        // is counted at its first page).
        if ((Number(query.page ?? 1) || 1) > 1) return;
        for (const [id, left] of this.#revoking) {
          if (left > 1) this.#revoking.set(id, left - 1);
          else {
            this.#revoking.delete(id);
            this.#removePatGrant(id);
          }
        }
        return;
      }
      if (method === "POST") {
        const request = (body ?? {}) as { action?: unknown; pat_ids?: unknown };
        const ids = Array.isArray(request.pat_ids) ? request.pat_ids : [];
        if (request.action !== "revoke" || ids.length === 0 || ids.some((id) => typeof id !== "number")) {
          return error(422, "Invalid request.\n\nInvalid input: action and pat_ids are required.");
        }
        if (ids.some((id) => !this.patGrants.some((g) => g.id === id))) return error(404, "Not Found");
        for (const id of ids) {
          if (this.patRevocationLag > 0) this.#revoking.set(id, this.patRevocationLag);
          else this.#removePatGrant(id);
        }
        send(202, {});
        return;
      }
    }
    error(404, "Not Found");
  }

  /** `GET /orgs/{org}`: the fields GitHub shows anyone (owners see more). */
  #organization(): Record<string, unknown> {
    const api = `${this.url}/orgs/${this.org}`;
    return {
      login: this.org,
      id: 9_000_001,
      node_id: "O_kgDOAIlUQQ",
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: "https://avatars.githubusercontent.com/u/9000001?v=4",
      description: null,
      name: this.org,
      company: null,
      blog: "",
      location: null,
      email: null,
      twitter_username: null,
      is_verified: false,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      html_url: `https://github.com/${this.org}`,
      created_at: "2019-04-01T09:00:00Z",
      updated_at: "2026-01-10T09:00:00Z",
      archived_at: null,
      type: "Organization",
    };
  }

  #removePatGrant(id: number): void {
    const index = this.patGrants.findIndex((g) => g.id === id);
    if (index >= 0) this.patGrants.splice(index, 1);
  }

  /** `POST /app/installations/{installation_id}/access_tokens`, authenticated with the App's JWT. */
  #mintInstallationToken(
    installationId: string,
    authorization: string,
    send: (status: number, payload?: unknown) => void,
    refuse: (status: number, message: string) => void,
  ): undefined {
    const error = (status: number, message: string): undefined => {
      refuse(status, message);
      return undefined;
    };
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const jwt = bearer === undefined ? undefined : decodeJwt(bearer);
    if (jwt?.header.alg !== "RS256") return error(401, "A JSON web token could not be decoded");
    const iss = jwt.payload.iss;
    const app = this.#apps.find((a) => String(a.appId) === String(iss));
    if (!app) return error(401, "'Issuer' claim ('iss') must be an Integer");
    if (!verifyJwtSignature(jwt, toPublicKey(app.publicKey))) {
      return error(401, "A JSON web token could not be decoded");
    }
    const now = Math.floor(this.#now() / 1000);
    const { iat, exp } = jwt.payload;
    if (typeof iat !== "number" || iat > now + 60) {
      return error(401, "'Issued at' claim ('iat') must be an Integer representing a time in the past");
    }
    if (typeof exp !== "number" || exp <= now) {
      return error(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (exp > now + 600) return error(401, "'Expiration time' claim ('exp') is too far in the future");
    if (String(app.installationId) !== installationId) return error(404, "Not Found");
    const expiresAtMs = (now + Math.floor(this.#tokenTtlMs / 1000)) * 1000;
    const token = `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`;
    const permissions = app.permissions ?? { organization_personal_access_tokens: "write" };
    this.mintedTokens.push({ installationId: app.installationId, token, expiresAtMs, permissions });
    send(201, {
      token,
      expires_at: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions,
      repository_selection: "all",
    });
    return undefined;
  }

  #graphql(body: unknown, send: (status: number, payload?: unknown) => void): void {
    const { variables } = (body ?? {}) as {
      variables?: { org?: string; after?: string | null; first?: number };
    };
    if (variables?.org !== this.org) {
      send(200, {
        data: { organization: null },
        errors: [
          { type: "NOT_FOUND", path: ["organization"], message: `Could not resolve to an Organization.` },
        ],
      });
      return;
    }
    if (this.samlIdentities === null) {
      send(200, { data: { organization: { samlIdentityProvider: null } } });
      return;
    }
    const all = [...this.samlIdentities];
    const start = variables.after ? Number(variables.after) : 0;
    const first = Math.min(100, Math.max(1, Number(variables.first ?? 100) || 100));
    const slice = all.slice(start, start + first);
    const end = start + slice.length;
    send(200, {
      data: {
        organization: {
          samlIdentityProvider: {
            externalIdentities: {
              totalCount: all.length,
              pageInfo: { hasNextPage: end < all.length, endCursor: end < all.length ? String(end) : null },
              edges: slice.map(([login, nameId]) => ({
                node: { samlIdentity: { nameId, emails: [{ value: nameId }] }, user: { login } },
              })),
            },
          },
        },
      },
    });
  }
}
