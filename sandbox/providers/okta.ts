/**
 * A local fake of the parts of the Okta Users API the Okta source calls, on 127.0.0.1 and a free
 * port: users (by id, login, short name, and `search=profile.email eq "..."`), user grants,
 * clients, refresh tokens and sessions. Lists page with `limit` and an `after` cursor announced in
 * `Link: <...>; rel="next"`; errors carry Okta's body (`errorCode`, `errorSummary`, ...); every
 * answer carries the `X-Rate-Limit-*` headers.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

export interface FakeOktaOptions {
  /** The API token the fake accepts as `SSWS <token>`. @default "00fake-okta-api-token-0000000000000000000" */
  readonly apiToken?: string;
  /** Page size when the caller asks for more. @default 200 */
  readonly maxPageSize?: number;
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
  readonly #server: Server;
  readonly #maxPageSize: number;
  readonly #users = new Map<string, UserState>();
  #rateLimitLeft = 0;
  #rateLimitPath: RegExp | undefined;
  #unauthorized = false;

  private constructor(server: Server, options: FakeOktaOptions) {
    this.#server = server;
    this.apiToken = options.apiToken ?? "00fake-okta-api-token-0000000000000000000";
    this.#maxPageSize = options.maxPageSize ?? 200;
  }

  /** Starts the fake on 127.0.0.1 and a free port. */
  static async start(options: FakeOktaOptions = {}): Promise<FakeOkta> {
    let fake: FakeOkta | undefined;
    const server = createServer((req, res) => {
      fake?.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    fake = new FakeOkta(server, options);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** `http://127.0.0.1:<port>`, the org URL to give the client. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
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

  #state(userId: string): UserState {
    const state = this.#users.get(userId);
    if (!state) throw new Error(`fake okta: no user ${userId}`);
    return state;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req) {
      // Bodies are not needed: every call the source makes carries its input in the URL.
    }
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

    if (this.#unauthorized || req.headers.authorization !== `SSWS ${this.apiToken}`) {
      error(401, "E0000011", "Invalid token provided");
      return;
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
