/**
 * The Okta credential source: for each departed person, the Okta user's OAuth consent grants,
 * refresh tokens, and Okta (IdP) web sessions. Targeted: it looks up only the people on the
 * departure list, never the whole directory.
 */

import { createPrivateKey, type JsonWebKey } from "node:crypto";
import type {
  Collection,
  OAuth2Client,
  OAuth2RefreshToken,
  OAuth2ScopeConsentGrant,
  Client as OktaClient,
  User as OktaUser,
} from "@okta/okta-sdk-nodejs";
import okta from "@okta/okta-sdk-nodejs";
import { mapLimit } from "../../core/concurrency.ts";
import type { ActionRecord, Credential, CredentialKind, OwnerHints, Person } from "../../core/model.ts";
import type {
  CredentialSource,
  DiscoverContext,
  Discovery,
  RevokeContext,
  SourceProblem,
} from "../../core/ports/credential-source.ts";
import type { PreflightCheck } from "../../core/ports/preflight.ts";
import {
  describeOktaError,
  describeTokenRefusal,
  type OktaFailure,
  OktaRequestError,
  redact,
} from "./okta-errors.ts";

const { Client, DefaultRequestExecutor } = okta;

/**
 * The scopes an OAuth 2.0 service app asks for when the configuration names none: everything
 * the source calls (see `oktaPermissions`).
 */
export const DEFAULT_OKTA_SCOPES: readonly string[] = ["okta.users.read", "okta.users.manage"];

/** An OAuth 2.0 API service app that authenticates with a private key JWT (`private_key_jwt`). */
export interface OktaServiceAppCredentials {
  /** The service app's client id (`0oa...`). */
  readonly clientId: string;
  /** The private key whose public half is registered for the app: PEM, or a JWK as JSON text. */
  readonly privateKey: string;
  /** The key's `kid` in Okta; needed with a PEM key when the app has several keys. */
  readonly keyId?: string;
  /** Okta API scopes to request. @default DEFAULT_OKTA_SCOPES */
  readonly scopes?: readonly string[];
}

/** A service app key that node:crypto cannot read as a private key (PEM or JWK). */
export class OktaPrivateKeyError extends Error {
  override readonly name = "OktaPrivateKeyError";
}

/** How the Okta source is built. */
export interface OktaSourceOptions {
  /** `https://acme.okta.com`; also the `account` of every credential (its host). */
  readonly orgUrl: string;
  /**
   * The API token (SSWS), already read from its secret. Ignored when `client` is given. Give
   * this or `serviceApp`.
   */
  readonly apiToken?: string;
  /**
   * An OAuth 2.0 service app: the SDK's own `authorizationMode: "PrivateKey"`, which gets a
   * scoped access token from `{orgUrl}/oauth2/v1/token` with a signed client assertion. Ignored
   * when `client` is given; not together with `apiToken`.
   */
  readonly serviceApp?: OktaServiceAppCredentials;
  /**
   * A ready Okta client (e.g. a service app with `authorizationMode: "PrivateKey"`). When given,
   * the source uses it as is.
   * @default a client built from `orgUrl` and `apiToken`, with caching off
   */
  readonly client?: OktaClient;
  /**
   * Report each signed-in user's Okta sessions as a `web-sessions` credential and clear them on
   * revoke (`DELETE /api/v1/users/{id}/sessions?oauthTokens=true`).
   * @default true
   */
  readonly clearSessions?: boolean;
  /** People looked up at the same time. @default 4 */
  readonly concurrency?: number;
  /** Retries of a call answered 429, each after `X-Rate-Limit-Reset`. @default 3 */
  readonly maxRateLimitRetries?: number;
  /**
   * Longest a single call may take, waits for rate limits included; a 429 whose reset lies
   * further away fails that call instead of stalling the scan.
   * @default 120000
   */
  readonly requestTimeoutMs?: number;
}

/** The Okta user a departed person was found as. */
interface FoundUser {
  readonly id: string;
  readonly login: string;
  readonly email?: string;
  readonly employeeNumber?: string;
  readonly status?: string;
  readonly lastLogin?: Date | null;
}

/** What the preflight says about a service app: no key, only what names it. */
interface ServiceAppFacts {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly keyId?: string;
}

/** What the token endpoint issued, as far as a check reports it. */
interface TokenAnswer {
  readonly tokenType?: string;
  readonly scope?: string;
}

/** Okta's token endpoint refused the service app; carries its `{ error, error_description }`. */
class OktaTokenRefusedError extends OktaRequestError {
  constructor(
    failure: OktaFailure,
    readonly answer: { readonly error: string; readonly description?: string },
  ) {
    super(failure);
  }
}

/** Whether a 403 came with `WWW-Authenticate: ... error="insufficient_scope"` (an access token's scopes). */
function insufficientScope(error: unknown): boolean {
  // The SDK keeps node-fetch's `Headers` (not the global class): read it by its `get`.
  const headers = (error as { headers?: { get?: unknown } } | null)?.headers;
  const value =
    typeof headers?.get === "function"
      ? (headers.get as (name: string) => unknown).call(headers, "www-authenticate")
      : undefined;
  return typeof value === "string" && value.includes("insufficient_scope");
}

/** Drains an SDK collection (it follows `Link: rel="next"` with the `after` cursor). */
async function drain<T>(collection: Collection<T>): Promise<T[]> {
  const out: T[] = [];
  // The SDK yields `null` for an empty page that still has a next link.
  for await (const item of collection) if (item !== null && item !== undefined) out.push(item as T);
  return out;
}

function isoOrNull(date: Date | null | undefined): string | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/** Okta as a credential source: OAuth grants, refresh tokens and web sessions of departed people. */
export class OktaSource implements CredentialSource {
  readonly id = "okta" as const;
  readonly #client: OktaClient;
  readonly #account: string;
  readonly #secrets: readonly string[];
  readonly #clearSessions: boolean;
  readonly #concurrency: number;
  /** Built here in service app mode: its access token is checked before use. */
  #serviceApp = false;
  /** The service app's client id and the scopes it asks for (service app mode only). */
  #app: ServiceAppFacts | undefined;
  #apiCalls = 0;
  #backoffs = 0;

  constructor(options: OktaSourceOptions) {
    this.#account = new URL(options.orgUrl).host;
    this.#clearSessions = options.clearSessions ?? true;
    this.#concurrency = options.concurrency ?? 4;
    this.#secrets = [
      ...(options.apiToken === undefined ? [] : [options.apiToken]),
      ...(options.serviceApp === undefined ? [] : [options.serviceApp.privateKey]),
    ];
    if (options.client) {
      this.#client = options.client;
    } else {
      const common = {
        orgUrl: options.orgUrl,
        // The SDK caches single-resource GETs by default; a read-back must see the org, not a cache.
        cacheMiddleware: null,
        requestExecutor: new DefaultRequestExecutor({
          maxRetries: options.maxRateLimitRetries ?? 3,
          requestTimeout: options.requestTimeoutMs ?? 120_000,
        }),
      };
      const app = options.serviceApp;
      if (app && options.apiToken)
        throw new TypeError("OktaSource takes an apiToken or a serviceApp, not both");
      if (app) {
        checkPrivateKey(app.privateKey);
        this.#client = new Client({
          ...common,
          authorizationMode: "PrivateKey",
          clientId: app.clientId,
          scopes: [...(app.scopes ?? DEFAULT_OKTA_SCOPES)],
          privateKey: app.privateKey,
          ...(app.keyId ? { keyId: app.keyId } : {}),
        });
        this.#serviceApp = true;
        this.#app = {
          clientId: app.clientId,
          scopes: app.scopes ?? DEFAULT_OKTA_SCOPES,
          ...(app.keyId ? { keyId: app.keyId } : {}),
        };
      } else if (options.apiToken) {
        this.#client = new Client({ ...common, token: options.apiToken });
      } else {
        throw new TypeError("OktaSource needs an apiToken, a serviceApp or a client");
      }
    }
    // The SDK's executor already waits out a 429 until `X-Rate-Limit-Reset`; count what it does.
    this.#client.requestExecutor.on("request", () => {
      this.#apiCalls++;
    });
    this.#client.requestExecutor.on("backoff", () => {
      this.#backoffs++;
    });
  }

  /**
   * Read-only checks for `iam-hygiene check`, through the client, auth and retries discovery
   * uses: the service app's access token (the private key JWT and, when the app requires it, DPoP),
   * one page of one user (`GET /api/v1/users?limit=1`), and one page of that user's grants. What
   * revocation needs (`okta.users.manage`, an admin role that manages users) is stated, not tried.
   */
  async preflight(): Promise<PreflightCheck[]> {
    const checks: PreflightCheck[] = [];
    const app = this.#app;
    if (app) {
      const name = `okta: service app ${app.clientId} access token`;
      try {
        const token = await this.#ensureAccessToken();
        const granted = (token?.scope ?? app.scopes.join(" ")).split(" ").filter((s) => s !== "");
        const revocation = granted.includes("okta.users.manage")
          ? ""
          : "; revoking needs okta.users.manage, which sources.okta.oauth.scopes does not ask for: " +
            "the scan can report but not revoke";
        checks.push({
          name,
          ok: true,
          detail: `Okta issued ${token?.tokenType === "DPoP" ? "a DPoP-bound" : "an"} access token for ${granted.join(" ")}${revocation}`,
        });
      } catch (error) {
        checks.push({ name, ok: false, detail: this.#tokenRefusalDetail(error, app) });
        // Every API call needs the token: nothing more can be checked.
        return checks;
      }
    }

    const who = app ? "the service app" : "the API token";
    let firstUser: string | undefined;
    try {
      const page = await (await this.#client.userApi.listUsers({ limit: 1 })).next();
      firstUser = page.value?.id ?? undefined;
      checks.push({
        name: "okta: list users",
        ok: true,
        detail:
          `GET /api/v1/users?limit=1 answered: ${who} can read users. Revoking grants, refresh tokens ` +
          `and sessions ${app ? "also needs the app's admin role" : "needs the token's admin role"} to manage ` +
          "users (Super or Org Administrator), which cannot be checked without acting",
      });
    } catch (error) {
      checks.push({ name: "okta: list users", ok: false, detail: this.#readRefusalDetail(error, "users") });
      return checks;
    }

    if (firstUser === undefined) {
      checks.push({
        name: "okta: list a user's grants",
        ok: true,
        detail: "not checked: the org listed no user whose grants could be read",
      });
      return checks;
    }
    try {
      await (await this.#client.userApi.listUserGrants({ userId: firstUser, limit: 1 })).next();
      checks.push({
        name: "okta: list a user's grants",
        ok: true,
        detail: `GET /api/v1/users/${firstUser}/grants?limit=1 answered: ${who} can read users' grants`,
      });
    } catch (error) {
      checks.push({
        name: "okta: list a user's grants",
        ok: false,
        detail: this.#readRefusalDetail(error, "users' grants"),
      });
    }
    return checks;
  }

  /** Why the service app got no access token, and what to change. */
  #tokenRefusalDetail(error: unknown, app: ServiceAppFacts): string {
    if (!(error instanceof OktaTokenRefusedError)) {
      const failure =
        error instanceof OktaRequestError ? error.failure : describeOktaError(error, this.#secrets);
      return failure.status === 0
        ? `${failure.message}: check sources.okta.orgUrl and that this host can reach it`
        : failure.message;
    }
    const { error: code, description } = error.answer;
    const said = `${code}${description ? `: ${description}` : ""}`;
    let fix: string;
    switch (code) {
      case "invalid_client":
        fix =
          "check sources.okta.oauth.clientId and that the private key matches a public key registered for " +
          `the app${app.keyId ? ` with kid ${app.keyId}` : ""} (Admin Console: Applications > Applications > ` +
          "the app > General > Client Credentials > Public keys)";
        break;
      case "invalid_scope":
        fix =
          `grant the app every scope it asks for (${app.scopes.join(" ")}) in the Admin Console: Applications > ` +
          "Applications > the app > Okta API Scopes, or ask for fewer in sources.okta.oauth.scopes; " +
          "discovery needs okta.users.read, revocation okta.users.manage";
        break;
      case "invalid_dpop_proof":
        fix =
          "the app requires DPoP and Okta refused the proof the scan signed with its private key: check this " +
          "host's clock (the proof's iat must be current) and that sources.okta.orgUrl is the org URL Okta " +
          "serves the token endpoint at (the proof names it)";
        break;
      default:
        fix = "check sources.okta.oauth and the app's settings in the Admin Console";
    }
    return redact(`Okta refused the service app's access token request (${said}): ${fix}`, this.#secrets);
  }

  /** Why a read was refused, and what to change. */
  #readRefusalDetail(error: unknown, what: string): string {
    const failure =
      error instanceof OktaRequestError ? error.failure : describeOktaError(error, this.#secrets);
    const app = this.#app;
    if (failure.status === 0)
      return `${failure.message}: check sources.okta.orgUrl and that this host can reach it`;
    if (failure.status === 401) {
      return app
        ? `${failure.message}: Okta refused the service app's access token; check the app in the Admin Console`
        : `${failure.message}: Okta refused the API token (wrong, revoked, or expired after 30 days unused); ` +
            "create one in Security > API > Tokens as an admin whose role can read users, and update the " +
            "secret sources.okta.apiToken points to";
    }
    if (failure.status === 403) {
      if (!app) {
        return (
          `${failure.message}: the token's admin role cannot read ${what}; create the token as an admin ` +
          "whose role can (Read-only Administrator to report; Super or Org Administrator to revoke)"
        );
      }
      return insufficientScope(error)
        ? `${failure.message}: the access token lacks okta.users.read; add it to sources.okta.oauth.scopes ` +
            "and grant it to the app (Applications > Applications > the app > Okta API Scopes)"
        : `${failure.message}: the service app's admin role cannot read ${what}; assign it one that can ` +
            "(Applications > Applications > the app > Admin roles: Read-only Administrator to report)";
    }
    if (failure.status === 404) {
      return `${failure.message}: check sources.okta.orgUrl (the Okta org URL, not an authorization server's)`;
    }
    if (failure.rateLimited) return `${failure.message}: Okta's rate limit held out; try again later`;
    return failure.message;
  }

  /** Finds the departed people's Okta users and lists their grants, refresh tokens and sessions. */
  async discover(ctx: DiscoverContext): Promise<Discovery> {
    const callsBefore = this.#apiCalls;
    const backoffsBefore = this.#backoffs;
    const credentials: Credential[] = [];
    const problems: SourceProblem[] = [];
    const notes: string[] = [];
    const stats: Record<string, number> = {
      peopleLookedUp: 0,
      usersFound: 0,
      usersNotConfirmed: 0,
      grants: 0,
      refreshTokens: 0,
      refreshTokensSkippedInactive: 0,
      webSessions: 0,
    };
    const seenUsers = new Set<string>();
    let fatal: OktaFailure | undefined;
    try {
      await this.#ensureAccessToken();
    } catch (error) {
      fatal = error instanceof OktaRequestError ? error.failure : describeOktaError(error, this.#secrets);
    }

    await mapLimit(ctx.people, this.#concurrency, async (person) => {
      if (fatal) return;
      try {
        stats.peopleLookedUp = (stats.peopleLookedUp ?? 0) + 1;
        const users = await this.#findUsers(person);
        for (const user of users) {
          if (seenUsers.has(user.id)) continue;
          seenUsers.add(user.id);
          const hints = this.#hints(user);
          // The lookup tried aliases as logins; only a user the core ties to a departed person counts.
          if (!ctx.resolver.resolve({ ownerHints: hints, principal: user.login })) {
            stats.usersNotConfirmed = (stats.usersNotConfirmed ?? 0) + 1;
            continue;
          }
          stats.usersFound = (stats.usersFound ?? 0) + 1;
          const found = await this.#credentialsOf(user, hints, ctx.now, stats);
          credentials.push(...found);
        }
      } catch (error) {
        const failure =
          error instanceof OktaRequestError ? error.failure : describeOktaError(error, this.#secrets);
        if (failure.fatal) {
          fatal ??= failure;
          return;
        }
        problems.push({
          source: "okta",
          subject: person.emails[0] ?? person.aliases[0] ?? person.displayName ?? "(unnamed person)",
          message: failure.message,
          errorName: failure.rateLimited ? "OktaRateLimitError" : "OktaRequestError",
        });
      }
      ctx.progress?.("okta: people looked up", {
        people: stats.peopleLookedUp ?? 0,
        credentials: credentials.length,
      });
    });

    if (fatal) {
      // One problem for the org: a bad token or an unreachable org fails every person alike.
      problems.push({
        source: "okta",
        subject: this.#account,
        message: fatal.message,
        errorName: fatal.status === 0 ? "OktaUnreachableError" : "OktaUnauthorizedError",
      });
    }
    if (this.#clearSessions) {
      notes.push(
        "Okta has no API that lists one user's sessions: web-sessions is reported for every matched user " +
          "who has signed in, and clearing them is recorded as done, never as verified.",
      );
    }
    stats.apiCalls = this.#apiCalls - callsBefore;
    stats.rateLimitBackoffs = this.#backoffs - backoffsBefore;
    return { credentials, problems, stats, notes };
  }

  /** Revokes one grant or refresh token, or clears the user's sessions (with their OAuth tokens). */
  async revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    const target = this.#target(credential);
    if (typeof target === "string")
      return [{ type: "revoke", status: "failed", detail: target, at: ctx.now }];
    const { userId, clientId } = target;
    const id = credential.nativeId;
    const refused = await this.#tokenProblem();
    if (refused)
      return [
        { type: "revoke", status: "failed", detail: "access token", at: ctx.now, error: errorOf(refused) },
      ];
    let detail: string;
    let call: () => Promise<void>;
    switch (credential.kind) {
      case "oauth-grant":
        detail = `DELETE /api/v1/users/${userId}/grants/${id}`;
        call = () => this.#client.userApi.revokeUserGrant({ userId, grantId: id });
        break;
      case "refresh-token":
        if (!clientId) {
          return [
            { type: "revoke", status: "failed", detail: "refresh token without a clientId", at: ctx.now },
          ];
        }
        detail = `DELETE /api/v1/users/${userId}/clients/${clientId}/tokens/${id}`;
        call = () => this.#client.userApi.revokeTokenForUserAndClient({ userId, clientId, tokenId: id });
        break;
      case "web-sessions":
        detail = `DELETE /api/v1/users/${userId}/sessions?oauthTokens=true`;
        if (!this.#clearSessions) {
          return [
            { type: "revoke", status: "skipped", detail: `${detail} (clearSessions is off)`, at: ctx.now },
          ];
        }
        call = () => this.#client.userApi.revokeUserSessions({ userId, oauthTokens: true });
        break;
      default:
        return [
          { type: "revoke", status: "failed", detail: `okta cannot revoke ${credential.kind}`, at: ctx.now },
        ];
    }
    try {
      await call();
      return [{ type: "revoke", status: "done", detail, at: ctx.now }];
    } catch (error) {
      const failure = describeOktaError(error, this.#secrets);
      // Revoked by someone else, or the user is gone: the credential no longer exists.
      if (failure.notFound)
        return [{ type: "revoke", status: "done", detail: `${detail} (already gone: 404)`, at: ctx.now }];
      return [{ type: "revoke", status: "failed", detail, at: ctx.now, error: errorOf(failure) }];
    }
  }

  /** Reads a grant or refresh token back; sessions cannot be read back, so they stay `done`. */
  async verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    const target = this.#target(credential);
    if (typeof target === "string") return { type: "verify", status: "failed", detail: target, at: ctx.now };
    const { userId, clientId } = target;
    const id = credential.nativeId;
    const refused = await this.#tokenProblem();
    if (refused)
      return {
        type: "verify",
        status: "failed",
        detail: "access token",
        at: ctx.now,
        error: errorOf(refused),
      };
    if (credential.kind === "web-sessions") {
      return {
        type: "verify",
        status: "done",
        detail: `Okta cannot list user ${userId}'s sessions; the clear was accepted but cannot be read back`,
        at: ctx.now,
      };
    }
    let detail: string;
    let read: () => Promise<{ status?: string }>;
    if (credential.kind === "oauth-grant") {
      detail = `GET /api/v1/users/${userId}/grants/${id}`;
      read = () => this.#client.userApi.getUserGrant({ userId, grantId: id });
    } else if (credential.kind === "refresh-token" && clientId) {
      detail = `GET /api/v1/users/${userId}/clients/${clientId}/tokens/${id}`;
      read = () => this.#client.userApi.getRefreshTokenForUserAndClient({ userId, clientId, tokenId: id });
    } else {
      return {
        type: "verify",
        status: "failed",
        detail: `okta cannot verify ${credential.kind}`,
        at: ctx.now,
      };
    }
    try {
      const found = await read();
      if (found.status !== undefined && String(found.status) !== "ACTIVE") {
        return {
          type: "verify",
          status: "verified",
          detail: `${detail}: status ${found.status}`,
          at: ctx.now,
        };
      }
      return {
        type: "verify",
        status: "failed",
        detail: `${detail}: still active`,
        at: ctx.now,
        error: {
          name: "OktaRevocationNotEffectiveError",
          message: `${credential.kind} ${id} is still active`,
        },
      };
    } catch (error) {
      const failure = describeOktaError(error, this.#secrets);
      if (failure.notFound)
        return { type: "verify", status: "verified", detail: `${detail}: gone (404)`, at: ctx.now };
      return { type: "verify", status: "failed", detail, at: ctx.now, error: errorOf(failure) };
    }
  }

  /**
   * In service app mode, gets (or reuses) the access token and throws a fatal `OktaRequestError`
   * when Okta refused it. The SDK would otherwise cache the refusal as if it were a token and
   * send `Bearer undefined`, so the real reason would be lost behind a 401 from the API.
   */
  async #ensureAccessToken(): Promise<TokenAnswer | undefined> {
    const oauth = this.#serviceApp ? this.#client.oauth : undefined;
    if (!oauth) return undefined;
    let answer: unknown;
    try {
      answer = await oauth.getAccessToken();
    } catch (error) {
      throw new OktaRequestError(describeOktaError(error, this.#secrets), { cause: error });
    }
    const a = (typeof answer === "object" && answer !== null ? answer : {}) as Record<string, unknown>;
    if (typeof a.access_token === "string" && a.access_token !== "") {
      return {
        ...(typeof a.token_type === "string" ? { tokenType: a.token_type } : {}),
        ...(typeof a.scope === "string" ? { scope: a.scope } : {}),
      };
    }
    oauth.clearCachedAccessToken();
    throw new OktaTokenRefusedError(describeTokenRefusal(answer, this.#secrets), {
      error: typeof a.error === "string" ? a.error : "no access token",
      ...(typeof a.error_description === "string" ? { description: a.error_description } : {}),
    });
  }

  async #tokenProblem(): Promise<OktaFailure | undefined> {
    try {
      await this.#ensureAccessToken();
      return undefined;
    } catch (error) {
      return error instanceof OktaRequestError ? error.failure : describeOktaError(error, this.#secrets);
    }
  }

  /** Looks a person up by each email and alias as a login, then by email. */
  async #findUsers(person: Person): Promise<FoundUser[]> {
    const found = new Map<string, FoundUser>();
    const logins = [
      ...new Set([...person.emails, ...person.aliases].map((v) => v.trim()).filter((v) => v !== "")),
    ];
    for (const login of logins) {
      try {
        // `GET /api/v1/users/{login}` accepts an id, a login or a login short name.
        const user = await this.#client.userApi.getUser({ userId: login });
        const f = toFound(user);
        if (f) found.set(f.id, f);
      } catch (error) {
        const failure = describeOktaError(error, this.#secrets);
        if (!failure.notFound) throw new OktaRequestError(failure, { cause: error });
      }
    }
    if (found.size === 0) {
      // Logins need not be emails; the profile email is searchable (eventually consistent).
      for (const email of person.emails) {
        const search = `profile.email eq "${email.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
        try {
          for (const user of await drain(await this.#client.userApi.listUsers({ search, limit: 200 }))) {
            const f = toFound(user);
            if (f) found.set(f.id, f);
          }
        } catch (error) {
          throw new OktaRequestError(describeOktaError(error, this.#secrets), { cause: error });
        }
      }
    }
    return [...found.values()];
  }

  async #credentialsOf(
    user: FoundUser,
    hints: OwnerHints,
    now: Date,
    stats: Record<string, number>,
  ): Promise<Credential[]> {
    const out: Credential[] = [];
    const base = (kind: CredentialKind, nativeId: string) => ({
      id: `okta:${this.#account}:${kind}:${nativeId}`,
      source: "okta" as const,
      kind,
      nativeId,
      account: this.#account,
      principal: user.login,
      principalType: "human" as const,
      ownerHints: hints,
      observedAt: now,
    });
    try {
      const grants: OAuth2ScopeConsentGrant[] = await drain(
        await this.#client.userApi.listUserGrants({ userId: user.id, limit: 200 }),
      );
      for (const grant of grants) {
        if (!grant.id || (grant.status !== undefined && String(grant.status) !== "ACTIVE")) continue;
        stats.grants = (stats.grants ?? 0) + 1;
        out.push({
          ...base("oauth-grant", grant.id),
          ...(grant.created ? { createdAt: grant.created } : {}),
          active: true,
          details: {
            userId: user.id,
            clientId: grant.clientId ?? null,
            scopeId: grant.scopeId ?? null,
            issuer: grant.issuer ?? null,
            grantSource: grant.source === undefined ? null : String(grant.source),
          },
        });
      }
      const clients: OAuth2Client[] = await drain(
        await this.#client.userApi.listUserClients({ userId: user.id }),
      );
      for (const client of clients) {
        const clientId = client.client_id;
        if (!clientId) continue;
        const tokens: OAuth2RefreshToken[] = await drain(
          await this.#client.userApi.listRefreshTokensForUserAndClient({
            userId: user.id,
            clientId,
            limit: 200,
          }),
        );
        for (const token of tokens) {
          if (!token.id) continue;
          const expired = token.expiresAt instanceof Date && token.expiresAt.getTime() <= now.getTime();
          if (expired || (token.status !== undefined && String(token.status) !== "ACTIVE")) {
            stats.refreshTokensSkippedInactive = (stats.refreshTokensSkippedInactive ?? 0) + 1;
            continue;
          }
          stats.refreshTokens = (stats.refreshTokens ?? 0) + 1;
          out.push({
            ...base("refresh-token", token.id),
            ...(token.created ? { createdAt: token.created } : {}),
            active: true,
            details: {
              userId: user.id,
              clientId,
              clientName: client.client_name ?? null,
              issuer: token.issuer ?? null,
              expiresAt: isoOrNull(token.expiresAt),
              scopes: token.scopes?.join(" ") ?? null,
            },
          });
        }
      }
    } catch (error) {
      if (error instanceof OktaRequestError) throw error;
      throw new OktaRequestError(describeOktaError(error, this.#secrets), { cause: error });
    }
    // A user who never signed in has no session; anyone else may still hold one.
    if (this.#clearSessions && user.lastLogin instanceof Date) {
      stats.webSessions = (stats.webSessions ?? 0) + 1;
      out.push({
        ...base("web-sessions", user.id),
        lastUsed: { at: user.lastLogin },
        active: true,
        details: {
          userId: user.id,
          userStatus: user.status ?? null,
          lastLogin: isoOrNull(user.lastLogin),
          sessionsListable: false,
        },
      });
    }
    return out;
  }

  #hints(user: FoundUser): OwnerHints {
    const emails = new Set<string>();
    if (user.email) emails.add(user.email);
    if (user.login.includes("@")) emails.add(user.login);
    const usernames = new Set<string>([user.login]);
    const shortName = user.login.split("@")[0];
    if (shortName) usernames.add(shortName);
    return {
      employeeIds: user.employeeNumber ? [user.employeeNumber] : [],
      emails: [...emails],
      usernames: [...usernames],
      tags: user.status ? { oktaStatus: user.status } : {},
    };
  }

  #target(credential: Credential): { userId: string; clientId?: string } | string {
    if (credential.source !== "okta") return `not an okta credential: ${credential.id}`;
    const userId = credential.details?.userId;
    if (typeof userId !== "string" || userId === "") return `okta credential ${credential.id} has no userId`;
    const clientId = credential.details?.clientId;
    return typeof clientId === "string" && clientId !== "" ? { userId, clientId } : { userId };
  }
}

function toFound(
  user: Pick<OktaUser, "id" | "profile" | "status" | "lastLogin"> | undefined,
): FoundUser | undefined {
  if (!user?.id || !user.profile?.login) return undefined;
  return {
    id: user.id,
    login: user.profile.login,
    ...(user.profile.email ? { email: user.profile.email } : {}),
    ...(user.profile.employeeNumber ? { employeeNumber: user.profile.employeeNumber } : {}),
    ...(user.status === undefined ? {} : { status: String(user.status) }),
    lastLogin: user.lastLogin ?? null,
  };
}

function errorOf(failure: OktaFailure): { name: string; message: string } {
  return { name: failure.rateLimited ? "OktaRateLimitError" : "OktaRequestError", message: failure.message };
}

/**
 * Refuses, before any call, a key the SDK could not sign with; the message names the setting,
 * never the key.
 */
function checkPrivateKey(privateKey: string): void {
  const text = privateKey.trim();
  try {
    if (text.startsWith("{")) createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: "jwk" });
    else createPrivateKey(text);
  } catch (error) {
    throw new OktaPrivateKeyError(
      "the Okta service app private key is neither a PEM private key nor a private JWK (JSON)",
      { cause: error instanceof Error ? new Error(error.name) : undefined },
    );
  }
}

/** The `sources.okta` section of the configuration, as parsed. */
export interface OktaSourceConfig {
  readonly orgUrl: string;
  readonly clearSessions: boolean;
  /** Present for a service app; its `privateKey` reference is resolved by the caller. */
  readonly oauth?:
    | {
        readonly clientId: string;
        readonly keyId?: string | undefined;
        readonly scopes: readonly string[];
      }
    | undefined;
}

/** What `oktaSourceFromConfig` needs besides `sources.okta`: the secret of its mode, already read. */
export interface OktaSourceSecrets {
  /** The API token `sources.okta.apiToken` points to. */
  readonly apiToken?: string;
  /** The service app key `sources.okta.oauth.privateKey` points to (PEM or JWK JSON). */
  readonly privateKey?: string;
}

/**
 * Builds the source from configuration and its resolved secret: an API token (a string, or
 * `{ apiToken }`), or, with `sources.okta.oauth`, the service app's `{ privateKey }`.
 */
export function oktaSourceFromConfig(
  config: OktaSourceConfig,
  secrets: string | OktaSourceSecrets,
): OktaSource {
  const { apiToken, privateKey } =
    typeof secrets === "string" ? { apiToken: secrets, privateKey: undefined } : secrets;
  const base = { orgUrl: config.orgUrl, clearSessions: config.clearSessions };
  if (config.oauth) {
    if (privateKey === undefined) throw new TypeError("sources.okta.oauth needs its privateKey");
    return new OktaSource({
      ...base,
      serviceApp: {
        clientId: config.oauth.clientId,
        privateKey,
        scopes: config.oauth.scopes,
        ...(config.oauth.keyId ? { keyId: config.oauth.keyId } : {}),
      },
    });
  }
  if (apiToken === undefined) throw new TypeError("sources.okta needs its apiToken");
  return new OktaSource({ ...base, apiToken });
}
