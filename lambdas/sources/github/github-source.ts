/**
 * The GitHub organisation credential source: SAML SSO credential authorizations (personal access
 * tokens (classic), SSH keys, OAuth and app tokens authorised for the org) and fine-grained
 * personal access token grants. Both lists are read once for the whole org (cheap: one call per
 * 100), then only credentials of logins that map to a departed person are kept.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Octokit } from "@octokit/rest";
import type { ActionRecord, Credential, CredentialKind, OwnerHints, Person } from "../../core/model.ts";
import type {
  CredentialSource,
  DiscoverContext,
  Discovery,
  OwnerResolver,
  RevokeContext,
  SourceProblem,
} from "../../core/ports/credential-source.ts";
import type { PreflightCheck } from "../../core/ports/preflight.ts";
import { fetchWithDeadline } from "../../http-deadline.ts";
import { authenticateAsInstallation, GitHubAppTokens } from "./github-app-auth.ts";
import {
  describeGitHubError,
  type GitHubFailure,
  githubMessage,
  redact,
  retryDelayMs,
} from "./github-errors.ts";

/** One entry of `GET /orgs/{org}/credential-authorizations` (GitHub Enterprise Cloud). */
export interface CredentialAuthorization {
  readonly login: string;
  readonly credential_id: number;
  /** "personal access token", "SSH key", "OAuth app token", "GitHub app token". */
  readonly credential_type: string;
  readonly token_last_eight?: string | null;
  readonly credential_authorized_at: string;
  readonly credential_accessed_at?: string | null;
  readonly scopes?: readonly string[];
  readonly fingerprint?: string | null;
  readonly authorized_credential_id?: number | null;
  readonly authorized_credential_title?: string | null;
  readonly authorized_credential_note?: string | null;
  readonly authorized_credential_expires_at?: string | null;
}

/** One entry of `GET /orgs/{org}/personal-access-tokens` (a fine-grained PAT's grant to the org). */
export interface PatGrant {
  /** The grant id: the `pat_id` the revoke call takes. */
  readonly id: number;
  readonly owner: { readonly login: string };
  readonly repository_selection: string;
  readonly permissions: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;
  readonly access_granted_at: string;
  readonly token_id: number;
  readonly token_name: string;
  readonly token_expired: boolean;
  readonly token_expires_at: string | null;
  readonly token_last_used_at: string | null;
}

/** How the GitHub source is built. */
export interface GitHubSourceOptions {
  /** The organisation login; also the `account` of every credential. */
  readonly org: string;
  /**
   * Client for credential authorizations and SAML identities: an org owner's personal access
   * token (classic) with `read:org` (report) or `admin:org` (revoke). The source adds a
   * rate-limit retry to this client's requests (once per client). Without it (a GitHub App
   * only), SSO authorizations are not read and a note says so.
   * @default none; then `patGrantsOctokit` is required
   */
  readonly octokit?: Octokit;
  /**
   * Client for fine-grained PAT grants: GitHub allows only GitHub App tokens there, with the
   * "Personal access tokens" organization permission.
   * @default octokit
   */
  readonly patGrantsOctokit?: Octokit;
  /**
   * The GitHub App's installation tokens behind `patGrantsOctokit`, when it authenticates as an
   * App: preflight mints one first, which exercises the App ID, installation ID and private key.
   * @default none (PAT grants use a token as given)
   */
  readonly appTokens?: GitHubAppTokens;
  /** Revoke fine-grained PAT grants; when off they are still reported. @default true */
  readonly revokeFineGrainedTokens?: boolean;
  /** Read SAML identities (login -> IdP email) with GraphQL. @default true */
  readonly samlIdentities?: boolean;
  /** Retries of a rate-limited call (403 with `x-ratelimit-remaining: 0`, or 429). @default 3 */
  readonly maxRateLimitRetries?: number;
  /** A rate limit asking for a longer wait fails the call instead. @default 60000 */
  readonly maxRateLimitWaitMs?: number;
  /** Secrets to scrub from every recorded message (the tokens behind the clients). @default [] */
  readonly secrets?: readonly string[];
  /**
   * Waits before listing a PAT grant again when the read-back still shows it: GitHub answers the
   * revocation `202 Accepted` and may apply it after answering. @default [1000, 4000]
   */
  readonly patRevocationRecheckMs?: readonly number[];
}

/** What `githubSourceFromConfig` needs besides the `sources.github` configuration. */
export interface GitHubSourceSecrets {
  /** The token `sources.github.token` points to, already read. Give this, `appPrivateKey`, or both. */
  readonly token?: string;
  /** A GitHub App installation token for fine-grained PAT grants. @default token */
  readonly patGrantsToken?: string;
  /** The App private key `sources.github.app.privateKey` points to (PEM), already read. */
  readonly appPrivateKey?: string;
}

/** The `sources.github` section of the configuration, as parsed. */
export interface GitHubSourceConfig {
  readonly org: string;
  readonly baseUrl?: string | undefined;
  readonly revokeFineGrainedTokens: boolean;
  /** A GitHub App; its `privateKey` reference is resolved by the caller. */
  readonly app?: { readonly appId: string | number; readonly installationId: number } | undefined;
}

/** Extras of `githubSourceFromConfig`. */
export interface GitHubSourceFromConfigOptions {
  /** Time for App token expiry (milliseconds since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Each request's deadline. @default PROVIDER_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
}

const USER_AGENT = "iam-hygiene";

/**
 * Builds the source and its Octokit clients from configuration and resolved secrets. With
 * `app`, PAT grants use installation tokens the source mints and refreshes itself; the classic
 * `token`, when given, still covers SSO authorizations and SAML identities (GitHub refuses App
 * tokens there).
 */
export function githubSourceFromConfig(
  config: GitHubSourceConfig,
  secrets: GitHubSourceSecrets,
  options: GitHubSourceFromConfigOptions = {},
): GitHubSource {
  const make = (auth?: string) =>
    new Octokit({
      ...(auth === undefined ? {} : { auth }),
      userAgent: USER_AGENT,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      // Octokit logs warnings with request details; keep its chatter out of Lambda logs.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      request: { fetch: fetchWithDeadline(options.requestTimeoutMs) },
    });
  const octokit = secrets.token ? make(secrets.token) : undefined;
  let patGrantsOctokit: Octokit | undefined;
  let appTokens: GitHubAppTokens | undefined;
  if (config.app) {
    if (!secrets.appPrivateKey) throw new TypeError("sources.github.app needs its privateKey");
    const tokens = new GitHubAppTokens({
      appId: config.app.appId,
      installationId: config.app.installationId,
      privateKey: secrets.appPrivateKey,
      octokit: make(),
      ...(options.now ? { now: options.now } : {}),
    });
    patGrantsOctokit = make();
    authenticateAsInstallation(patGrantsOctokit, tokens);
    appTokens = tokens;
  } else if (secrets.patGrantsToken) {
    patGrantsOctokit = make(secrets.patGrantsToken);
  }
  if (!octokit && !patGrantsOctokit) throw new TypeError("sources.github needs a token or an app");
  return new GitHubSource({
    org: config.org,
    ...(octokit ? { octokit } : {}),
    ...(patGrantsOctokit ? { patGrantsOctokit } : {}),
    ...(appTokens ? { appTokens } : {}),
    revokeFineGrainedTokens: config.revokeFineGrainedTokens,
    secrets: [secrets.token, secrets.patGrantsToken, secrets.appPrivateKey].filter(
      (v): v is string => v !== undefined,
    ),
  });
}

const SAML_IDENTITIES = `query($org: String!, $after: String) {
  organization(login: $org) {
    samlIdentityProvider {
      externalIdentities(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { samlIdentity { nameId emails { value } } user { login } } }
      }
    }
  }
}`;

/** One SAML identity, to tell whether the org has a SAML identity provider whose identities are readable. */
const SAML_PROBE = `query($org: String!, $first: Int!) {
  organization(login: $org) {
    samlIdentityProvider { externalIdentities(first: $first) { totalCount } }
  }
}`;

interface SamlProbe {
  organization: { samlIdentityProvider: { externalIdentities: { totalCount: number } } | null } | null;
}

interface SamlPage {
  organization: {
    samlIdentityProvider: {
      externalIdentities: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: {
          node: {
            samlIdentity: { nameId: string | null; emails?: { value: string }[] | null } | null;
            user: { login: string } | null;
          } | null;
        }[];
      };
    } | null;
  } | null;
}

/** Counters shared by every client the source wrapped. */
interface Counters {
  apiCalls: number;
  rateLimitRetries: number;
}

const wrapped = new WeakMap<Octokit, Counters>();

/** GitHub organisations as a credential source: SSO authorizations and fine-grained PAT grants. */
export class GitHubSource implements CredentialSource {
  readonly id = "github" as const;
  readonly #org: string;
  /** The classic owner token's client; absent with a GitHub App only. */
  readonly #octokit: Octokit | undefined;
  readonly #patOctokit: Octokit;
  readonly #appTokens: GitHubAppTokens | undefined;
  readonly #revokePats: boolean;
  readonly #samlIdentities: boolean;
  readonly #secrets: readonly string[];
  readonly #patRecheckMs: readonly number[];
  readonly #counters: Counters[];

  constructor(options: GitHubSourceOptions) {
    this.#org = options.org;
    this.#octokit = options.octokit;
    const patOctokit = options.patGrantsOctokit ?? options.octokit;
    if (!patOctokit) throw new TypeError("GitHubSource needs an octokit or a patGrantsOctokit");
    this.#patOctokit = patOctokit;
    this.#appTokens = options.appTokens;
    this.#revokePats = options.revokeFineGrainedTokens ?? true;
    this.#samlIdentities = options.samlIdentities ?? true;
    this.#secrets = options.secrets ?? [];
    this.#patRecheckMs = options.patRevocationRecheckMs ?? [1_000, 4_000];
    const maxRetries = options.maxRateLimitRetries ?? 3;
    const maxWait = options.maxRateLimitWaitMs ?? 60_000;
    const clients = [this.#octokit, this.#patOctokit].filter((o): o is Octokit => o !== undefined);
    this.#counters = [...new Set(clients)].map((o) => withRateLimitRetry(o, maxRetries, maxWait));
  }

  /**
   * Read-only checks for `iam-hygiene check`, through the clients, auth and rate-limit retries
   * discovery uses: the App's installation token (when PAT grants use an App), `GET /orgs/{org}`,
   * then one page of one entry of each list discovery reads: SSO credential authorizations and
   * SAML identities (classic owner token), fine-grained PAT grants. Nothing is removed or revoked;
   * what revocation needs is stated from the token's scopes and the installation's permissions.
   */
  async preflight(): Promise<PreflightCheck[]> {
    const checks: PreflightCheck[] = [];
    const org = this.#org;
    const classic = this.#octokit;

    // 1. The App's installation token: the JWT (App ID, private key) and the installation ID.
    const tokens = this.#appTokens;
    let appOk = true;
    if (tokens) {
      const name = `github: App ${tokens.appId} installation ${tokens.installationId} token`;
      try {
        await tokens.token();
        checks.push({
          name,
          ok: true,
          detail: `GitHub minted an installation token; the installation's permissions: ${describePermissions(tokens.permissions)}`,
        });
      } catch (error) {
        appOk = false;
        checks.push({ name, ok: false, detail: this.#mintAdvice(error, tokens) });
        if (!classic) return checks;
      }
    }

    // 2. The organisation, with the client that reads most (the classic token when there is one).
    const orgClient = classic ?? this.#patOctokit;
    let scopes: string[] | undefined;
    try {
      const answer = await orgClient.request("GET /orgs/{org}", { org });
      scopes = scopesOf(answer.headers);
      checks.push({
        name: `github: organisation ${org}`,
        ok: true,
        detail: `found (id ${answer.data.id})${
          classic
            ? scopes === undefined
              ? "; the token names no scopes (not a classic token)"
              : `; the classic token's scopes: ${scopes.join(", ") || "none"}`
            : ""
        }`,
      });
    } catch (error) {
      checks.push({
        name: `github: organisation ${org}`,
        ok: false,
        detail: this.#orgAdvice(error, !!classic),
      });
      return checks;
    }

    // 3. SSO credential authorizations and SAML identities: the classic owner token only.
    if (!classic) {
      checks.push({
        name: "github: SSO credential authorizations",
        ok: true,
        detail:
          "not checked: no classic owner token (sources.github.token) is configured, and GitHub opens SSO " +
          `authorizations and SAML identities to one only; if ${org} uses SAML SSO, add an owner's classic ` +
          "token with read:org (admin:org to revoke)",
      });
    } else {
      checks.push(await this.#checkCredentialAuthorizations(classic, scopes));
      if (this.#samlIdentities) checks.push(await this.#checkSamlIdentities(classic));
    }

    // 4. Fine-grained PAT grants.
    if (appOk) checks.push(await this.#checkPatGrants());
    return checks;
  }

  async #checkCredentialAuthorizations(
    classic: Octokit,
    scopes: string[] | undefined,
  ): Promise<PreflightCheck> {
    const name = "github: SSO credential authorizations";
    try {
      await classic.request("GET /orgs/{org}/credential-authorizations", { org: this.#org, per_page: 1 });
      const revocation =
        scopes === undefined || scopes.includes("admin:org")
          ? ""
          : "; removing them needs admin:org, which the token's scopes lack: the scan can report but not revoke them";
      return { name, ok: true, detail: `listed: the token can read SSO authorizations${revocation}` };
    } catch (error) {
      const failure = describeGitHubError(error, this.#secrets);
      if (failure.notFound) {
        return {
          name,
          ok: true,
          detail: `${failure.message}: the org does not use SAML SSO (GitHub Enterprise Cloud), so there are none to read`,
        };
      }
      return {
        name,
        ok: false,
        detail: failure.forbidden
          ? `${failure.message}: listing SSO authorizations needs an organisation owner's classic token with ` +
            "read:org (admin:org to remove them); set sources.github.token to one"
          : retryLater(failure),
      };
    }
  }

  async #checkSamlIdentities(classic: Octokit): Promise<PreflightCheck> {
    const name = "github: SAML identities";
    try {
      const probe = await classic.graphql<SamlProbe>(SAML_PROBE, { org: this.#org, first: 1 });
      return {
        name,
        ok: true,
        detail: probe.organization?.samlIdentityProvider
          ? "readable: logins are matched to the emails of the org's SAML identity provider"
          : // null for a token that is not an org owner's, and under enterprise-level SAML, too.
            "no org-level SAML identity provider visible to the token (none configured, enterprise-level SAML, " +
            "or a token that is not an org owner's): logins are matched by the departure list's aliases only",
      };
    } catch (error) {
      const failure = describeGitHubError(error, this.#secrets);
      return {
        name,
        ok: false,
        detail:
          failure.status === 0 || failure.rateLimited
            ? retryLater(failure)
            : `${failure.message}: reading SAML identities needs an organisation owner's classic token with ` +
              "read:org; without them logins are matched by aliases only",
      };
    }
  }

  async #checkPatGrants(): Promise<PreflightCheck> {
    const name = "github: fine-grained PAT grants";
    const tokens = this.#appTokens;
    try {
      await this.#patOctokit.request("GET /orgs/{org}/personal-access-tokens", {
        org: this.#org,
        per_page: 1,
      });
      const level = tokens?.permissions?.organization_personal_access_tokens;
      const revocation = !this.#revokePats
        ? "; revocation is off (revokeFineGrainedTokens)"
        : tokens === undefined
          ? "; revoking needs organization_personal_access_tokens: write, which cannot be checked without acting"
          : level === "write"
            ? ""
            : "; revoking needs organization_personal_access_tokens: write, which the installation has only as " +
              `${level ?? "none"}: the scan can report but not revoke them`;
      return {
        name,
        ok: true,
        detail: `listed: ${tokens ? "the App installation" : "the token"} can read fine-grained PAT grants${revocation}`,
      };
    } catch (error) {
      const failure = describeGitHubError(error, this.#secrets);
      if (failure.status === 401) {
        return {
          name,
          ok: false,
          detail: tokens
            ? `${failure.message}: GitHub refused a freshly minted installation token; check the App's ` +
              "installation on the org"
            : `${failure.message}: GitHub refused sources.github.patGrantsToken; installation tokens expire ` +
              "after an hour, so configure sources.github.app instead, which mints its own",
        };
      }
      if (!failure.forbidden && !failure.notFound) return { name, ok: false, detail: retryLater(failure) };
      const fix = tokens
        ? "grant the App the organization permission Personal access tokens (organization_personal_access_tokens: " +
          "read to report, write to revoke) in its settings, and accept the new permissions on the org"
        : "GitHub lists them only to a GitHub App installation with the organization_personal_access_tokens " +
          "permission (read to report, write to revoke): configure sources.github.app";
      const why = failure.notFound
        ? "the org does not let fine-grained PATs reach its resources, or the token is not an App's: "
        : "";
      return { name, ok: false, detail: `${failure.message}: ${why}${fix}` };
    }
  }

  /** Why GitHub minted no installation token, and what to change. */
  #mintAdvice(error: unknown, tokens: GitHubAppTokens): string {
    const failure = describeGitHubError(error, this.#secrets);
    if (failure.status === 0) {
      return `${failure.message}: check sources.github.baseUrl and that this host can reach it`;
    }
    const said = githubMessage(error);
    // GitHub's own words name no secret; scrub them anyway, as every recorded message is.
    const refused = redact(
      `GitHub refused to mint an installation token (HTTP ${failure.status}${said ? `: ${said}` : ""})`,
      this.#secrets,
    );
    if (failure.notFound) {
      return (
        `${refused}: no installation ${tokens.installationId} of this App; check ` +
        `sources.github.app.installationId and that the App is still installed on ${this.#org}`
      );
    }
    if (failure.status === 401) {
      return (
        `${refused}: check sources.github.app.appId and that sources.github.app.privateKey is one of the ` +
        "App's current private keys (App settings > Private keys)"
      );
    }
    return failure.forbidden
      ? `${refused}: check the App's settings and its installation on the org`
      : refused;
  }

  /** Why `GET /orgs/{org}` failed, and what to change. */
  #orgAdvice(error: unknown, classic: boolean): string {
    const failure = describeGitHubError(error, this.#secrets);
    if (failure.status === 0) {
      return `${failure.message}: check sources.github.baseUrl and that this host can reach it`;
    }
    if (failure.status === 401) {
      return classic
        ? `${failure.message}: GitHub refused the token (wrong, expired or revoked); create an org owner's ` +
            "classic token with read:org (admin:org to revoke) and update the secret sources.github.token points to"
        : `${failure.message}: GitHub refused the App's installation token`;
    }
    if (failure.notFound) {
      return `${failure.message}: organisation not found or not visible; check sources.github.org (and sources.github.baseUrl)`;
    }
    return retryLater(failure);
  }

  /** Lists the org's credential authorizations and PAT grants, keeping departed people's. */
  async discover(ctx: DiscoverContext): Promise<Discovery> {
    const before = this.#totals();
    const credentials: Credential[] = [];
    const problems: SourceProblem[] = [];
    const notes: string[] = [];
    const stats: Record<string, number> = {
      samlIdentities: 0,
      orgCredentialAuthorizations: 0,
      orgPatGrants: 0,
      patGrantsSkippedExpired: 0,
      loginsMatched: 0,
      credentials: 0,
    };
    const fatal = (failure: GitHubFailure): Discovery => {
      problems.push({
        source: "github",
        subject: this.#org,
        message: failure.message,
        errorName: failure.status === 0 ? "GitHubUnreachableError" : "GitHubUnauthorizedError",
      });
      return this.#result(credentials, problems, stats, notes, before);
    };

    // 1. SAML identities: login -> the IdP's nameId (an email), when the org has SAML.
    const samlEmails = new Map<string, string>();
    const classic = this.#octokit;
    if (!classic) {
      notes.push(
        "No classic owner token configured (GitHub App only): SAML SSO credential authorizations and SAML " +
          "identities were not read, since GitHub refuses App tokens there; logins are matched by aliases only.",
      );
    } else if (this.#samlIdentities) {
      try {
        for (const [login, email] of await this.#listSamlIdentities())
          samlEmails.set(login.toLowerCase(), email);
        stats.samlIdentities = samlEmails.size;
      } catch (error) {
        const failure = describeGitHubError(error, this.#secrets);
        if (failure.fatal) return fatal(failure);
        notes.push(`SAML identities unavailable (${failure.message}); logins are matched by aliases only.`);
      }
    }
    const match = matcher(ctx.people, ctx.resolver, samlEmails);
    const matchedLogins = new Set<string>();

    // 2. SAML SSO credential authorizations.
    try {
      const authorizations = classic ? await this.#listCredentialAuthorizations() : [];
      stats.orgCredentialAuthorizations = authorizations.length;
      for (const auth of authorizations) {
        const found = match(auth.login);
        if (!found) continue;
        matchedLogins.add(auth.login.toLowerCase());
        credentials.push(this.#fromAuthorization(auth, found.hints, ctx.now));
      }
    } catch (error) {
      const failure = describeGitHubError(error, this.#secrets);
      if (failure.fatal) return fatal(failure);
      if (failure.notFound) {
        notes.push(
          "No SAML SSO credential authorizations: the org does not use SAML SSO (GitHub Enterprise Cloud).",
        );
      } else {
        problems.push({
          source: "github",
          subject: `${this.#org}/credential-authorizations`,
          message: failure.message,
          errorName: failure.rateLimited ? "GitHubRateLimitError" : "GitHubForbiddenError",
        });
      }
    }
    ctx.progress?.("github: credential authorizations read", { credentials: credentials.length });

    // 3. Fine-grained personal access token grants.
    try {
      const grants = await this.#listPatGrants();
      stats.orgPatGrants = grants.length;
      for (const grant of grants) {
        const found = match(grant.owner.login);
        if (!found) continue;
        if (grant.token_expired) {
          stats.patGrantsSkippedExpired = (stats.patGrantsSkippedExpired ?? 0) + 1;
          continue;
        }
        matchedLogins.add(grant.owner.login.toLowerCase());
        credentials.push(this.#fromPatGrant(grant, found.hints, ctx.now));
      }
    } catch (error) {
      const failure = describeGitHubError(error, this.#secrets);
      if (failure.fatal) return fatal(failure);
      if (failure.forbidden || failure.notFound) {
        notes.push(
          `Fine-grained PAT grants not read (${failure.message}): the org does not restrict fine-grained ` +
            "tokens, or the token is not a GitHub App token with the Personal access tokens permission.",
        );
      } else {
        problems.push({
          source: "github",
          subject: `${this.#org}/personal-access-tokens`,
          message: failure.message,
          errorName: failure.rateLimited ? "GitHubRateLimitError" : "GitHubRequestError",
        });
      }
    }

    stats.loginsMatched = matchedLogins.size;
    stats.credentials = credentials.length;
    notes.push(
      `Listed the whole org (${stats.orgCredentialAuthorizations} SSO authorizations, ${stats.orgPatGrants} ` +
        `fine-grained PAT grants) and kept the ${credentials.length} of ${matchedLogins.size} departed logins.`,
    );
    return this.#result(credentials, problems, stats, notes, before);
  }

  /** Removes one SSO authorization, or revokes one fine-grained PAT's access to the org. */
  async revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    const org = this.#org;
    const id = credential.nativeId;
    if (credential.source !== "github" || credential.account !== org) {
      return [
        { type: "revoke", status: "failed", detail: `not a credential of GitHub org ${org}`, at: ctx.now },
      ];
    }
    if (credential.kind === "sso-authorization" || credential.kind === "ssh-key") {
      const detail = `DELETE /orgs/${org}/credential-authorizations/${id}`;
      const classic = this.#octokit;
      if (!classic) {
        return [
          {
            type: "revoke",
            status: "failed",
            detail: `${detail} (no classic owner token configured: GitHub refuses App tokens here)`,
            at: ctx.now,
            error: {
              name: "GitHubForbiddenError",
              message: "sources.github.token is needed to remove SSO authorizations",
            },
          },
        ];
      }
      try {
        await classic.request("DELETE /orgs/{org}/credential-authorizations/{credential_id}", {
          org,
          credential_id: Number(id),
        });
        return [{ type: "revoke", status: "done", detail, at: ctx.now }];
      } catch (error) {
        const failure = describeGitHubError(error, this.#secrets);
        if (failure.notFound)
          return [{ type: "revoke", status: "done", detail: `${detail} (already gone: 404)`, at: ctx.now }];
        return [{ type: "revoke", status: "failed", detail, at: ctx.now, error: errorOf(failure) }];
      }
    }
    if (credential.kind === "personal-access-token") {
      const detail = `POST /orgs/${org}/personal-access-tokens {"action":"revoke","pat_ids":[${id}]}`;
      if (!this.#revokePats) {
        return [
          {
            type: "revoke",
            status: "skipped",
            detail: `${detail} (revokeFineGrainedTokens is off)`,
            at: ctx.now,
          },
        ];
      }
      try {
        await this.#patOctokit.request("POST /orgs/{org}/personal-access-tokens", {
          org,
          action: "revoke",
          pat_ids: [Number(id)],
        });
        return [{ type: "revoke", status: "done", detail, at: ctx.now }];
      } catch (error) {
        const failure = describeGitHubError(error, this.#secrets);
        const why =
          failure.forbidden || failure.notFound
            ? `${failure.message} (the org may not allow it, or the token is not a GitHub App token with ` +
              "Personal access tokens: write)"
            : failure.message;
        return [
          {
            type: "revoke",
            status: "failed",
            detail,
            at: ctx.now,
            error: { ...errorOf(failure), message: why },
          },
        ];
      }
    }
    return [
      { type: "revoke", status: "failed", detail: `github cannot revoke ${credential.kind}`, at: ctx.now },
    ];
  }

  /** Lists again and checks the credential is no longer there. */
  async verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    const org = this.#org;
    const id = credential.nativeId;
    let detail: string;
    let stillThere: () => Promise<boolean>;
    if (credential.kind === "sso-authorization" || credential.kind === "ssh-key") {
      detail = `GET /orgs/${org}/credential-authorizations?login=${credential.principal}`;
      stillThere = async () =>
        (await this.#listCredentialAuthorizations(credential.principal)).some(
          (a) => String(a.credential_id) === id,
        );
    } else if (credential.kind === "personal-access-token") {
      detail = `GET /orgs/${org}/personal-access-tokens`;
      // Revocation off in configuration: `revoke` skipped it, and the grant is listed on purpose.
      if (!this.#revokePats) {
        return {
          type: "verify",
          status: "skipped",
          detail: `${detail}: revokeFineGrainedTokens is off, nothing to read back`,
          at: ctx.now,
        };
      }
      // The revocation was accepted (202), not necessarily applied: a grant still listed is
      // listed again after a wait or two before the read-back calls the revocation ineffective.
      stillThere = async () => {
        const listed = async () => (await this.#listPatGrants()).some((g) => String(g.id) === id);
        for (const wait of this.#patRecheckMs) {
          if (!(await listed())) return false;
          await sleep(wait);
        }
        return listed();
      };
    } else {
      return {
        type: "verify",
        status: "failed",
        detail: `github cannot verify ${credential.kind}`,
        at: ctx.now,
      };
    }
    try {
      if (!(await stillThere()))
        return { type: "verify", status: "verified", detail: `${detail}: gone`, at: ctx.now };
      return {
        type: "verify",
        status: "failed",
        detail: `${detail}: still listed`,
        at: ctx.now,
        error: {
          name: "GitHubRevocationNotEffectiveError",
          message: `${credential.kind} ${id} is still listed`,
        },
      };
    } catch (error) {
      return {
        type: "verify",
        status: "failed",
        detail,
        at: ctx.now,
        error: errorOf(describeGitHubError(error, this.#secrets)),
      };
    }
  }

  async #listSamlIdentities(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const octokit = this.#classic();
    let after: string | null = null;
    for (;;) {
      const page: SamlPage = await octokit.graphql<SamlPage>(SAML_IDENTITIES, {
        org: this.#org,
        after,
      });
      const identities = page.organization?.samlIdentityProvider?.externalIdentities;
      if (!identities) return out;
      for (const edge of identities.edges) {
        const login = edge.node?.user?.login;
        const email = edge.node?.samlIdentity?.nameId ?? edge.node?.samlIdentity?.emails?.[0]?.value;
        if (login && email) out.set(login, email);
      }
      if (!identities.pageInfo.hasNextPage || !identities.pageInfo.endCursor) return out;
      after = identities.pageInfo.endCursor;
    }
  }

  #classic(): Octokit {
    if (!this.#octokit) throw new TypeError("no classic owner token configured (sources.github.token)");
    return this.#octokit;
  }

  async #listCredentialAuthorizations(login?: string): Promise<CredentialAuthorization[]> {
    return (await this.#classic().paginate("GET /orgs/{org}/credential-authorizations", {
      org: this.#org,
      per_page: 100,
      ...(login === undefined ? {} : { login }),
    })) as CredentialAuthorization[];
  }

  async #listPatGrants(): Promise<PatGrant[]> {
    return (await this.#patOctokit.paginate("GET /orgs/{org}/personal-access-tokens", {
      org: this.#org,
      per_page: 100,
    })) as PatGrant[];
  }

  #fromAuthorization(auth: CredentialAuthorization, hints: OwnerHints, now: Date): Credential {
    const kind: CredentialKind = /ssh/i.test(auth.credential_type) ? "ssh-key" : "sso-authorization";
    const nativeId = String(auth.credential_id);
    const accessed = auth.credential_accessed_at;
    return {
      id: `github:${this.#org}:${kind}:${nativeId}`,
      source: "github",
      kind,
      nativeId,
      account: this.#org,
      principal: auth.login,
      principalType: "human",
      ownerHints: hints,
      createdAt: new Date(auth.credential_authorized_at),
      ...(accessed === undefined ? {} : { lastUsed: accessed === null ? null : { at: new Date(accessed) } }),
      active: true,
      observedAt: now,
      details: {
        credentialType: auth.credential_type,
        tokenLastEight: auth.token_last_eight ?? null,
        scopes: auth.scopes?.join(" ") ?? null,
        fingerprint: auth.fingerprint ?? null,
        authorizedCredentialId: auth.authorized_credential_id ?? null,
        title: auth.authorized_credential_title ?? auth.authorized_credential_note ?? null,
        expiresAt: auth.authorized_credential_expires_at ?? null,
        revokes: "the credential's SSO authorization for this org, not the credential itself",
      },
    };
  }

  #fromPatGrant(grant: PatGrant, hints: OwnerHints, now: Date): Credential {
    const nativeId = String(grant.id);
    const permissions = Object.entries(grant.permissions)
      .flatMap(([scope, perms]) =>
        Object.entries(perms ?? {}).map(([name, level]) => `${scope}.${name}:${level}`),
      )
      .join(" ");
    return {
      id: `github:${this.#org}:personal-access-token:${nativeId}`,
      source: "github",
      kind: "personal-access-token",
      nativeId,
      account: this.#org,
      principal: grant.owner.login,
      principalType: "human",
      ownerHints: hints,
      createdAt: new Date(grant.access_granted_at),
      lastUsed: grant.token_last_used_at === null ? null : { at: new Date(grant.token_last_used_at) },
      active: true,
      observedAt: now,
      details: {
        tokenId: grant.token_id,
        tokenName: grant.token_name,
        tokenExpiresAt: grant.token_expires_at,
        repositorySelection: grant.repository_selection,
        permissions,
        revokes: "the token's access to this org, not the token itself",
        // Read by the policy: a human revokes the grant (a ticket), not this source.
        ...(this.#revokePats ? {} : { revocationOff: "sources.github.revokeFineGrainedTokens is false" }),
      },
    };
  }

  #totals(): Counters {
    return this.#counters.reduce(
      (sum, c) => ({
        apiCalls: sum.apiCalls + c.apiCalls,
        rateLimitRetries: sum.rateLimitRetries + c.rateLimitRetries,
      }),
      { apiCalls: 0, rateLimitRetries: 0 },
    );
  }

  #result(
    credentials: Credential[],
    problems: SourceProblem[],
    stats: Record<string, number>,
    notes: string[],
    before: Counters,
  ): Discovery {
    const after = this.#totals();
    stats.apiCalls = after.apiCalls - before.apiCalls;
    stats.rateLimitRetries = after.rateLimitRetries - before.rateLimitRetries;
    return { credentials, problems, stats, notes };
  }
}

/**
 * Maps a login to a departed person: an alias equal to the login, a person email equal to the
 * login's SAML email, or else whatever the core's resolver makes of the login and that email.
 */
function matcher(
  people: readonly Person[],
  resolver: OwnerResolver,
  samlEmails: ReadonlyMap<string, string>,
): (login: string) => { person: Person; hints: OwnerHints } | undefined {
  const byAlias = new Map<string, Person>();
  const byEmail = new Map<string, Person>();
  for (const person of people) {
    for (const alias of person.aliases) byAlias.set(alias.trim().toLowerCase(), person);
    for (const email of person.emails) byEmail.set(email.trim().toLowerCase(), person);
  }
  const cache = new Map<string, { person: Person; hints: OwnerHints } | undefined>();
  return (login) => {
    const key = login.toLowerCase();
    if (cache.has(key)) return cache.get(key);
    const samlEmail = samlEmails.get(key);
    const hints: OwnerHints = {
      employeeIds: [],
      emails: samlEmail ? [samlEmail] : [],
      usernames: [login],
      tags: {},
    };
    const person =
      byAlias.get(key) ??
      (samlEmail ? byEmail.get(samlEmail.toLowerCase()) : undefined) ??
      resolver.resolve({ ownerHints: hints, principal: login })?.person;
    const result = person ? { person, hints } : undefined;
    cache.set(key, result);
    return result;
  };
}

/**
 * Retries GitHub's rate limits on every request of `octokit` (REST pages and GraphQL alike):
 * 429, or 403 with `x-ratelimit-remaining: 0` or `retry-after`, waiting as GitHub asks, at most
 * `maxRetries` times and never longer than `maxWaitMs` at once.
 */
function withRateLimitRetry(octokit: Octokit, maxRetries: number, maxWaitMs: number): Counters {
  const existing = wrapped.get(octokit);
  if (existing) return existing;
  const counters: Counters = { apiCalls: 0, rateLimitRetries: 0 };
  wrapped.set(octokit, counters);
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      counters.apiCalls++;
      try {
        return await request(options);
      } catch (error) {
        const wait = retryDelayMs(error, Date.now());
        if (wait === undefined || attempt >= maxRetries || wait > maxWaitMs) throw error;
        counters.rateLimitRetries++;
        await sleep(wait);
      }
    }
  });
  return counters;
}

/** The classic token's scopes from `X-OAuth-Scopes`; `undefined` when GitHub sent none (not a classic token). */
function scopesOf(headers: Record<string, unknown>): string[] | undefined {
  const value = headers["x-oauth-scopes"];
  if (typeof value !== "string") return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function describePermissions(permissions: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(permissions ?? {});
  return entries.length === 0 ? "none" : entries.map(([name, level]) => `${name}: ${level}`).join(", ");
}

/** A failure with nothing to fix in the configuration: a rate limit that held, an outage. */
function retryLater(failure: GitHubFailure): string {
  return failure.rateLimited || failure.status >= 500
    ? `${failure.message}: try again later`
    : failure.message;
}

function errorOf(failure: GitHubFailure): { name: string; message: string } {
  const name = failure.rateLimited
    ? "GitHubRateLimitError"
    : failure.status === 401
      ? "GitHubUnauthorizedError"
      : failure.forbidden
        ? "GitHubForbiddenError"
        : "GitHubRequestError";
  return { name, message: failure.message };
}
