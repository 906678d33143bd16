/**
 * A local fake of the parts of Google the Workspace source talks to: the OAuth token endpoint
 * (JWT-bearer grant, as a service account with domain-wide delegation uses it) and the Admin SDK
 * Directory API's users.list, users.get, tokens, asps and users.signOut, with Google's JSON error
 * bodies. Domain-wide delegation lets a service account act as any user of the domain, but only an
 * admin may call the Directory API: a subject that is not one gets a token, then 403 `forbidden`
 * ("Not Authorized to access this resource/api") on every call; a subject that is no user of the
 * domain gets no token (400 `invalid_grant`, "Invalid email or User ID").
 * It listens on 127.0.0.1 on a free port; tests point the real client library at it.
 */
import { createPublicKey, type KeyObject, randomBytes, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalServer } from "./local-server.ts";

/** A third-party OAuth grant, as `tokens.list` returns it. */
export interface FakeGoogleToken {
  readonly clientId: string;
  readonly displayText?: string;
  readonly scopes: readonly string[];
  readonly nativeApp?: boolean;
  readonly anonymous?: boolean;
}

/** An application-specific password, as `asps.list` returns it (times: Unix milliseconds as strings). */
export interface FakeGoogleAsp {
  readonly codeId: number;
  readonly name: string;
  readonly creationTime: string;
  readonly lastTimeUsed: string;
}

/** A Workspace user and the credentials the fake holds for them. */
export interface FakeGoogleUser {
  readonly id: string;
  readonly primaryEmail: string;
  readonly aliases?: readonly string[];
  suspended?: boolean;
  /** A super admin (`isAdmin` in the Directory API). @default false */
  readonly isAdmin?: boolean;
  readonly customerId?: string;
  readonly lastLoginTime?: string;
  readonly creationTime?: string;
  readonly externalIds?: readonly { type: string; value: string }[];
  tokens?: FakeGoogleToken[];
  asps?: FakeGoogleAsp[];
}

/** One request the fake answered. */
export interface FakeGoogleCall {
  readonly method: string;
  readonly path: string;
  /** The query parameters, as received. */
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** The Authorization header as received, so tests can check no secret went where it should not. */
  readonly authorization?: string;
}

/** The claims of a JWT assertion the token endpoint accepted or refused. */
export interface FakeTokenRequest {
  readonly iss?: string;
  readonly sub?: string;
  readonly scope?: string;
  readonly aud?: string;
  readonly status: number;
}

/** A failure the fake injects into the next matching Directory API requests. */
export interface FakeFailure {
  readonly times: number;
  readonly status: number;
  readonly reason: string;
  readonly message?: string;
  /** Which requests it hits. @default every Directory API request */
  readonly match?: (method: string, path: string) => boolean;
}

/** What the fake starts with: its users, the service account it trusts, the delegated scopes. */
export interface FakeGoogleOptions {
  readonly users?: readonly FakeGoogleUser[];
  /** The service account's public key; when given, assertion signatures are verified. */
  readonly publicKey?: KeyObject | string;
  /** The service account email `iss` must carry. @default any */
  readonly serviceAccountEmail?: string;
  /** Scopes the domain-wide delegation grant allows. @default the two the source needs */
  readonly delegatedScopes?: readonly string[];
  /**
   * The domain's admins, the subjects allowed to call the Directory API. Any other subject that is
   * one of `users` gets a token and then 403 `forbidden`; a subject that is neither gets no token.
   * @default every subject is an admin
   */
  readonly adminSubjects?: readonly string[];
  /**
   * The admins whose role may read and manage users' security settings (tokens, asps, signOut):
   * another admin may list and read users, then gets 403 `forbidden` on those, as an admin role
   * with Users > Read and without Users > Security settings does. @default every admin
   */
  readonly securityAdmins?: readonly string[];
  /** The customer id `my_customer` stands for (the admins'). @default the first user's, else "C0fake" */
  readonly customerId?: string;
}

/** A running fake and its switches. */
export interface FakeGoogle {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Directory API root URL for the client library. */
  readonly rootUrl: string;
  /** OAuth token endpoint. */
  readonly tokenUrl: string;
  readonly calls: FakeGoogleCall[];
  readonly tokenRequests: FakeTokenRequest[];
  /** User ids signed out, in order. */
  readonly signOuts: string[];
  user(key: string): FakeGoogleUser | undefined;
  /** The next `times` API requests answer a rate limit (429, or 403 with the reason). */
  rateLimit(times: number, reason?: "rateLimitExceeded" | "userRateLimitExceeded"): void;
  /** Injects any failure. */
  fail(failure: FakeFailure): void;
  /** The token endpoint refuses the service account (401 unauthorized_client) while on. */
  rejectTokens(on: boolean): void;
  close(): Promise<void>;
}

const SECURITY = "https://www.googleapis.com/auth/admin.directory.user.security";
const USER_READONLY = "https://www.googleapis.com/auth/admin.directory.user.readonly";
const USER = "https://www.googleapis.com/auth/admin.directory.user";
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const API = "/admin/directory/v1/users/";
const LIST = "/admin/directory/v1/users";

/** Starts the fake on 127.0.0.1, port 0. Close it in `afterEach`/`afterAll`. */
export async function startGoogleFake(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const users = (options.users ?? []).map((u) => structuredClone(u) as FakeGoogleUser);
  const publicKey =
    options.publicKey === undefined
      ? undefined
      : typeof options.publicKey === "string"
        ? createPublicKey(options.publicKey)
        : options.publicKey;
  const delegated = new Set(options.delegatedScopes ?? [SECURITY, USER_READONLY]);
  const accessTokens = new Map<string, { scopes: Set<string>; sub: string }>();
  const admins =
    options.adminSubjects === undefined
      ? undefined
      : new Set(options.adminSubjects.map((a) => a.toLowerCase()));
  const securityAdmins =
    options.securityAdmins === undefined
      ? undefined
      : new Set(options.securityAdmins.map((a) => a.toLowerCase()));
  const customerId = options.customerId ?? users[0]?.customerId ?? "C0fake";
  const calls: FakeGoogleCall[] = [];
  const tokenRequests: FakeTokenRequest[] = [];
  const signOuts: string[] = [];
  const failures: { remaining: number; failure: FakeFailure }[] = [];
  let refuseTokens = false;
  let baseUrl = "";

  const find = (key: string): FakeGoogleUser | undefined => {
    const k = key.toLowerCase();
    return users.find(
      (u) =>
        u.id === key ||
        u.primaryEmail.toLowerCase() === k ||
        (u.aliases ?? []).some((alias) => alias.toLowerCase() === k),
    );
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const form = new URLSearchParams(await readBody(req));
    const grantType = form.get("grant_type");
    if (grantType !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      tokenRequests.push({ status: 400 });
      return oauthError(res, 400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    }
    const parts = (form.get("assertion") ?? "").split(".");
    const [headerPart, payloadPart, signaturePart] = parts;
    if (parts.length !== 3 || !headerPart || !payloadPart || !signaturePart) {
      tokenRequests.push({ status: 400 });
      return oauthError(
        res,
        400,
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
      );
    }
    const header = decodeJson(headerPart);
    const claims = decodeJson(payloadPart);
    const record = (status: number): FakeTokenRequest => {
      const entry = {
        iss: str(claims?.iss),
        sub: str(claims?.sub),
        scope: str(claims?.scope),
        aud: str(claims?.aud),
        status,
      };
      tokenRequests.push(entry);
      return entry;
    };
    if (header?.alg !== "RS256" || claims === undefined) {
      record(400);
      return oauthError(res, 400, "invalid_grant", "Invalid JWT header or claims.");
    }
    const now = Math.floor(Date.now() / 1000);
    const missing = ["iss", "sub", "scope", "aud", "iat", "exp"].filter((c) => claims[c] === undefined);
    if (missing.length > 0) {
      record(400);
      return oauthError(res, 400, "invalid_request", `Missing required claims: ${missing.join(", ")}`);
    }
    if (claims.aud !== GOOGLE_TOKEN_URL && claims.aud !== `${baseUrl}/token`) {
      record(400);
      return oauthError(res, 400, "invalid_grant", "Invalid JWT: aud is not the token endpoint.");
    }
    if (typeof claims.exp !== "number" || claims.exp < now || typeof claims.iat !== "number") {
      record(400);
      return oauthError(res, 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token.");
    }
    if (publicKey !== undefined) {
      const signed = Buffer.from(`${headerPart}.${payloadPart}`);
      if (!verify("RSA-SHA256", signed, publicKey, Buffer.from(signaturePart, "base64url"))) {
        record(400);
        return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
      }
    }
    if (options.serviceAccountEmail !== undefined && claims.iss !== options.serviceAccountEmail) {
      record(400);
      return oauthError(res, 400, "invalid_grant", "Invalid email or User ID");
    }
    const sub = String(claims.sub);
    if (admins !== undefined && !admins.has(sub.toLowerCase()) && find(sub) === undefined) {
      record(400);
      return oauthError(res, 400, "invalid_grant", "Invalid email or User ID");
    }
    const requested = String(claims.scope).split(" ").filter(Boolean);
    if (refuseTokens || requested.some((s) => !delegated.has(s))) {
      record(401);
      return oauthError(
        res,
        401,
        "unauthorized_client",
        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
      );
    }
    record(200);
    const accessToken = `ya29.fake-${randomBytes(12).toString("hex")}`;
    accessTokens.set(accessToken, { scopes: new Set(requested), sub });
    return json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: "Bearer" });
  };

  const handleApi = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): number => {
    const method = req.method ?? "GET";
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer === undefined ? undefined : accessTokens.get(bearer);
    const granted = token?.scopes;
    if (token === undefined || granted === undefined) {
      return googleError(res, 401, "authError", "Request had invalid authentication credentials.", {
        location: "Authorization",
        locationType: "header",
        status: "UNAUTHENTICATED",
      });
    }
    const injected = failures.find((f) => f.remaining > 0 && (f.failure.match?.(method, path) ?? true));
    if (injected !== undefined) {
      injected.remaining--;
      const { status, reason, message } = injected.failure;
      return googleError(res, status, reason, message ?? defaultMessage(status, reason));
    }
    if (admins !== undefined && !admins.has(token.sub.toLowerCase())) {
      return googleError(res, 403, "forbidden", "Not Authorized to access this resource/api");
    }
    if (path === LIST) {
      if (method !== "GET") return googleError(res, 404, "notFound", `Method not found: ${method} ${path}`);
      return listUsers(res, granted, query);
    }
    const segments = path
      .slice(API.length)
      .split("/")
      .map((s) => decodeURIComponent(s));
    const [userKey, collection, itemId] = segments;
    const needs = collection === undefined ? [USER_READONLY, USER] : [SECURITY];
    if (!needs.some((scope) => granted.has(scope))) {
      return googleError(
        res,
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
      );
    }
    if (
      collection !== undefined &&
      securityAdmins !== undefined &&
      !securityAdmins.has(token.sub.toLowerCase())
    ) {
      return googleError(res, 403, "forbidden", "Not Authorized to access this resource/api");
    }
    const user = userKey === undefined ? undefined : find(userKey);
    if (user === undefined) {
      return googleError(res, 404, "notFound", "Resource Not Found: userKey");
    }
    if (method === "GET" && collection === undefined) return json(res, 200, userResource(user));
    if (method === "GET" && collection === "tokens" && itemId === undefined) {
      const items = (user.tokens ?? []).map((t) => ({
        kind: "admin#directory#token",
        etag: `"${t.clientId}"`,
        clientId: t.clientId,
        displayText: t.displayText,
        scopes: t.scopes,
        nativeApp: t.nativeApp ?? false,
        anonymous: t.anonymous ?? false,
        userKey: user.id,
      }));
      // Google leaves `items` out when the list is empty.
      return json(res, 200, {
        kind: "admin#directory#tokenList",
        etag: '"tokens"',
        ...(items.length ? { items } : {}),
      });
    }
    if (method === "DELETE" && collection === "tokens" && itemId !== undefined) {
      const before = user.tokens?.length ?? 0;
      user.tokens = (user.tokens ?? []).filter((t) => t.clientId !== itemId);
      if (user.tokens.length === before)
        return googleError(res, 404, "notFound", "Resource Not Found: clientId");
      return empty(res);
    }
    if (method === "GET" && collection === "asps" && itemId === undefined) {
      const items = (user.asps ?? []).map((a) => ({
        kind: "admin#directory#asp",
        etag: `"${a.codeId}"`,
        codeId: a.codeId,
        name: a.name,
        creationTime: a.creationTime,
        lastTimeUsed: a.lastTimeUsed,
        userKey: user.id,
      }));
      return json(res, 200, {
        kind: "admin#directory#asps",
        etag: '"asps"',
        ...(items.length ? { items } : {}),
      });
    }
    if (method === "DELETE" && collection === "asps" && itemId !== undefined) {
      const before = user.asps?.length ?? 0;
      user.asps = (user.asps ?? []).filter((a) => String(a.codeId) !== itemId);
      if (user.asps.length === before) return googleError(res, 404, "notFound", "Resource Not Found: codeId");
      return empty(res);
    }
    if (method === "POST" && collection === "signOut" && itemId === undefined) {
      signOuts.push(user.id);
      return empty(res);
    }
    return googleError(res, 404, "notFound", `Method not found: ${method} ${path}`);
  };

  /**
   * `users.list`: `customer` (`my_customer` or the id) or `domain`, `maxResults` (1 to 500, default
   * 100) and `pageToken`; Google leaves `users` out of an empty page. A customer or domain Google
   * does not know answers 400 `badRequest`.
   */
  const listUsers = (res: ServerResponse, granted: Set<string>, query: URLSearchParams): number => {
    if (![USER_READONLY, USER].some((scope) => granted.has(scope))) {
      return googleError(
        res,
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
      );
    }
    const customer = query.get("customer");
    const domain = query.get("domain");
    if (customer === null && domain === null) return googleError(res, 400, "badRequest", "Bad Request");
    const ofTenant = users.filter((u) => (u.customerId ?? "C0fake") === customerId);
    const domains = new Set(ofTenant.map((u) => u.primaryEmail.split("@")[1]?.toLowerCase()));
    if (
      (customer !== null && customer !== "my_customer" && customer !== customerId) ||
      (domain !== null && !domains.has(domain.toLowerCase()))
    ) {
      return googleError(res, 400, "badRequest", "Bad Request");
    }
    // Of Google's search syntax, only `isAdmin=true|false` (guides/search-users): what the source sends.
    const search = query.get("query");
    const isAdmin = search === null ? undefined : /^isAdmin=(true|false)$/.exec(search)?.[1];
    if (search !== null && isAdmin === undefined) return googleError(res, 400, "invalid", "Invalid Input");
    const selected = (
      domain === null
        ? ofTenant
        : ofTenant.filter((u) => u.primaryEmail.toLowerCase().endsWith(`@${domain.toLowerCase()}`))
    ).filter((u) => isAdmin === undefined || (u.isAdmin ?? false) === (isAdmin === "true"));
    const max = Math.min(500, Math.max(1, Number(query.get("maxResults") ?? 100) || 100));
    const start = Number(query.get("pageToken") ?? 0) || 0;
    const items = selected.slice(start, start + max).map(userResource);
    return json(res, 200, {
      kind: "admin#directory#users",
      etag: '"users"',
      ...(items.length ? { users: items } : {}),
      ...(start + max < selected.length ? { nextPageToken: String(start + max) } : {}),
    });
  };

  const server = await LocalServer.listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const answer = async (): Promise<number> => {
      if (method === "POST" && path === "/token") return handleToken(req, res);
      if (path.startsWith(API) || path === LIST) {
        await readBody(req);
        return handleApi(req, res, path, url.searchParams);
      }
      return googleError(res, 404, "notFound", `Not found: ${path}`);
    };
    // A request the fake fails on answers 500 (LocalServer) and is not counted as a call.
    const status = await answer();
    calls.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      status,
      authorization: req.headers.authorization,
    });
  });
  baseUrl = server.url;

  return {
    url: baseUrl,
    rootUrl: `${baseUrl}/`,
    tokenUrl: `${baseUrl}/token`,
    calls,
    tokenRequests,
    signOuts,
    user: find,
    rateLimit(times, reason) {
      failures.push({
        remaining: times,
        failure:
          reason === undefined
            ? { times, status: 429, reason: "rateLimitExceeded" }
            : { times, status: 403, reason },
      });
    },
    fail(failure) {
      failures.push({ remaining: failure.times, failure });
    },
    rejectTokens(on) {
      refuseTokens = on;
    },
    close: () => server.close(),
  };
}

/** A user as `users.get` and `users.list` return it (the fields the source reads). */
function userResource(user: FakeGoogleUser): Record<string, unknown> {
  return {
    kind: "admin#directory#user",
    id: user.id,
    primaryEmail: user.primaryEmail,
    suspended: user.suspended ?? false,
    isAdmin: user.isAdmin ?? false,
    customerId: user.customerId ?? "C0fake",
    lastLoginTime: user.lastLoginTime ?? "1970-01-01T00:00:00.000Z",
    creationTime: user.creationTime ?? "2020-01-01T00:00:00.000Z",
    externalIds: user.externalIds ?? [],
    aliases: user.aliases ?? [],
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
  return status;
}

function empty(res: ServerResponse): number {
  res.writeHead(204);
  res.end();
  return 204;
}

/** Google's OAuth error body: `{ error, error_description }`. */
function oauthError(res: ServerResponse, status: number, error: string, description: string): number {
  return json(res, status, { error, error_description: description });
}

/** Google's API error body: `{ error: { code, message, errors: [{ message, domain, reason }] } }`. */
function googleError(
  res: ServerResponse,
  status: number,
  reason: string,
  message: string,
  extra: { location?: string; locationType?: string; status?: string } = {},
): number {
  const domain =
    reason.endsWith("RateLimitExceeded") || reason === "quotaExceeded" ? "usageLimits" : "global";
  return json(res, status, {
    error: {
      code: status,
      message,
      errors: [
        {
          message,
          domain,
          reason,
          ...(extra.location ? { location: extra.location, locationType: extra.locationType } : {}),
        },
      ],
      ...(extra.status ? { status: extra.status } : {}),
    },
  });
}

function defaultMessage(status: number, reason: string): string {
  if (status === 429) return "Resource has been exhausted (e.g. check quota).";
  if (reason === "userRateLimitExceeded") return "Quota exceeded for quota metric 'Queries' per user.";
  if (reason === "rateLimitExceeded") return "Rate Limit Exceeded";
  return `${reason}`;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
