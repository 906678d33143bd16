/**
 * Google Workspace as a credential source: the OAuth grants, app passwords and web sessions a
 * departed person still holds, found and removed through the Admin SDK Directory API.
 *
 * This source deprovisions; it never suspends the user. Suspension is a separate, later step for
 * whoever owns the account: Google does not promise that suspending deletes grants or app
 * passwords, so a suspend-first flow leaves them to return on an unsuspend (for a data transfer,
 * say), and the Directory API's handling of a suspended user's tokens is not what this source can
 * verify. Removing credentials first leaves nothing to come back.
 */
import type { admin_directory_v1 } from "@googleapis/admin";
import type { Clock } from "../../core/clock.ts";
import { mapLimit } from "../../core/concurrency.ts";
import type { ActionRecord, Credential, CredentialKind, LastUse, Person } from "../../core/model.ts";
import type {
  CredentialSource,
  DiscoverContext,
  Discovery,
  RevokeContext,
  SourceProblem,
} from "../../core/ports/credential-source.ts";
import type { PreflightCheck } from "../../core/ports/preflight.ts";
import {
  createDirectoryClient,
  type DirectoryClient,
  GOOGLE_WORKSPACE_SCOPES,
  type ServiceAccountKey,
} from "./client.ts";
import {
  type GoogleFailure,
  GoogleWorkspaceApiError,
  GoogleWorkspaceUnavailableError,
  isNotFound,
  isRetryable,
  isSourceLevel,
  readFailure,
  recordError,
} from "./errors.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, withBackoff } from "./retry.ts";
import { memorySignOutLedger, type SignOutLedger } from "./sign-out-ledger.ts";

const SOURCE = "google-workspace" as const;

/** Google's `lastLoginTime` for a user who never signed in. */
const NEVER = "1970-01-01T00:00:00.000Z";

/** Only the user fields this source reads, so a users.get answer stays small. */
const USER_FIELDS = "id,primaryEmail,suspended,customerId,lastLoginTime,creationTime,externalIds";

/** What the Google Workspace source is built from; the composition root resolves the secret. */
export interface GoogleWorkspaceSourceOptions {
  /** The service account's JSON key (see `parseServiceAccountKey`). */
  readonly serviceAccountKey: ServiceAccountKey;
  /** The admin the service account impersonates under domain-wide delegation. */
  readonly adminSubject: string;
  /** The Workspace customer id; `my_customer` means the admin's own. @default "my_customer" */
  readonly customer?: string;
  /** Directory API root URL. @default https://admin.googleapis.com/ */
  readonly rootUrl?: string;
  /** OAuth token endpoint. @default the key's `token_uri` */
  readonly tokenUrl?: string;
  /** Sign departed people out of web and device sessions. @default true */
  readonly signOut?: boolean;
  /** Where time comes from. @default the system clock */
  readonly clock?: Clock;
  /** People looked up at once. @default 4 */
  readonly concurrency?: number;
  /** Retry of rate-limited and transient failures. @default DEFAULT_BACKOFF */
  readonly backoff?: Partial<BackoffOptions>;
  /** Where sign-outs are remembered. @default a ledger in memory */
  readonly signOutLedger?: SignOutLedger;
  /** Per-request timeout. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** A prebuilt client, when the composition root shares one. @default built from the key */
  readonly client?: DirectoryClient;
}

type User = admin_directory_v1.Schema$User;
type Counters = Record<string, number>;

interface FoundUser {
  readonly user: User & { id: string; primaryEmail: string };
  /** The HR email that found the user, which may be an alias of the primary one. */
  readonly lookedUpAs: string;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * Finds and revokes the Google Workspace credentials of departed people: third-party OAuth grants
 * (`tokens`), app passwords (`asps`) and web sessions (`users.signOut`). Targeted: it looks up only
 * the people on the departure list, so its cost grows with departures, not with the tenant.
 */
export class GoogleWorkspaceSource implements CredentialSource {
  readonly id = SOURCE;
  private readonly directory: admin_directory_v1.Admin;
  private readonly tokenUrls: readonly string[];
  private readonly customer: string;
  private readonly signOutEnabled: boolean;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly backoff: BackoffOptions;
  private readonly ledger: SignOutLedger;
  private readonly adminSubject: string;
  /** The service account's email and client id, for preflight advice (never its key). */
  private readonly serviceAccount: { readonly email: string; readonly clientId?: string };

  constructor(options: GoogleWorkspaceSourceOptions) {
    const client =
      options.client ??
      createDirectoryClient({
        serviceAccountKey: options.serviceAccountKey,
        adminSubject: options.adminSubject,
        rootUrl: options.rootUrl,
        tokenUrl: options.tokenUrl,
        timeoutMs: options.requestTimeoutMs,
      });
    this.directory = client.directory;
    this.tokenUrls = client.tokenUrls;
    this.customer = options.customer ?? "my_customer";
    this.signOutEnabled = options.signOut ?? true;
    this.clock = options.clock ?? systemClock;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.ledger = options.signOutLedger ?? memorySignOutLedger();
    this.adminSubject = options.adminSubject;
    const { client_email, client_id } = options.serviceAccountKey;
    this.serviceAccount = { email: client_email, ...(client_id ? { clientId: client_id } : {}) };
  }

  /**
   * Read-only checks for `iam-hygiene check`, through the client, auth and retries discovery uses:
   * one `users.list` of one user (no super admin) for the configured customer. Its first step is the domain-wide
   * delegation token for `adminSubject` with the scopes the source asks for, so one call answers
   * both: was the token granted, and may the subject read the customer's users. Then that user's
   * `tokens.list` and `asps.list`, which need the admin to read users' security settings, a
   * privilege apart from reading users (a custom admin role may have one without the other).
   * The sign-out ledger lives in the scanner's store and is not checked here.
   */
  async preflight(): Promise<PreflightCheck[]> {
    const tokenCheck = `${SOURCE}: domain-wide delegation token for ${this.adminSubject}`;
    const listCheck = `${SOURCE}: users.list for customer ${this.customer}`;
    const scopes = [GOOGLE_WORKSPACE_SCOPES.userSecurity, GOOGLE_WORKSPACE_SCOPES.userReadonly];
    const tokenOk: PreflightCheck = {
      name: tokenCheck,
      ok: true,
      detail: `${this.serviceAccount.email} got a token as ${this.adminSubject} for ${scopes.join(", ")}`,
    };
    let first: { id?: string | null; primaryEmail?: string | null; customerId?: string | null } | undefined;
    try {
      const response = await this.call(
        () =>
          this.directory.users.list({
            customer: this.customer,
            maxResults: 1,
            // A user who is no super admin: a delegated admin may be refused a super admin's
            // security settings, which would fail the next check on a correct setup.
            query: "isAdmin=false",
            projection: "basic",
            fields: "users(id,primaryEmail,customerId)",
          }),
        {},
      );
      first = response.data.users?.[0];
    } catch (error) {
      const failure = this.read(error);
      if (failure.atTokenEndpoint) {
        return [{ name: tokenCheck, ok: false, detail: this.tokenAdvice(failure, scopes) }];
      }
      return [tokenOk, { name: listCheck, ok: false, detail: this.listAdvice(failure) }];
    }
    const customerId = first?.customerId;
    const listed: PreflightCheck = {
      name: listCheck,
      ok: true,
      detail:
        `readable: ${this.adminSubject} can list the users of customer ${this.customer}` +
        `${customerId && customerId !== this.customer ? ` (${customerId})` : ""}`,
    };
    return [
      tokenOk,
      listed,
      await this.securityReadCheck(first?.id ?? undefined, first?.primaryEmail ?? undefined),
    ];
  }

  /**
   * `tokens.list` and `asps.list` of one user: what discovery reads of every departed person.
   * Revoking (`tokens.delete`, `asps.delete`, `users.signOut`) needs the same privilege to
   * manage, which cannot be checked without acting.
   */
  private async securityReadCheck(
    userKey: string | undefined,
    email: string | undefined,
  ): Promise<PreflightCheck> {
    const name = `${SOURCE}: tokens.list and asps.list (OAuth grants, app passwords)`;
    if (userKey === undefined) {
      return {
        name,
        ok: true,
        detail: `not checked: customer ${this.customer} listed no user to read them of`,
      };
    }
    for (const [method, list] of [
      ["tokens.list", () => this.directory.tokens.list({ userKey })],
      ["asps.list", () => this.directory.asps.list({ userKey })],
    ] as const) {
      try {
        await this.call(list, {});
      } catch (error) {
        return { name, ok: false, detail: this.securityReadAdvice(method, this.read(error)) };
      }
    }
    return {
      name,
      ok: true,
      detail:
        `readable: ${this.adminSubject} can read users' OAuth grants and app passwords (read those of ` +
        `${email ?? userKey}). Revoking them and signing users out needs the admin to manage users' ` +
        "security settings, which cannot be checked without acting",
    };
  }

  /** Why reading a user's grants or app passwords was refused, and what to change. */
  private securityReadAdvice(method: string, failure: GoogleFailure): string {
    const failed = `${method} failed (${failure.message})`;
    if (failure.status === 403 && failure.reason === "insufficientPermissions") {
      return missingScopeAdvice(failed, GOOGLE_WORKSPACE_SCOPES.userSecurity);
    }
    if (failure.status === 403) {
      return (
        `${failed}: ${this.adminSubject} may read users but not their security settings; give its admin ` +
        "role the privilege Users > Security settings (or make sources.google-workspace.adminSubject a " +
        "super admin), or discovery reports every departed person's grants and app passwords as unreadable"
      );
    }
    if (isRetryable(failure)) return `${failed}: still failing after retries; try again later`;
    return failed;
  }

  /** Why the token endpoint refused the service account, and what to change. */
  private tokenAdvice(failure: GoogleFailure, scopes: readonly string[]): string {
    const { email, clientId } = this.serviceAccount;
    if (failure.status === undefined) {
      return (
        `Google's token endpoint did not answer (${failure.message}): check the key's token_uri ` +
        "(or sources.google-workspace.tokenUrl) and that this host can reach it"
      );
    }
    const refused = `Google refused the token (${failure.message})`;
    if (failure.reason === "unauthorized_client") {
      return (
        `${refused}: the client id is not authorised for these scopes in the Admin console: Security > API ` +
        `controls > Domain-wide delegation; authorise client id ${clientId ?? `of ${email}`} for ${scopes.join(", ")}`
      );
    }
    if (failure.reason === "invalid_grant") {
      return (
        `${refused}: ${this.adminSubject} (sources.google-workspace.adminSubject) is not a user of the ` +
        `domain, or the service account key was deleted or disabled (create a new key for ${email} in the ` +
        "Google Cloud console: IAM & Admin > Service accounts > Keys)"
      );
    }
    return `${refused}: check the service account key and its domain-wide delegation`;
  }

  /** Why `users.list` was refused, and what to change. */
  private listAdvice(failure: GoogleFailure): string {
    const failed = `users.list failed (${failure.message})`;
    if (failure.status === undefined) {
      return `${failed}: check sources.google-workspace.rootUrl and that this host can reach it`;
    }
    if (failure.status === 403 && failure.reason === "accessNotConfigured") {
      return (
        `${failed}: enable the Admin SDK API in the service account's Google Cloud project ` +
        "(APIs & Services > Library > Admin SDK API)"
      );
    }
    if (failure.status === 403 && failure.reason === "insufficientPermissions") {
      return missingScopeAdvice(failed, GOOGLE_WORKSPACE_SCOPES.userReadonly);
    }
    if (failure.status === 403) {
      return (
        `${failed}: ${this.adminSubject} is not an admin with user read rights in customer ${this.customer}; ` +
        "set sources.google-workspace.adminSubject to a super admin, or give it an admin role with " +
        "Users > Read (and the users' security settings, to revoke)"
      );
    }
    if (failure.status === 400 || failure.status === 404) {
      return (
        `${failed}: sources.google-workspace.customer (${this.customer}) is not a customer the admin ` +
        "belongs to; use my_customer, or the customer id from Admin console > Account > Account settings"
      );
    }
    if (failure.status === 401) {
      return `${failed}: the Directory API refused the delegated token; check the domain-wide delegation`;
    }
    if (isRetryable(failure)) return `${failed}: still failing after retries; try again later`;
    return failed;
  }

  /** Looks up every person on the list; a failure on one is a problem, a refused source one problem. */
  async discover(ctx: DiscoverContext): Promise<Discovery> {
    const credentials: Credential[] = [];
    const problems: SourceProblem[] = [];
    const stats: Counters = {
      people: ctx.people.length,
      usersFound: 0,
      usersNotFound: 0,
      peopleSkipped: 0,
      oauthGrants: 0,
      appPasswords: 0,
      webSessions: 0,
      apiCalls: 0,
      retries: 0,
    };
    const seenUsers = new Set<string>();
    let halted = false;
    let done = 0;

    await mapLimit(ctx.people, this.concurrency, async (person) => {
      if (halted) {
        stats.peopleSkipped = (stats.peopleSkipped ?? 0) + 1;
        return;
      }
      const subject = person.emails[0] ?? person.employeeId ?? "(person without email)";
      try {
        const found = await this.findUsers(person, stats);
        if (found.length === 0) stats.usersNotFound = (stats.usersNotFound ?? 0) + 1;
        for (const user of found) {
          if (seenUsers.has(user.user.id)) continue;
          seenUsers.add(user.user.id);
          stats.usersFound = (stats.usersFound ?? 0) + 1;
          const result = await this.credentialsOf(user, person, stats);
          credentials.push(...result.credentials);
          problems.push(...result.problems);
        }
      } catch (error) {
        const failure = this.read(error);
        if (isSourceLevel(failure)) {
          if (!halted) {
            halted = true;
            problems.push(this.problem(SOURCE, new GoogleWorkspaceUnavailableError(failure)));
          }
          stats.peopleSkipped = (stats.peopleSkipped ?? 0) + 1;
        } else {
          problems.push(this.problem(subject, new GoogleWorkspaceApiError(failure)));
        }
      }
      done++;
      ctx.progress?.("google-workspace: people looked up", { done, total: ctx.people.length });
    });

    for (const credential of credentials) {
      if (credential.kind === "oauth-grant") stats.oauthGrants = (stats.oauthGrants ?? 0) + 1;
      else if (credential.kind === "app-password") stats.appPasswords = (stats.appPasswords ?? 0) + 1;
      else if (credential.kind === "web-sessions") stats.webSessions = (stats.webSessions ?? 0) + 1;
    }
    return { credentials, problems, stats, notes: this.notes(stats, halted) };
  }

  /**
   * Revokes one credential: deletes the OAuth grant (all its tokens for that client), deletes the
   * app password, or signs the user out of every session. Google offers no reversible form of any
   * of these. A 404 means it is already gone, which is the outcome wanted.
   */
  async revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    const userKey = userKeyOf(credential);
    const at = ctx.now;
    if (credential.source !== SOURCE) return [unsupported("revoke", credential, at)];
    switch (credential.kind) {
      case "oauth-grant":
        return [
          await this.act(`tokens.delete ${credential.principal} clientId=${credential.nativeId}`, at, () =>
            this.directory.tokens.delete({ userKey, clientId: credential.nativeId }),
          ),
        ];
      case "app-password":
        return [
          await this.act(`asps.delete ${credential.principal} codeId=${credential.nativeId}`, at, () =>
            this.directory.asps.delete({ userKey, codeId: Number(credential.nativeId) }),
          ),
        ];
      case "web-sessions": {
        if (!this.signOutEnabled) {
          return [
            {
              type: "revoke",
              status: "skipped",
              detail: `users.signOut ${credential.principal}: sign-out is off in configuration`,
              at,
            },
          ];
        }
        const record = await this.act(`users.signOut ${credential.principal}`, at, () =>
          this.directory.users.signOut({ userKey }),
        );
        if (record.status === "done") await this.ledger.recordSignOut(userKey, at);
        return [record];
      }
      default:
        return [unsupported("revoke", credential, at)];
    }
  }

  /**
   * Reads the credential back. Grants and app passwords are listed again and must be gone. Web
   * sessions cannot be read back: Google has no session listing, so the best this can say is that
   * `users.signOut` was called, recorded as `done`, never `verified`.
   */
  async verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    const userKey = userKeyOf(credential);
    const at = ctx.now;
    if (credential.source !== SOURCE) return unsupported("verify", credential, at);
    try {
      switch (credential.kind) {
        case "oauth-grant": {
          const tokens = await this.listOrEmpty(() => this.directory.tokens.list({ userKey }));
          const still = tokens.some((token) => token.clientId === credential.nativeId);
          return verdict(still, `tokens.list ${credential.principal} clientId=${credential.nativeId}`, at);
        }
        case "app-password": {
          const asps = await this.listOrEmpty(() => this.directory.asps.list({ userKey }));
          const still = asps.some((asp) => String(asp.codeId) === credential.nativeId);
          return verdict(still, `asps.list ${credential.principal} codeId=${credential.nativeId}`, at);
        }
        case "web-sessions": {
          // Sign-out off in configuration: `revoke` skipped it, and there is nothing to read back.
          if (!this.signOutEnabled) {
            return {
              type: "verify",
              status: "skipped",
              detail: `users.signOut ${credential.principal}: sign-out is off in configuration, nothing to read back`,
              at,
            };
          }
          const signedOutAt = await this.ledger.lastSignOut(userKey);
          if (signedOutAt === undefined) {
            return {
              type: "verify",
              status: "failed",
              detail: `users.signOut ${credential.principal}: no sign-out recorded by this source`,
              at,
            };
          }
          return {
            type: "verify",
            status: "done",
            detail:
              `users.signOut ${credential.principal} called at ${signedOutAt.toISOString()}; ` +
              "Google gives no read-back of web sessions, so the sign-out cannot be verified",
            at,
          };
        }
        default:
          return unsupported("verify", credential, at);
      }
    } catch (error) {
      const failure = this.read(error);
      return {
        type: "verify",
        status: "failed",
        detail: `read back ${credential.kind} ${credential.principal} ${credential.nativeId}`,
        at,
        error: recordError(failure),
      };
    }
  }

  /**
   * Looks up each of the person's emails with users.get (aliases resolve too) and returns every
   * distinct user found: a person can hold two accounts in one tenant (a merged domain's, a
   * separate admin account), and the second one's grants outlive them as well. 404 on all is
   * "not here".
   */
  private async findUsers(person: Person, stats: Counters): Promise<FoundUser[]> {
    const keys = [
      ...new Set(person.emails.map((email) => email.trim().toLowerCase()).filter((e) => e.includes("@"))),
    ];
    const found: FoundUser[] = [];
    for (const userKey of keys) {
      try {
        const response = await this.call(
          () =>
            this.directory.users.get({
              userKey,
              projection: "basic",
              viewType: "admin_view",
              fields: USER_FIELDS,
            }),
          stats,
        );
        const user = response.data;
        if (
          typeof user.id === "string" &&
          typeof user.primaryEmail === "string" &&
          !found.some((f) => f.user.id === user.id)
        ) {
          found.push({ user: user as FoundUser["user"], lookedUpAs: userKey });
        }
      } catch (error) {
        if (!isNotFound(this.read(error))) throw error;
      }
    }
    return found;
  }

  private async credentialsOf(
    found: FoundUser,
    person: Person,
    stats: Counters,
  ): Promise<{ credentials: Credential[]; problems: SourceProblem[] }> {
    const { user } = found;
    const userKey = user.id;
    // Tokens and ASPs are independent reads; one failing must not hide the other.
    const [tokens, asps] = await Promise.allSettled([
      this.listOrEmpty(() => this.directory.tokens.list({ userKey }), stats),
      this.listOrEmpty(() => this.directory.asps.list({ userKey }), stats),
    ]);
    // A refused token or an unreachable provider mid-scan is the source's problem, not this person's.
    for (const settled of [tokens, asps]) {
      if (settled.status === "rejected" && isSourceLevel(this.read(settled.reason))) throw settled.reason;
    }
    const observedAt = this.clock.now();
    const account = user.customerId ?? this.customer;
    const base = {
      source: SOURCE,
      account,
      principal: user.primaryEmail,
      principalType: "human" as const,
      ownerHints: {
        employeeIds: employeeIdsOf(user),
        emails: [...new Set([user.primaryEmail.toLowerCase(), found.lookedUpAs])],
        usernames: [],
        tags: {},
      },
      observedAt,
    };
    const idOf = (kind: CredentialKind, nativeId: string) =>
      `${SOURCE}:${account}:${kind}:${userKey}:${nativeId}`;
    const suspended = user.suspended === true;
    const credentials: Credential[] = [];
    const problems: SourceProblem[] = [];

    if (tokens.status === "fulfilled") {
      for (const token of tokens.value) {
        if (!token.clientId) continue;
        credentials.push({
          ...base,
          id: idOf("oauth-grant", token.clientId),
          kind: "oauth-grant",
          nativeId: token.clientId,
          // Google records no last use of a grant.
          lastUsed: undefined,
          active: true,
          details: {
            userId: userKey,
            appName: token.displayText ?? null,
            displayText: token.displayText ?? null,
            scopes: (token.scopes ?? []).join(" "),
            nativeApp: token.nativeApp ?? null,
            anonymous: token.anonymous ?? null,
            userSuspended: suspended,
          },
        });
      }
    } else {
      problems.push(this.problemFor(user.primaryEmail, "tokens.list", tokens.reason));
    }

    if (asps.status === "fulfilled") {
      for (const asp of asps.value) {
        if (asp.codeId === undefined || asp.codeId === null) continue;
        const nativeId = String(asp.codeId);
        credentials.push({
          ...base,
          id: idOf("app-password", nativeId),
          kind: "app-password",
          nativeId,
          createdAt: fromUnix(asp.creationTime),
          lastUsed: lastUseOf(asp.lastTimeUsed, "app password"),
          active: true,
          details: { userId: userKey, name: asp.name ?? null, userSuspended: suspended },
        });
      }
    } else {
      problems.push(this.problemFor(user.primaryEmail, "asps.list", asps.reason));
    }

    const sessions = await this.webSessions(found, person, base, suspended);
    credentials.push(sessions.credential);
    if (sessions.problem) problems.push(sessions.problem);
    return { credentials, problems };
  }

  /**
   * Google cannot list sessions, so each found person has one `web-sessions` credential standing
   * for "may still be signed in". It is inactive only when the user is suspended, or when this
   * source signed the user out after the departure and no sign-in has happened since.
   */
  private async webSessions(
    found: FoundUser,
    person: Person,
    base: Omit<Credential, "id" | "kind" | "nativeId" | "active">,
    suspended: boolean,
  ): Promise<{ credential: Credential; problem?: SourceProblem }> {
    const { user } = found;
    let signedOutAt: Date | undefined;
    let problem: SourceProblem | undefined;
    try {
      signedOutAt = await this.ledger.lastSignOut(user.id);
    } catch (error) {
      // The ledger is the scanner's own store, not Google: a failure there is this person's
      // problem, not an outage that halts the source. The sign-out is then unknown, and the
      // sessions count as pending (the safe side: a sign-out again ends nothing that should stay).
      const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
      problem = {
        source: SOURCE,
        subject: user.primaryEmail,
        message: `sign-out ledger unreadable, sessions counted as pending: ${message}`,
        errorName: name,
      };
    }
    const lastLogin =
      user.lastLoginTime && user.lastLoginTime !== NEVER ? new Date(user.lastLoginTime) : undefined;
    const signedOutSinceDeparture =
      signedOutAt !== undefined &&
      signedOutAt.getTime() >= person.departedAt.getTime() &&
      (lastLogin === undefined || lastLogin.getTime() <= signedOutAt.getTime());
    const active = !suspended && !signedOutSinceDeparture;
    const credential: Credential = {
      ...base,
      id: `${SOURCE}:${base.account}:web-sessions:${user.id}`,
      kind: "web-sessions",
      nativeId: user.id,
      createdAt: user.creationTime ? new Date(user.creationTime) : undefined,
      lastUsed: lastLogin === undefined ? null : { at: lastLogin, service: "Google sign-in" },
      active,
      details: {
        userId: user.id,
        userSuspended: suspended,
        signOutPending: active,
        lastSignOutAt: signedOutAt?.toISOString() ?? null,
        readBack: "none: Google has no API listing a user's sessions",
        // Read by the policy: a human signs the user out (a ticket), not this source.
        ...(this.signOutEnabled ? {} : { revocationOff: "sources.google-workspace.signOut is false" }),
      },
    };
    return problem ? { credential, problem } : { credential };
  }

  /** Lists tokens or ASPs; a user deleted since (404) holds none. */
  private async listOrEmpty<T>(
    list: () => Promise<{ data: { items?: T[] } }>,
    stats: Counters = {},
  ): Promise<T[]> {
    try {
      const response = await this.call(list, stats);
      return response.data.items ?? [];
    } catch (error) {
      if (isNotFound(this.read(error))) return [];
      throw error;
    }
  }

  private async act(detail: string, at: Date, call: () => Promise<unknown>): Promise<ActionRecord> {
    try {
      await this.call(call, {});
      return { type: "revoke", status: "done", detail, at };
    } catch (error) {
      const failure = this.read(error);
      if (isNotFound(failure))
        return { type: "revoke", status: "done", detail: `${detail} (already gone)`, at };
      return { type: "revoke", status: "failed", detail, at, error: recordError(failure) };
    }
  }

  private call<T>(call: () => Promise<T>, stats: Counters): Promise<T> {
    return withBackoff(
      () => {
        stats.apiCalls = (stats.apiCalls ?? 0) + 1;
        return call();
      },
      (error) => this.read(error),
      this.backoff,
      () => {
        stats.retries = (stats.retries ?? 0) + 1;
      },
    );
  }

  private read(error: unknown): GoogleFailure {
    return readFailure(error, this.tokenUrls);
  }

  private problem(subject: string, error: Error): SourceProblem {
    return { source: SOURCE, subject, message: error.message, errorName: error.name };
  }

  private problemFor(subject: string, operation: string, error: unknown): SourceProblem {
    const failure = this.read(error);
    const wrapped = isSourceLevel(failure)
      ? new GoogleWorkspaceUnavailableError(failure)
      : new GoogleWorkspaceApiError(failure);
    return { source: SOURCE, subject, message: `${operation}: ${wrapped.message}`, errorName: wrapped.name };
  }

  private notes(stats: Counters, halted: boolean): string[] {
    const notes: string[] = [];
    if ((stats.usersNotFound ?? 0) > 0) {
      notes.push(
        `${stats.usersNotFound} of ${stats.people} departed people have no account in this Google Workspace ` +
          "(users.get answered 404 for every email); they hold no Google credentials here.",
      );
    }
    if ((stats.webSessions ?? 0) > 0) {
      notes.push(
        "Google lists no web sessions: a web-sessions credential means 'sign-out pending' until this source " +
          "has called users.signOut after the departure; the sign-out itself cannot be read back.",
      );
    }
    if (halted) {
      notes.push(
        `Google Workspace refused the service account or could not be reached; ${stats.peopleSkipped} of ` +
          `${stats.people} departed people were not looked up.`,
      );
    }
    return notes;
  }
}

/** Google's immutable user id when discovery recorded it, else the email (users.* accept both). */
function userKeyOf(credential: Credential): string {
  const userId = credential.details?.userId;
  return typeof userId === "string" && userId !== "" ? userId : credential.principal;
}

function employeeIdsOf(user: User): string[] {
  const ids = Array.isArray(user.externalIds)
    ? (user.externalIds as { type?: unknown; value?: unknown }[])
    : [];
  return ids
    .filter((id) => id.type === "organization" && typeof id.value === "string" && id.value !== "")
    .map((id) => id.value as string);
}

/** ASP times are Unix time as strings; Google sends milliseconds, seconds are accepted too. */
function fromUnix(value: string | null | undefined): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return new Date(n < 1e12 ? n * 1000 : n);
}

/** `0` means never used; an absent field means Google did not say. */
function lastUseOf(value: string | null | undefined, service: string): LastUse | null | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const at = fromUnix(value);
  return at === undefined ? null : { at, service };
}

function verdict(stillThere: boolean, detail: string, at: Date): ActionRecord {
  return stillThere
    ? { type: "verify", status: "failed", detail: `${detail}: still present`, at }
    : { type: "verify", status: "verified", detail: `${detail}: gone`, at };
}

function unsupported(type: "revoke" | "verify", credential: Credential, at: Date): ActionRecord {
  return {
    type,
    status: "skipped",
    detail: `${credential.source} ${credential.kind} ${credential.nativeId} is not a credential this source handles`,
    at,
  };
}

/** What to change when the delegated token lacks `scope`. */
function missingScopeAdvice(failed: string, scope: string): string {
  return (
    `${failed}: the token lacks ${scope}; authorise it for the service account's client id in ` +
    "Security > API controls > Domain-wide delegation"
  );
}
