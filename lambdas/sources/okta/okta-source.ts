/**
 * The Okta credential source: for each departed person, the Okta user's OAuth consent grants,
 * refresh tokens, and Okta (IdP) web sessions. Targeted: it looks up only the people on the
 * departure list, never the whole directory.
 */

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
import { describeOktaError, type OktaFailure, OktaRequestError } from "./okta-errors.ts";

const { Client, DefaultRequestExecutor } = okta;

/** How the Okta source is built. */
export interface OktaSourceOptions {
  /** `https://acme.okta.com`; also the `account` of every credential (its host). */
  readonly orgUrl: string;
  /**
   * The API token (SSWS), already read from its secret. Ignored when `client` is given.
   * Required otherwise.
   */
  readonly apiToken?: string;
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
  #apiCalls = 0;
  #backoffs = 0;

  constructor(options: OktaSourceOptions) {
    this.#account = new URL(options.orgUrl).host;
    this.#clearSessions = options.clearSessions ?? true;
    this.#concurrency = options.concurrency ?? 4;
    this.#secrets = options.apiToken === undefined ? [] : [options.apiToken];
    if (options.client) {
      this.#client = options.client;
    } else {
      if (!options.apiToken) throw new TypeError("OktaSource needs an apiToken or a client");
      this.#client = new Client({
        orgUrl: options.orgUrl,
        token: options.apiToken,
        // The SDK caches single-resource GETs by default; a read-back must see the org, not a cache.
        cacheMiddleware: null,
        requestExecutor: new DefaultRequestExecutor({
          maxRetries: options.maxRateLimitRetries ?? 3,
          requestTimeout: options.requestTimeoutMs ?? 120_000,
        }),
      });
    }
    // The SDK's executor already waits out a 429 until `X-Rate-Limit-Reset`; count what it does.
    this.#client.requestExecutor.on("request", () => {
      this.#apiCalls++;
    });
    this.#client.requestExecutor.on("backoff", () => {
      this.#backoffs++;
    });
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

/** The `sources.okta` section of the configuration, as parsed. */
export interface OktaSourceConfig {
  readonly orgUrl: string;
  readonly clearSessions: boolean;
}

/** Builds the source from configuration and the API token its secret holds, already read. */
export function oktaSourceFromConfig(config: OktaSourceConfig, apiToken: string): OktaSource {
  return new OktaSource({ orgUrl: config.orgUrl, apiToken, clearSessions: config.clearSessions });
}
