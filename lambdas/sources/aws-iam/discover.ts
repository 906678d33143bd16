/**
 * Discovery for one AWS account at a cost of O(1) + O(departed users) API calls:
 *
 * 1. one credential report (GenerateCredentialReport + GetCredentialReport): every user's
 *    access keys, password, MFA and signing certificates, in one download;
 * 2. GetAccountAuthorizationDetails (`Filter: ["User"]`), 1,000 users a page: fresh names,
 *    paths, tags and inline policies of every user (10,000 users = 10 calls); with `"Role"`
 *    too when the session-revocation policy also goes on roles, for their tags and policies;
 * 3. the resolver, locally, on each user's name, path and owner tags: who belongs to a
 *    departed person, service users included (`owner=jane@corp.example`);
 * 4. targeted, fresh calls only for those users (the report may be four hours old).
 *
 * Nothing is ever called once per user of the account. See docs/sources/aws-iam.md.
 */
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  paginateGetAccountAuthorizationDetails,
  type ServiceSpecificCredentialMetadata,
  type UserDetail,
} from "@aws-sdk/client-iam";
import type { Config } from "../../config.ts";
import type { Clock } from "../../core/clock.ts";
import type {
  Credential,
  CredentialKind,
  LastUse,
  OwnerHints,
  Person,
  PrincipalType,
} from "../../core/model.ts";
import type { DiscoverContext, Discovery, SourceProblem } from "../../core/ports/credential-source.ts";
import { type CallCounter, errorInfo, isAwsError, mapLimited } from "./aws-calls.ts";
import { credentialId, slotId } from "./credential-ids.ts";
import type {
  CredentialReport,
  CredentialReportRow,
  ReportAccessKey,
  ReportTime,
} from "./credential-report.ts";
import { fetchCredentialReport } from "./fetch-report.ts";
import { ownerHintsOf, principalTypeOf } from "./owner-hints.ts";
import {
  DENY_ALL_POLICY_NAME,
  decodePolicyDocument,
  isDenyAllPolicyArn,
  revokedBefore,
  SESSION_REVOCATION_POLICY_NAME,
} from "./session-policy.ts";
import { revokesOnRoles, sessionRoles, type TaggedRole } from "./session-roles.ts";

/** No owner hints: resolving a user name alone. */
const NO_HINTS: OwnerHints = { employeeIds: [], emails: [], usernames: [], tags: {} };

/** IAM began recording password use on 2014-10-20; before that, "no information" means unknown. */
const PASSWORD_TRACKING_SINCE = new Date("2014-10-20T00:00:00Z");

/** What discovery needs from the source. */
export interface DiscoveryDeps {
  readonly iam: IAMClient;
  readonly calls: CallCounter;
  readonly accountId: string;
  readonly config: Config["sources"]["aws-iam"];
  readonly ownership: Config["ownership"];
  readonly sleep: (ms: number) => Promise<void>;
  readonly clock: Clock;
  readonly reportTimeoutMs: number;
}

/**
 * The roles' side of session revocation, read with the users' details when the config puts the
 * policy on roles too (`sessionRevocationRoleArns`, `sessionRevocationRoleTag`).
 */
interface RoleSessions {
  /** The account's roles that carry the configured tag key. */
  readonly tagged: readonly TaggedRole[];
  /** Each role's session-revocation cut-off; absent or `undefined`: none the scanner can rely on. */
  readonly revokedBefore: ReadonlyMap<string, Date | undefined>;
  readonly protectedPrincipals: readonly string[];
}

/** Discovery's dependencies for one run: the source's, and what this run read of the roles. */
interface RunDeps extends DiscoveryDeps {
  /** Undefined when no role gets the policy, or when the details could not be read. */
  readonly roleSessions: RoleSessions | undefined;
}

/** A user as GetAccountAuthorizationDetails describes it. */
interface DetailedUser {
  readonly userName: string;
  readonly path: string;
  readonly arn: string | undefined;
  readonly createdAt: Date | undefined;
  readonly tags: ReadonlyMap<string, string>;
  /** The cut-off of the user's `IamHygieneRevokeOlderSessions` policy, if it has one. */
  readonly sessionsRevokedBefore: Date | undefined;
  /** `AWSDenyAll` is attached: every request is denied, sessions included (the quota fallback). */
  readonly deniesAll: boolean;
}

/** A user to read: from the report, from the authorization details, or both. */
interface UserEntry {
  readonly userName: string;
  readonly path: string;
  readonly arn: string | undefined;
  readonly row: CredentialReportRow | undefined;
  /** Absent only when the authorization details could not be read: tags are then unknown. */
  readonly detail: DetailedUser | undefined;
}

type Details = Record<string, string | number | boolean | null>;

/** Discovers every credential of the account. Never throws for provider errors. */
export async function discoverAccount(deps: DiscoveryDeps, ctx: DiscoverContext): Promise<Discovery> {
  const problems: SourceProblem[] = [];
  const notes: string[] = [];
  const stats: Record<string, number> = {};
  const addProblem = (subject: string, error: unknown): void => {
    const { name, message } = errorInfo(error);
    problems.push({ source: "aws-iam", subject, message, errorName: name });
  };

  ctx.progress?.("aws-iam: credential report");
  let report: CredentialReport | undefined;
  try {
    report = await fetchCredentialReport(deps.iam, deps.calls, {
      pollMs: deps.config.reportPollMs,
      timeoutMs: deps.reportTimeoutMs,
      sleep: deps.sleep,
    });
  } catch (error) {
    addProblem("credential-report", error);
    notes.push(
      "The credential report could not be read: only users matched to a departed person (by name, path or owner tag) were read, with targeted calls; hygiene findings for other users are missing from this run.",
    );
  }
  const reportAt = report?.generatedAt ?? ctx.now;
  if (report) {
    const ageSeconds = Math.max(0, Math.round((ctx.now.getTime() - reportAt.getTime()) / 1000));
    stats.reportAgeSeconds = ageSeconds;
    stats.reportRows = report.rows.length;
    notes.push(
      `Credential report generated at ${reportAt.toISOString()} (${Math.round(ageSeconds / 60)} min before the scan). AWS reuses a report for up to 4 hours, so report-derived facts (key status, last use) can be that old; users matched to a departed person were re-read with fresh calls. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html`,
    );
  }

  ctx.progress?.("aws-iam: reading users' authorization details");
  const detailed = new Map<string, DetailedUser>();
  // Roles only when the session-revocation policy goes on roles: their cut-offs decide, with
  // the user's, whether a departed person's sessions are all revoked.
  const withRoles = revokesOnRoles(deps.config);
  const tagKey = deps.config.sessionRevocationRoleTag?.key;
  const tagged: TaggedRole[] = [];
  const roleCutoffs = new Map<string, Date | undefined>();
  let detailsOk = true;
  try {
    // Unlike ListUsers, the details carry every user's tags and inline policies, 1,000 users a call:
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
    for await (const page of paginateGetAccountAuthorizationDetails(
      { client: deps.iam, pageSize: 1000 },
      { Filter: withRoles ? ["User", "Role"] : ["User"] },
    )) {
      deps.calls.count("iam:GetAccountAuthorizationDetails");
      for (const u of page.UserDetailList ?? []) {
        if (u.UserName) detailed.set(u.UserName, detailedUser(u.UserName, u));
      }
      for (const r of withRoles ? (page.RoleDetailList ?? []) : []) {
        if (!r.RoleName) continue;
        roleCutoffs.set(r.RoleName, sessionCutoff(r.RolePolicyList));
        const tagValue = tagKey === undefined ? undefined : r.Tags?.find((t) => t.Key === tagKey)?.Value;
        if (tagValue !== undefined)
          tagged.push({ name: r.RoleName, tagValue, ...(r.Arn ? { arn: r.Arn } : {}) });
      }
    }
  } catch (error) {
    detailsOk = false;
    addProblem("GetAccountAuthorizationDetails", error);
    notes.push(
      "Users' authorization details could not be read: owner tags are unknown in this run (credentials carry `ownerTagsRead: false`), so only users whose name or path points to a departed person were matched.",
    );
  }
  if (!report && !detailsOk) {
    return { credentials: [], problems, stats: { ...stats, ...deps.calls.stats() }, notes };
  }
  const run: RunDeps = {
    ...deps,
    roleSessions:
      withRoles && detailsOk
        ? { tagged, revokedBefore: roleCutoffs, protectedPrincipals: ctx.protectedPrincipals ?? [] }
        : undefined,
  };
  if (withRoles && detailsOk) stats.rolesSeen = roleCutoffs.size;

  const rows = new Map<string, CredentialReportRow>();
  let root: CredentialReportRow | undefined;
  for (const row of report?.rows ?? []) {
    if (row.isRoot) root = row;
    else rows.set(row.user, row);
  }
  const entries: UserEntry[] = [];
  let deletedSinceReport = 0;
  for (const [userName, row] of rows) {
    const detail = detailed.get(userName);
    // The details are the truth when they were read: a report row without one was deleted since.
    if (detailsOk && !detail) {
      deletedSinceReport++;
      continue;
    }
    entries.push({ userName, path: detail?.path ?? row.path, arn: detail?.arn ?? row.arn, row, detail });
  }
  for (const [userName, detail] of detailed) {
    if (!rows.has(userName))
      entries.push({ userName, path: detail.path, arn: detail.arn, row: undefined, detail });
  }
  stats.usersSeen = entries.length;
  stats.usersDeletedSinceReport = deletedSinceReport;
  stats.usersNewerThanReport = report ? entries.filter((e) => !e.row).length : 0;

  const matched: Array<{ entry: UserEntry; person: Person; named: boolean }> = [];
  const credentials: Credential[] = [];
  if (root) credentials.push(...rootCredentials(root, deps.accountId, reportAt));
  for (const entry of entries) {
    // Every user's owner tags are known, so a service user tagged with its owner matches too.
    const hints = hintsOf(deps, entry);
    const resolved = ctx.resolver.resolve({ ownerHints: hints, principal: entry.userName });
    if (resolved) {
      // Named after the person (not only tagged with them): evidence of a human user.
      const byName = ctx.resolver.resolve({ ownerHints: NO_HINTS, principal: entry.userName });
      matched.push({ entry, person: resolved.person, named: byName?.person === resolved.person });
    } else if (entry.row) credentials.push(...reportCredentials(run, entry, entry.row, reportAt, undefined));
  }
  stats.matchedUsers = matched.length;

  ctx.progress?.("aws-iam: confirming matched users", { matched: matched.length });
  // Service-specific credentials are not in the report; one fresh listing of every user's
  // (`AllUsers`) replaces one call per matched user. Undefined: list per user instead.
  const serviceCredentials =
    matched.length > 0 ? await listAllServiceCredentials(deps, notes, stats) : undefined;
  let confirmed = 0;
  let deleted = 0;
  let reportTrusted = 0;
  const confirmedLists = await mapLimited(
    matched,
    deps.config.concurrency,
    async ({ entry, person, named }) => {
      try {
        const trust = trustsReport(deps, entry, person, report?.generatedAt);
        if (trust) reportTrusted++;
        const found = await confirmUser(run, entry, person, { trust, serviceCredentials, named });
        if (found === "deleted") {
          deleted++;
          return [];
        }
        confirmed++;
        return found;
      } catch (error) {
        addProblem(entry.userName, error);
        // Keep what the report says, so a failed call never hides a departed person's key.
        return entry.row ? reportCredentials(run, entry, entry.row, reportAt, { person, named }) : [];
      }
    },
  );
  for (const list of confirmedLists) credentials.push(...list);
  stats.confirmedUsers = confirmed;
  stats.confirmedWithReport = reportTrusted;
  stats.usersDeletedSinceListing = deleted;
  if (reportTrusted > 0) {
    notes.push(
      `freshReads "targeted": for ${reportTrusted} matched user(s) the credential report was generated after the person left, so what it shows as absent (no password, no certificate) or unused since (key last use) was not re-read; keys, SSH keys, service-specific credentials and every credential the report shows were read fresh. Set sources.aws-iam.freshReads to "all" to re-read everything. See docs/sources/aws-iam.md.`,
    );
  }
  stats.credentials = credentials.length;
  Object.assign(stats, deps.calls.stats());
  ctx.progress?.("aws-iam: done", { credentials: credentials.length, problems: problems.length });
  return { credentials, problems, stats, notes };
}

/** Name, path, tags and session-revocation cut-off of one `UserDetail`. */
function detailedUser(userName: string, u: UserDetail): DetailedUser {
  const tags = new Map<string, string>();
  for (const t of u.Tags ?? []) if (t.Key !== undefined) tags.set(t.Key, t.Value ?? "");
  return {
    userName,
    path: u.Path ?? "/",
    arn: u.Arn,
    createdAt: u.CreateDate,
    tags,
    sessionsRevokedBefore: sessionCutoff(u.UserPolicyList),
    deniesAll: (u.AttachedManagedPolicies ?? []).some((p) => isDenyAllPolicyArn(p.PolicyArn)),
  };
}

/** The cut-off of the `IamHygieneRevokeOlderSessions` policy among a user's or role's inline policies. */
function sessionCutoff(
  policies: ReadonlyArray<{ PolicyName?: string; PolicyDocument?: string }> | undefined,
): Date | undefined {
  const policy = policies?.find((p) => p.PolicyName === SESSION_REVOCATION_POLICY_NAME);
  try {
    // Documents come URL-encoded (RFC 3986), as from GetUserPolicy.
    return policy?.PolicyDocument ? revokedBefore(decodePolicyDocument(policy.PolicyDocument)) : undefined;
  } catch {
    // An unreadable policy revokes nothing we can rely on: the sessions count as not revoked.
    return undefined;
  }
}

function hintsOf(deps: DiscoveryDeps, entry: UserEntry): OwnerHints {
  return ownerHintsOf(
    { path: entry.path, ...(entry.detail ? { tags: entry.detail.tags } : {}) },
    deps.ownership,
  );
}

/**
 * Whether a user's sessions issued before the person left are already denied: by its own
 * session policy, or by `AWSDenyAll` attached (the fallback when the policy had no room).
 */
function userSessionsRevoked(entry: UserEntry, person: Person | undefined): boolean {
  if (person === undefined || entry.detail === undefined) return false;
  const cutoff = entry.detail.sessionsRevokedBefore;
  return entry.detail.deniesAll || (cutoff !== undefined && cutoff >= person.departedAt);
}

/**
 * The roles (`sessionRoles`: configured, or tagged as assumable by the person, not protected)
 * that still allow sessions issued before the person left: no policy, an older cut-off, or a
 * configured role the listing does not have. Empty when no role gets the policy.
 */
function rolesStillOpen(deps: RunDeps, person: Person): string[] {
  const state = deps.roleSessions;
  if (!state) return [];
  const { roles } = sessionRoles(deps.config, person, state.tagged, state.protectedPrincipals);
  return roles
    .filter((role) => {
      const cutoff = state.revokedBefore.get(role.name);
      return cutoff === undefined || cutoff < person.departedAt;
    })
    .map((role) => role.name);
}

/**
 * Fresh, targeted reads of one user matched to a departed person. Tags and the session policy
 * come from the authorization details already read. `deleted` when the user is gone.
 */
async function confirmUser(
  deps: RunDeps,
  entry: UserEntry,
  person: Person,
  options: {
    /** The report row may stand in for reads of what it shows as absent or unused (see `trustsReport`). */
    readonly trust: boolean;
    readonly serviceCredentials: ReadonlyMap<string, ServiceSpecificCredentialMetadata[]> | undefined;
    /** The user name itself is the person's (see `principalTypeOf`). */
    readonly named: boolean;
  },
): Promise<Credential[] | "deleted"> {
  const { iam, calls } = deps;
  const UserName = entry.userName;
  const observedAt = deps.clock.now();
  const tags = entry.detail?.tags;
  const hints = hintsOf(deps, entry);

  const keys: Array<{ id: string; active: boolean; createdAt: Date | undefined }> = [];
  try {
    let Marker: string | undefined;
    do {
      const page = await calls.run("iam:ListAccessKeys", () =>
        iam.send(new ListAccessKeysCommand({ UserName, Marker })),
      );
      for (const k of page.AccessKeyMetadata ?? []) {
        if (k.AccessKeyId)
          keys.push({ id: k.AccessKeyId, active: k.Status === "Active", createdAt: k.CreateDate });
      }
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
  } catch (error) {
    // The first targeted call: NoSuchEntity here means the user was deleted since the listing.
    if (isAwsError(error, "NoSuchEntity")) return "deleted";
    throw error;
  }

  const row = options.trust ? entry.row : undefined;
  let login: { createdAt: Date | undefined; lastUsed: Date | undefined } | undefined;
  // A trusted report that shows no password is believed; one that shows a password is confirmed.
  if (row?.passwordEnabled !== false) {
    try {
      const got = await calls.run("iam:GetLoginProfile", () =>
        iam.send(new GetLoginProfileCommand({ UserName })),
      );
      login = { createdAt: got.LoginProfile?.CreateDate, lastUsed: undefined };
    } catch (error) {
      // NoSuchEntity is how IAM says "this user has no console password".
      if (!isAwsError(error, "NoSuchEntity")) throw error;
    }
  }
  // With a trusted report, its password_last_used covers the time since the person left.
  if (login && !row) {
    // The report's password_last_used may be four hours old; a departed person's sign-in
    // after leaving must show now. The details carry no PasswordLastUsed; GetUser does.
    const user = await calls.run("iam:GetUser", () => iam.send(new GetUserCommand({ UserName })));
    login.lastUsed = user.User?.PasswordLastUsed;
  }
  // MFA only matters for the password-without-MFA hygiene rule, so the report's `mfa_active`
  // (at most four hours old) is good enough; only a user the report has not seen is asked.
  let mfaEnabled = entry.row?.mfaActive ?? false;
  if (login && !entry.row) {
    const mfa = await calls.run("iam:ListMFADevices", () =>
      iam.send(new ListMFADevicesCommand({ UserName })),
    );
    mfaEnabled = (mfa.MFADevices ?? []).length > 0;
  }

  const sshKeys = await calls.run("iam:ListSSHPublicKeys", () =>
    iam.send(new ListSSHPublicKeysCommand({ UserName, MaxItems: 1000 })),
  );
  const serviceCredentials =
    options.serviceCredentials?.get(UserName) ??
    (options.serviceCredentials
      ? []
      : ((
          await calls.run("iam:ListServiceSpecificCredentials", () =>
            iam.send(new ListServiceSpecificCredentialsCommand({ UserName })),
          )
        ).ServiceSpecificCredentials ?? []));
  // Certificates are rare; the report says whether there are any. A user the report has not
  // seen yet (created in the last four hours) is listed to be safe.
  const certificates =
    !entry.row || entry.row.certificates.length > 0
      ? ((
          await calls.run("iam:ListSigningCertificates", () =>
            iam.send(new ListSigningCertificatesCommand({ UserName, MaxItems: 1000 })),
          )
        ).Certificates ?? [])
      : [];

  const principalType = principalTypeOf(
    {
      userName: UserName,
      path: entry.path,
      ...(tags ? { tags } : {}),
      hasPassword: login !== undefined,
      namedAfterPerson: options.named,
    },
    deps.ownership,
  );
  const base = baseOf(deps, entry, principalType, hints, observedAt);
  const details = (extra: Details = {}): Details => ({
    userPath: entry.path,
    confirmed: true,
    ownerTagsRead: entry.detail !== undefined,
    ...extra,
  });
  const out: Credential[] = [];
  for (const key of keys) {
    // A trusted report row that holds this very key (same creation second) tells its last use.
    const slot = row ? reportSlotOf(row, key.createdAt) : undefined;
    const fromReport = slot
      ? reportLastUse(slot.lastUsedDate, slot.lastUsedService, slot.lastUsedRegion)
      : undefined;
    let lastUsed: LastUse | null;
    if (slot && fromReport !== undefined) {
      lastUsed = fromReport;
    } else {
      const got = await calls.run("iam:GetAccessKeyLastUsed", () =>
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id })),
      );
      const used = got.AccessKeyLastUsed;
      lastUsed = used?.LastUsedDate
        ? {
            at: used.LastUsedDate,
            ...(known(used.ServiceName) ? { service: used.ServiceName } : {}),
            ...(known(used.Region) ? { region: used.Region } : {}),
          }
        : null;
    }
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "access-key", key.id),
      ...(key.createdAt ? { createdAt: key.createdAt } : {}),
      lastUsed,
      active: key.active,
      details: details({
        lastUseFrom: slot && fromReport !== undefined ? "credential-report" : "GetAccessKeyLastUsed",
      }),
    });
  }
  if (login) {
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "console-password", UserName),
      ...(login.createdAt ? { createdAt: login.createdAt } : {}),
      lastUsed: passwordLastUse(entry, login.lastUsed),
      active: true,
      mfaEnabled,
      details: details(),
    });
  }
  for (const k of sshKeys.SSHPublicKeys ?? []) {
    if (!k.SSHPublicKeyId) continue;
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "ssh-key", k.SSHPublicKeyId),
      ...(k.UploadDate ? { createdAt: k.UploadDate } : {}),
      active: k.Status === "Active",
      details: details(),
    });
  }
  for (const c of serviceCredentials) {
    if (!c.ServiceSpecificCredentialId) continue;
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "service-specific-credential", c.ServiceSpecificCredentialId),
      ...(c.CreateDate ? { createdAt: c.CreateDate } : {}),
      active: c.Status === "Active",
      details: details({ serviceName: c.ServiceName ?? null, serviceUserName: c.ServiceUserName ?? null }),
    });
  }
  for (const c of certificates) {
    if (!c.CertificateId) continue;
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "signing-certificate", c.CertificateId),
      ...(c.UploadDate ? { createdAt: c.UploadDate } : {}),
      active: c.Status === "Active",
      details: details(),
    });
  }
  if (principalType === "human") out.push(sessionsCredential(deps, entry, base, person, details));
  return out;
}

/**
 * Whether a matched user's confirmation may take from the credential report what it shows as
 * absent or unused, instead of re-reading it (`freshReads: "targeted"`, the default). Only a
 * report generated after the person left can say "no password since they left" or "key not
 * used since they left"; an older one, or none, means every read is fresh. What the report
 * cannot show (key ids, SSH keys, service-specific credentials, credentials created after it
 * was generated) is always read fresh.
 */
function trustsReport(
  deps: DiscoveryDeps,
  entry: UserEntry,
  person: Person,
  generatedAt: Date | undefined,
): boolean {
  return (
    deps.config.freshReads === "targeted" &&
    entry.row !== undefined &&
    generatedAt !== undefined &&
    generatedAt.getTime() >= person.departedAt.getTime()
  );
}

/**
 * The report slot that holds the key created at `createdAt`: the report has no key ids, but
 * `access_key_N_last_rotated` is the key's creation time (to the second). Two keys created in
 * the same second, or a key the report has not seen, match no slot.
 */
function reportSlotOf(row: CredentialReportRow, createdAt: Date | undefined): ReportAccessKey | undefined {
  if (!createdAt) return undefined;
  const second = Math.floor(createdAt.getTime() / 1000);
  const hits = row.accessKeys.filter((k) => Math.floor(k.lastRotated.getTime() / 1000) === second);
  return hits.length === 1 ? hits[0] : undefined;
}

/**
 * Every user's service-specific credentials in one paginated listing (`AllUsers: true`, 1,000
 * a page), grouped by user name. Undefined when IAM refuses the listing (a partition or policy
 * without `AllUsers`): callers then list per matched user.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServiceSpecificCredentials.html
 */
async function listAllServiceCredentials(
  deps: DiscoveryDeps,
  notes: string[],
  stats: Record<string, number>,
): Promise<Map<string, ServiceSpecificCredentialMetadata[]> | undefined> {
  const byUser = new Map<string, ServiceSpecificCredentialMetadata[]>();
  try {
    let Marker: string | undefined;
    do {
      const page = await deps.calls.run("iam:ListServiceSpecificCredentials", () =>
        deps.iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true, MaxItems: 1000, Marker })),
      );
      for (const c of page.ServiceSpecificCredentials ?? []) {
        if (!c.UserName) continue;
        const list = byUser.get(c.UserName) ?? [];
        list.push(c);
        byUser.set(c.UserName, list);
      }
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
  } catch (error) {
    const { name, message } = errorInfo(error);
    notes.push(
      `ListServiceSpecificCredentials with AllUsers failed (${name}: ${message}); service-specific credentials were listed per matched user instead.`,
    );
    return undefined;
  }
  stats.serviceCredentialsListed = [...byUser.values()].reduce((n, l) => n + l.length, 0);
  return byUser;
}

/**
 * The `sts-sessions` pseudo-credential: inactive when the user's session-revocation policy
 * (read from the authorization details) already denies every token issued before the person
 * left, and so does every role the revoker puts it on for them (`rolesStillOpen`, named in
 * `details.sessionRolesOpen`): a role whose write failed keeps it active, and the next scan
 * writes it again. Without a person there is no departure to compare with: it stays active.
 */
function sessionsCredential(
  deps: RunDeps,
  entry: UserEntry,
  base: ReturnType<typeof baseOf>,
  person: Person | undefined,
  details: (extra?: Details) => Details,
): Credential {
  const open = person && deps.roleSessions ? rolesStillOpen(deps, person) : undefined;
  return {
    ...base,
    ...kindAndId(deps.accountId, "sts-sessions", entry.userName),
    active: !userSessionsRevoked(entry, person) || (open !== undefined && open.length > 0),
    details: details({
      sessionsRevokedBefore: entry.detail?.sessionsRevokedBefore?.toISOString() ?? null,
      ...(entry.detail?.deniesAll ? { sessionsDeniedBy: DENY_ALL_POLICY_NAME } : {}),
      ...(open ? { sessionRolesOpen: open.length > 0 ? open.join(", ") : null } : {}),
    }),
  };
}

/**
 * Credentials as the credential report shows them, with slot ids for keys and certificates.
 * `matched` is given when the user was matched but its targeted reads failed.
 */
function reportCredentials(
  deps: RunDeps,
  entry: UserEntry,
  row: CredentialReportRow,
  observedAt: Date,
  matched: { readonly person: Person; readonly named: boolean } | undefined,
): Credential[] {
  const person = matched?.person;
  const hasPassword = row.passwordEnabled === true;
  const tags = entry.detail?.tags;
  const principalType = principalTypeOf(
    {
      userName: entry.userName,
      path: entry.path,
      ...(tags ? { tags } : {}),
      hasPassword,
      namedAfterPerson: matched?.named === true,
    },
    deps.ownership,
  );
  const base = baseOf(deps, entry, principalType, hintsOf(deps, entry), observedAt);
  const details = (extra: Details = {}): Details => ({
    userPath: entry.path,
    confirmed: false,
    ownerTagsRead: entry.detail !== undefined,
    ...(person ? { confirmationFailed: true } : {}),
    ...extra,
  });
  const out: Credential[] = [];
  for (const key of row.accessKeys) {
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "access-key", slotId(entry.userName, "access-key", key.slot)),
      createdAt: key.lastRotated,
      lastUsed: reportLastUse(key.lastUsedDate, key.lastUsedService, key.lastUsedRegion),
      active: key.active,
      details: details({ reportSlot: key.slot }),
    });
  }
  if (hasPassword) {
    out.push({
      ...base,
      ...kindAndId(deps.accountId, "console-password", entry.userName),
      ...(row.passwordLastChanged instanceof Date ? { createdAt: row.passwordLastChanged } : {}),
      lastUsed: passwordLastUse(entry, undefined),
      active: true,
      mfaEnabled: row.mfaActive,
      details: details(),
    });
  }
  for (const cert of row.certificates) {
    out.push({
      ...base,
      ...kindAndId(
        deps.accountId,
        "signing-certificate",
        slotId(entry.userName, "signing-certificate", cert.slot),
      ),
      createdAt: cert.lastRotated,
      active: cert.active,
      details: details({ reportSlot: cert.slot }),
    });
  }
  if (principalType === "human") out.push(sessionsCredential(deps, entry, base, person, details));
  return out;
}

/** The root user's access keys and certificates (its password is not an IAM credential to revoke). */
function rootCredentials(row: CredentialReportRow, accountId: string, observedAt: Date): Credential[] {
  const base = {
    source: "aws-iam" as const,
    account: accountId,
    principal: row.user,
    principalArn: row.arn,
    principalType: "unknown" as const,
    ownerHints: { employeeIds: [], emails: [], usernames: [], tags: {} },
    isRoot: true,
    observedAt,
  };
  const out: Credential[] = [];
  for (const key of row.accessKeys) {
    out.push({
      ...base,
      ...kindAndId(accountId, "access-key", slotId(row.user, "access-key", key.slot)),
      createdAt: key.lastRotated,
      lastUsed: reportLastUse(key.lastUsedDate, key.lastUsedService, key.lastUsedRegion),
      active: key.active,
      details: { confirmed: false, reportSlot: key.slot },
    });
  }
  for (const cert of row.certificates) {
    out.push({
      ...base,
      ...kindAndId(accountId, "signing-certificate", slotId(row.user, "signing-certificate", cert.slot)),
      createdAt: cert.lastRotated,
      active: cert.active,
      details: { confirmed: false, reportSlot: cert.slot },
    });
  }
  return out;
}

function baseOf(
  deps: DiscoveryDeps,
  entry: UserEntry,
  principalType: PrincipalType,
  ownerHints: OwnerHints,
  observedAt: Date,
) {
  return {
    source: "aws-iam" as const,
    account: deps.accountId,
    principal: entry.userName,
    ...(entry.arn ? { principalArn: entry.arn } : {}),
    principalType,
    ownerHints,
    observedAt,
  };
}

function kindAndId(accountId: string, kind: CredentialKind, nativeId: string) {
  return { id: credentialId(accountId, kind, nativeId), kind, nativeId };
}

function known(value: string | undefined): value is string {
  return value !== undefined && value !== "" && value !== "N/A";
}

/** `N/A` in a last-used column means never used; `no_information` means IAM cannot tell. */
function reportLastUse(
  at: ReportTime,
  service: string | undefined,
  region: string | undefined,
): LastUse | null | undefined {
  if (at instanceof Date) return { at, ...(service ? { service } : {}), ...(region ? { region } : {}) };
  return at === "N/A" ? null : undefined;
}

/**
 * The password's last use: GetUser's `PasswordLastUsed` (read for matched users) is fresher
 * than the report and wins when later. Its absence (or the report's `no_information`) means
 * "never used" only for users created after IAM began tracking password use; for older users
 * it means "cannot tell".
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html
 */
function passwordLastUse(entry: UserEntry, fresh: Date | undefined): LastUse | null | undefined {
  const fromReport = entry.row?.passwordLastUsed;
  const reportAt = fromReport instanceof Date ? fromReport : undefined;
  const times = [fresh, reportAt].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  const latest = times.length > 0 ? new Date(Math.max(...times)) : undefined;
  if (latest) return { at: latest, service: "console" };
  const created =
    entry.detail?.createdAt ??
    (entry.row?.userCreationTime instanceof Date ? entry.row.userCreationTime : undefined);
  return created && created >= PASSWORD_TRACKING_SINCE ? null : undefined;
}
