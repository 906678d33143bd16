/**
 * Revocation for the `aws-iam` source: one credential at a time (an access key id, never a
 * user), reversibly first, each change read back by `verify`. Each credential is read right
 * before its write: one already in the target state (a human, or a scan that died with its
 * request in flight, got there first) is recorded `skipped` and not written again.
 *
 * - access key: UpdateAccessKey `Inactive` (reversible); deleted only by `purgeQuarantined`
 *   after `deleteKeysAfterDays`, off by default;
 * - console password: DeleteLoginProfile (IAM has no "disable"; an admin can set a new one);
 * - SSH key, service-specific credential, signing certificate: `Inactive` (reversible);
 * - sessions already issued: the `IamHygieneRevokeOlderSessions` inline policy on the user
 *   and on every role the person could assume (see `session-policy.ts`); a user with no room
 *   left for it under IAM's inline-policy quota gets AWS's `AWSDenyAll` attached instead
 *   (`denyAllWhenPolicyQuotaFull`).
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#Using_CreateAccessKey
 */
import {
  AttachUserPolicyCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  GetLoginProfileCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  paginateGetAccountAuthorizationDetails,
  UpdateAccessKeyCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
} from "@aws-sdk/client-iam";
import type { Config } from "../../config.ts";
import { DAY_MS } from "../../core/clock.ts";
import type { ActionRecord, ActionStatus, Credential } from "../../core/model.ts";
import type { RevokeContext } from "../../core/ports/credential-source.ts";
import type { FindingHistory } from "../../core/ports/store.ts";
import { type CallCounter, errorInfo, isAwsError, quotaErrorsFinal } from "./aws-calls.ts";
import { credentialId, parseSlotId } from "./credential-ids.ts";
import {
  DENY_ALL_POLICY_NAME,
  decodePolicyDocument,
  denyAllPolicyArn,
  formatIssueTime,
  isDenyAllPolicyArn,
  mergeSessionRevocation,
  revokedBefore,
  SESSION_REVOCATION_POLICY_NAME,
} from "./session-policy.ts";
import { sessionRoles, type TaggedRole } from "./session-roles.ts";

/** A slot id (`alice#1`) whose real key or certificate cannot be told apart any more. */
export class CredentialNotFoundError extends Error {
  override readonly name = "CredentialNotFoundError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Sessions that are still allowed on a user or role after revocation. */
export class SessionsNotRevokedError extends Error {
  override readonly name = "SessionsNotRevokedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * An access key this scanner deactivated, as the scan's store remembers it. Deletion relies
 * on this record (not on a tag: access keys cannot be tagged, and tagging the user would need
 * `iam:TagUser` and spend the user's 50-tag quota), and on a fresh read that the key is still
 * inactive: a key someone reactivated is never deleted.
 */
export interface QuarantinedKey {
  readonly userName: string;
  readonly accessKeyId: string;
  /** When the scanner deactivated it (the `at` of its `revoke` action record). */
  readonly deactivatedAt: Date;
}

/** What the revoker needs. */
export interface RevokerDeps {
  readonly iam: IAMClient;
  readonly calls: CallCounter;
  readonly config: Config["sources"]["aws-iam"];
}

/** A user or role that gets the session-revocation policy. */
interface SessionTarget {
  readonly type: "user" | "role";
  readonly name: string;
}

const ACCESS_KEY_DETAIL = /^UpdateAccessKey (\S+) Inactive \(user (\S+)\)$/;

/**
 * The quarantine record of a `revoke` action on an access key, for `purgeQuarantined`;
 * `undefined` for anything else. The scan use case keeps action records in its store.
 */
export function quarantinedKeyOf(action: ActionRecord): QuarantinedKey | undefined {
  const match = ACCESS_KEY_DETAIL.exec(action.detail);
  if (action.type !== "revoke" || action.status !== "done" || !match || !action.at) return undefined;
  return { accessKeyId: match[1]!, userName: match[2]!, deactivatedAt: action.at };
}

const PURGE_DETAIL = /^DeleteAccessKey (\S+) \(user \S+\): /;

/** A quarantined key still awaiting purge, and the findings whose history records its revocation. */
export interface QuarantinedKeyFindings {
  readonly key: QuarantinedKey;
  readonly findingIds: readonly string[];
}

/**
 * The access keys of one account that the store's history says this scanner deactivated and
 * that no later purge settled (deleted, found deleted, or found reactivated: a human decided).
 * Replays each finding's actions in order, so a key revoked again after being reactivated is
 * quarantined again from that later time. A key on several findings is listed once, with the
 * latest deactivation.
 */
export function quarantinedKeysIn(
  history: readonly FindingHistory[],
  accountId: string,
): QuarantinedKeyFindings[] {
  const prefix = credentialId(accountId, "access-key", "");
  const byKey = new Map<string, { key: QuarantinedKey; findingIds: string[] }>();
  for (const finding of history) {
    if (!finding.credentialId?.startsWith(prefix)) continue;
    const open = new Map<string, QuarantinedKey>();
    for (const action of finding.actions) {
      const key = quarantinedKeyOf(action);
      if (key) {
        open.set(key.accessKeyId, key);
        continue;
      }
      const purged = PURGE_DETAIL.exec(action.detail);
      // A failed purge is tried again next run; anything else settled the key (deleted, gone,
      // re-enabled by a human, or left alone because its user is protected or excepted).
      if (purged && action.type === "revoke" && action.status !== "failed") open.delete(purged[1]!);
    }
    for (const key of open.values()) {
      const seen = byKey.get(key.accessKeyId);
      if (!seen) byKey.set(key.accessKeyId, { key, findingIds: [finding.findingId] });
      else {
        seen.findingIds.push(finding.findingId);
        if (key.deactivatedAt > seen.key.deactivatedAt) seen.key = key;
      }
    }
  }
  return [...byKey.values()];
}

/** Revokes, verifies and purges `aws-iam` credentials. */
export class AwsIamRevoker {
  #taggedRoles: Promise<TaggedRole[]> | undefined;

  constructor(private readonly deps: RevokerDeps) {}

  /** Revokes one credential. Never throws for provider errors: they become `failed` records. */
  async revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    const at = ctx.now;
    const record = (status: ActionStatus, detail: string, error?: unknown): ActionRecord => ({
      type: "revoke",
      status,
      detail,
      at,
      ...(error === undefined ? {} : { error: errorInfo(error) }),
    });
    if (credential.source !== "aws-iam")
      return [record("skipped", `not an aws-iam credential: ${credential.id}`)];
    if (credential.isRoot) {
      return [
        record(
          "skipped",
          `${credential.kind} of the root user: only the root user can change it (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_add-key.html)`,
        ),
      ];
    }
    const { iam, calls } = this.deps;
    const UserName = credential.principal;
    let detail = `${credential.kind} ${credential.nativeId} of ${UserName}`;
    try {
      switch (credential.kind) {
        case "access-key": {
          const { id: AccessKeyId, status } = await this.#accessKeyNow(credential);
          detail = `UpdateAccessKey ${AccessKeyId} Inactive (user ${UserName})`;
          if (status !== "Active") return [record("skipped", notSent(detail, status))];
          await calls.run("iam:UpdateAccessKey", () =>
            iam.send(new UpdateAccessKeyCommand({ UserName, AccessKeyId, Status: "Inactive" })),
          );
          return [record("done", detail)];
        }
        case "console-password": {
          detail = `DeleteLoginProfile ${UserName}`;
          try {
            await calls.run("iam:DeleteLoginProfile", () =>
              iam.send(new DeleteLoginProfileCommand({ UserName })),
            );
          } catch (error) {
            if (isAwsError(error, "NoSuchEntity"))
              return [record("skipped", `${detail}: no console password any more`)];
            throw error;
          }
          return [record("done", detail)];
        }
        case "ssh-key": {
          detail = `UpdateSSHPublicKey ${credential.nativeId} Inactive (user ${UserName})`;
          const status = await this.#sshKeyStatus(credential);
          if (status !== "Active") return [record("skipped", notSent(detail, status))];
          await calls.run("iam:UpdateSSHPublicKey", () =>
            iam.send(
              new UpdateSSHPublicKeyCommand({
                UserName,
                SSHPublicKeyId: credential.nativeId,
                Status: "Inactive",
              }),
            ),
          );
          return [record("done", detail)];
        }
        case "service-specific-credential": {
          detail = `UpdateServiceSpecificCredential ${credential.nativeId} Inactive (user ${UserName})`;
          const status = await this.#serviceCredentialStatus(credential);
          if (status !== "Active") return [record("skipped", notSent(detail, status))];
          await calls.run("iam:UpdateServiceSpecificCredential", () =>
            iam.send(
              new UpdateServiceSpecificCredentialCommand({
                UserName,
                ServiceSpecificCredentialId: credential.nativeId,
                Status: "Inactive",
              }),
            ),
          );
          return [record("done", detail)];
        }
        case "signing-certificate": {
          const { id: CertificateId, status } = await this.#certificateNow(credential);
          detail = `UpdateSigningCertificate ${CertificateId} Inactive (user ${UserName})`;
          if (status !== "Active") return [record("skipped", notSent(detail, status))];
          await calls.run("iam:UpdateSigningCertificate", () =>
            iam.send(new UpdateSigningCertificateCommand({ UserName, CertificateId, Status: "Inactive" })),
          );
          return [record("done", detail)];
        }
        case "sts-sessions":
          return await this.#revokeSessions(credential, ctx, record);
        default:
          return [record("skipped", `aws-iam does not revoke ${credential.kind}`)];
      }
    } catch (error) {
      return [record("failed", detail, error)];
    }
  }

  /** Reads the credential back: `verified` when the revocation holds, `failed` otherwise. */
  async verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    const at = ctx.now;
    const record = (status: ActionStatus, detail: string, error?: unknown): ActionRecord => ({
      type: "verify",
      status,
      detail,
      at,
      ...(error === undefined ? {} : { error: errorInfo(error) }),
    });
    if (credential.source !== "aws-iam" || credential.isRoot) {
      return record("skipped", `${credential.id} is not revoked by this source`);
    }
    const { iam, calls } = this.deps;
    const UserName = credential.principal;
    const detail = `${credential.kind} ${credential.nativeId} of ${UserName}`;
    try {
      switch (credential.kind) {
        case "access-key": {
          const { id, status } = await this.#accessKeyNow(credential);
          return statusRecord(record, `access key ${id} of ${UserName}`, status);
        }
        case "console-password":
          try {
            await calls.run("iam:GetLoginProfile", () => iam.send(new GetLoginProfileCommand({ UserName })));
          } catch (error) {
            if (isAwsError(error, "NoSuchEntity"))
              return record("verified", `${UserName} has no console password`);
            throw error;
          }
          return record(
            "failed",
            `${UserName} still has a console password`,
            new CredentialStillActiveError(`GetLoginProfile found a login profile for ${UserName}`),
          );
        case "ssh-key":
          return statusRecord(
            record,
            `SSH key ${credential.nativeId} of ${UserName}`,
            await this.#sshKeyStatus(credential),
          );
        case "service-specific-credential":
          return statusRecord(
            record,
            `service-specific credential ${credential.nativeId} of ${UserName}`,
            await this.#serviceCredentialStatus(credential),
          );
        case "signing-certificate": {
          const { id, status } = await this.#certificateNow(credential);
          return statusRecord(record, `signing certificate ${id} of ${UserName}`, status);
        }
        case "sts-sessions":
          return await this.#verifySessions(credential, ctx, record);
        default:
          return record("skipped", `aws-iam does not revoke ${credential.kind}`);
      }
    } catch (error) {
      return record("failed", detail, error);
    }
  }

  /**
   * Deletes access keys this scanner deactivated more than `deleteKeysAfterDays` ago and
   * that are still inactive. Off (every key `skipped`) unless the option is set.
   */
  async purgeQuarantined(keys: readonly QuarantinedKey[], now: Date): Promise<ActionRecord[]> {
    const days = this.deps.config.deleteKeysAfterDays;
    const out: ActionRecord[] = [];
    for (const key of keys) {
      const detail = `DeleteAccessKey ${key.accessKeyId} (user ${key.userName})`;
      const record = (status: ActionStatus, why: string, error?: unknown): ActionRecord => ({
        type: "revoke",
        status,
        detail: `${detail}: ${why}`,
        at: now,
        ...(error === undefined ? {} : { error: errorInfo(error) }),
      });
      if (days === null) {
        out.push(record("skipped", "key deletion is off (deleteKeysAfterDays)"));
        continue;
      }
      const due = new Date(key.deactivatedAt.getTime() + days * DAY_MS);
      if (due > now) {
        out.push(record("skipped", `in quarantine until ${due.toISOString()}`));
        continue;
      }
      try {
        const current = (await this.#listAccessKeys(key.userName)).find(
          (k) => k.AccessKeyId === key.accessKeyId,
        );
        if (!current) {
          out.push(record("skipped", "already deleted"));
          continue;
        }
        if (current.Status !== "Inactive") {
          out.push(record("skipped", "reactivated since it was revoked; a human decided to keep it"));
          continue;
        }
        await this.deps.calls.run("iam:DeleteAccessKey", () =>
          this.deps.iam.send(
            new DeleteAccessKeyCommand({ UserName: key.userName, AccessKeyId: key.accessKeyId }),
          ),
        );
        out.push(record("done", `inactive since ${key.deactivatedAt.toISOString()}, deleted`));
      } catch (error) {
        if (isAwsError(error, "NoSuchEntity")) out.push(record("skipped", "user or key already deleted"));
        else out.push(record("failed", "could not delete", error));
      }
    }
    return out;
  }

  /**
   * The real access key id of a credential: its native id, or for a report slot id
   * (`alice#1`) the key whose creation time matches the report's `last_rotated`.
   */
  async accessKeyIdOf(credential: Credential): Promise<string> {
    if (!parseSlotId(credential.nativeId)) return credential.nativeId;
    return (await this.#accessKeyNow(credential)).id;
  }

  #bySlotTime(
    credential: Credential,
    items: Array<{ id: string | undefined; at: Date | undefined }>,
    what: string,
  ): string {
    const created = credential.createdAt?.getTime();
    // The report writes whole seconds; the API may not.
    const found =
      created === undefined
        ? []
        : items.filter((i) => i.id && i.at && Math.abs(i.at.getTime() - created) < 1000);
    if (found.length !== 1) {
      throw new CredentialNotFoundError(
        `cannot tell which ${what} is ${credential.nativeId}: ${found.length} of ${items.length} created at ${credential.createdAt?.toISOString() ?? "an unknown time"}`,
      );
    }
    return found[0]!.id!;
  }

  /** The real id of an access key credential and its status now (`undefined`: it no longer exists). */
  async #accessKeyNow(credential: Credential): Promise<{ id: string; status: string | undefined }> {
    const slot = parseSlotId(credential.nativeId);
    const keys = await this.#listAccessKeys(slot?.userName ?? credential.principal);
    return this.#idAndStatus(
      credential,
      keys.map((k) => ({ id: k.AccessKeyId, at: k.CreateDate, status: k.Status })),
      "access key",
    );
  }

  /** The real id of a signing certificate credential and its status now, as `#accessKeyNow`. */
  async #certificateNow(credential: Credential): Promise<{ id: string; status: string | undefined }> {
    const slot = parseSlotId(credential.nativeId);
    const certs = await this.#listCertificates(slot?.userName ?? credential.principal);
    return this.#idAndStatus(
      credential,
      certs.map((c) => ({ id: c.CertificateId, at: c.UploadDate, status: c.Status })),
      "signing certificate",
    );
  }

  /** A listed credential's real id (its native id, or the one a report slot id stands for) and status. */
  #idAndStatus(
    credential: Credential,
    items: Array<{ id: string | undefined; at: Date | undefined; status: string | undefined }>,
    what: string,
  ): { id: string; status: string | undefined } {
    const id = parseSlotId(credential.nativeId)
      ? this.#bySlotTime(credential, items, what)
      : credential.nativeId;
    return { id, status: items.find((i) => i.id === id)?.status };
  }

  async #sshKeyStatus(credential: Credential): Promise<string | undefined> {
    const UserName = credential.principal;
    const page = await this.deps.calls.run("iam:ListSSHPublicKeys", () =>
      this.deps.iam.send(new ListSSHPublicKeysCommand({ UserName, MaxItems: 1000 })),
    );
    return page.SSHPublicKeys?.find((k) => k.SSHPublicKeyId === credential.nativeId)?.Status;
  }

  async #serviceCredentialStatus(credential: Credential): Promise<string | undefined> {
    const UserName = credential.principal;
    const page = await this.deps.calls.run("iam:ListServiceSpecificCredentials", () =>
      this.deps.iam.send(new ListServiceSpecificCredentialsCommand({ UserName })),
    );
    return page.ServiceSpecificCredentials?.find((c) => c.ServiceSpecificCredentialId === credential.nativeId)
      ?.Status;
  }

  async #listAccessKeys(UserName: string) {
    const out = [];
    let Marker: string | undefined;
    do {
      const page = await this.deps.calls.run("iam:ListAccessKeys", () =>
        this.deps.iam.send(new ListAccessKeysCommand({ UserName, Marker })),
      );
      out.push(...(page.AccessKeyMetadata ?? []));
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
    return out;
  }

  async #listCertificates(UserName: string) {
    const page = await this.deps.calls.run("iam:ListSigningCertificates", () =>
      this.deps.iam.send(new ListSigningCertificatesCommand({ UserName, MaxItems: 1000 })),
    );
    return page.Certificates ?? [];
  }

  async #revokeSessions(
    credential: Credential,
    ctx: RevokeContext,
    record: (status: ActionStatus, detail: string, error?: unknown) => ActionRecord,
  ): Promise<ActionRecord[]> {
    const { targets, problems, skipped } = await this.#sessionTargets(credential.principal, ctx, record);
    const out = [...problems, ...skipped];
    for (const target of targets) {
      const detail = `${target.type === "user" ? "PutUserPolicy" : "PutRolePolicy"} ${SESSION_REVOCATION_POLICY_NAME} on ${target.type} ${target.name}`;
      try {
        const existing = await this.#readSessionPolicy(target);
        const merge = mergeSessionRevocation(existing, ctx.revokeSessionsIssuedBefore);
        const cutoff = formatIssueTime(merge.issuedBefore);
        if (merge.unchanged) {
          out.push(record("done", `${detail}: already denies sessions issued before ${cutoff}`));
          continue;
        }
        if (target.type === "user" && credential.details?.sessionsDeniedBy === DENY_ALL_POLICY_NAME) {
          // An earlier run's fallback: writing the policy would only hit the quota again.
          out.push(
            record("done", `${detail}: ${DENY_ALL_POLICY_NAME} already attached, which denies every action`),
          );
          continue;
        }
        try {
          await this.#writeSessionPolicy(target, JSON.stringify(merge.document));
        } catch (error) {
          if (!this.#fallsBackToDenyAll(target, error)) throw error;
          const quota = errorInfo(error).message;
          try {
            const arn = await this.#attachDenyAll(target.name, credential.principalArn);
            out.push(
              record(
                "done",
                `${detail}: no room under IAM's inline policy quota (${quota}); attached ${arn} instead, which denies every action (detach it to undo)`,
              ),
            );
          } catch (attachError) {
            // The record names the call that failed, and why the fallback was tried.
            out.push(
              record(
                "failed",
                `AttachUserPolicy ${DENY_ALL_POLICY_NAME} on user ${target.name}, after ${detail} found no room under IAM's inline policy quota (${quota})`,
                attachError,
              ),
            );
          }
          continue;
        }
        out.push(record("done", `${detail}: denies sessions issued before ${cutoff}`));
      } catch (error) {
        out.push(record("failed", detail, error));
      }
    }
    return out;
  }

  async #verifySessions(
    credential: Credential,
    ctx: RevokeContext,
    record: (status: ActionStatus, detail: string, error?: unknown) => ActionRecord,
  ): Promise<ActionRecord> {
    const { targets, problems } = await this.#sessionTargets(credential.principal, ctx, record);
    if (problems[0]) return { ...problems[0], type: "verify" };
    const wanted = ctx.revokeSessionsIssuedBefore;
    const missing: string[] = [];
    const deniedAll: string[] = [];
    for (const target of targets) {
      const existing = await this.#readSessionPolicy(target);
      const cutoff = existing === undefined ? undefined : revokedBefore(decodePolicyDocument(existing));
      if (cutoff !== undefined && cutoff >= wanted) continue;
      if (target.type === "user" && (await this.#deniesAll(target.name))) {
        deniedAll.push(`${target.type} ${target.name}`);
        continue;
      }
      missing.push(
        `${target.type} ${target.name} (${cutoff ? `only before ${cutoff.toISOString()}` : "no policy"})`,
      );
    }
    const names = targets
      .map(
        (t) =>
          `${t.type} ${t.name}${deniedAll.includes(`${t.type} ${t.name}`) ? ` (by ${DENY_ALL_POLICY_NAME})` : ""}`,
      )
      .join(", ");
    if (missing.length === 0) {
      return record("verified", `sessions issued before ${formatIssueTime(wanted)} denied on ${names}`);
    }
    return record(
      "failed",
      `sessions issued before ${formatIssueTime(wanted)} still allowed on ${missing.join(", ")}`,
      new SessionsNotRevokedError(
        `${SESSION_REVOCATION_POLICY_NAME} missing or too old on ${missing.join(", ")}`,
      ),
    );
  }

  /**
   * The user, then the roles `sessionRoles` names for this person (configured, then tagged as
   * assumable by them); a role that matches a protected principal (by name or ARN) is left out,
   * with a `skipped` record, so a break-glass role never gets a deny-all policy.
   */
  async #sessionTargets(
    userName: string,
    ctx: RevokeContext,
    record: (status: ActionStatus, detail: string, error?: unknown) => ActionRecord,
  ): Promise<{ targets: SessionTarget[]; problems: ActionRecord[]; skipped: ActionRecord[] }> {
    const problems: ActionRecord[] = [];
    const tag = this.deps.config.sessionRevocationRoleTag;
    let tagged: TaggedRole[] = [];
    if (tag) {
      try {
        tagged = await this.#rolesTagged(tag.key);
      } catch (error) {
        problems.push(record("failed", `finding roles tagged ${tag.key}`, error));
      }
    }
    const roles = sessionRoles(this.deps.config, ctx.person, tagged, ctx.protectedPrincipals ?? []);
    return {
      targets: [
        { type: "user", name: userName },
        ...roles.roles.map((r) => ({ type: "role" as const, name: r.name })),
      ],
      problems,
      skipped: roles.protected.map(({ name, pattern }) =>
        record(
          "skipped",
          `PutRolePolicy ${SESSION_REVOCATION_POLICY_NAME} on role ${name}: protected (${pattern})`,
        ),
      ),
    };
  }

  /**
   * Roles carrying the tag, read once per source instance (a scan). ListRoles has no tags;
   * GetAccountAuthorizationDetails (`Filter: ["Role"]`) has them for 1,000 roles a call, so
   * this costs O(roles / 1,000), paid only when a revocation or verification needs it.
   * https://docs.aws.amazon.com/IAM/latest/APIReference/API_RoleDetail.html
   */
  #rolesTagged(key: string): Promise<TaggedRole[]> {
    this.#taggedRoles ??= (async () => {
      const roles: TaggedRole[] = [];
      for await (const page of paginateGetAccountAuthorizationDetails(
        { client: this.deps.iam, pageSize: 1000 },
        { Filter: ["Role"] },
      )) {
        this.deps.calls.count("iam:GetAccountAuthorizationDetails");
        for (const r of page.RoleDetailList ?? []) {
          const value = r.Tags?.find((t) => t.Key === key)?.Value;
          if (r.RoleName && value !== undefined)
            roles.push({ name: r.RoleName, tagValue: value, ...(r.Arn ? { arn: r.Arn } : {}) });
        }
      }
      return roles;
    })();
    // A failed listing is retried by the next revocation rather than cached.
    this.#taggedRoles.catch(() => {
      this.#taggedRoles = undefined;
    });
    return this.#taggedRoles;
  }

  async #readSessionPolicy(target: SessionTarget): Promise<string | undefined> {
    const { iam, calls } = this.deps;
    try {
      if (target.type === "user") {
        const got = await calls.run("iam:GetUserPolicy", () =>
          iam.send(
            new GetUserPolicyCommand({ UserName: target.name, PolicyName: SESSION_REVOCATION_POLICY_NAME }),
          ),
        );
        return got.PolicyDocument;
      }
      const got = await calls.run("iam:GetRolePolicy", () =>
        iam.send(
          new GetRolePolicyCommand({ RoleName: target.name, PolicyName: SESSION_REVOCATION_POLICY_NAME }),
        ),
      );
      return got.PolicyDocument;
    } catch (error) {
      // No policy yet. (A missing user or role says NoSuchEntity too; the write then fails loudly.)
      if (isAwsError(error, "NoSuchEntity")) return undefined;
      throw error;
    }
  }

  /** Whether a failed write of the session policy is the user's full inline-policy quota, and the config says to fall back. */
  #fallsBackToDenyAll(target: SessionTarget, error: unknown): boolean {
    return (
      target.type === "user" &&
      this.deps.config.denyAllWhenPolicyQuotaFull &&
      isAwsError(error, "LimitExceeded")
    );
  }

  /**
   * Attaches `AWSDenyAll` to the user (attaching it again changes nothing); returns its ARN. The
   * partition comes from the user's ARN, read with GetUser when the credential does not carry it.
   */
  async #attachDenyAll(UserName: string, principalArn: string | undefined): Promise<string> {
    const { iam, calls } = this.deps;
    const userArn =
      principalArn ??
      (await calls.run("iam:GetUser", () => iam.send(new GetUserCommand({ UserName })))).User?.Arn;
    const PolicyArn = denyAllPolicyArn(userArn?.split(":")[1] || "aws");
    await calls.run("iam:AttachUserPolicy", () =>
      iam.send(quotaErrorsFinal(new AttachUserPolicyCommand({ UserName, PolicyArn }))),
    );
    return PolicyArn;
  }

  /** Whether `AWSDenyAll` is attached to the user. */
  async #deniesAll(UserName: string): Promise<boolean> {
    const { iam, calls } = this.deps;
    let Marker: string | undefined;
    do {
      const page = await calls.run("iam:ListAttachedUserPolicies", () =>
        iam.send(new ListAttachedUserPoliciesCommand({ UserName, Marker })),
      );
      if ((page.AttachedPolicies ?? []).some((p) => isDenyAllPolicyArn(p.PolicyArn))) return true;
      Marker = page.IsTruncated ? page.Marker : undefined;
    } while (Marker);
    return false;
  }

  async #writeSessionPolicy(target: SessionTarget, PolicyDocument: string): Promise<void> {
    const { iam, calls } = this.deps;
    const PolicyName = SESSION_REVOCATION_POLICY_NAME;
    if (target.type === "user") {
      await calls.run("iam:PutUserPolicy", () =>
        iam.send(
          quotaErrorsFinal(new PutUserPolicyCommand({ UserName: target.name, PolicyName, PolicyDocument })),
        ),
      );
    } else {
      await calls.run("iam:PutRolePolicy", () =>
        iam.send(
          quotaErrorsFinal(new PutRolePolicyCommand({ RoleName: target.name, PolicyName, PolicyDocument })),
        ),
      );
    }
  }
}

/** A credential that a revocation should have disabled is still enabled. */
export class CredentialStillActiveError extends Error {
  override readonly name = "CredentialStillActiveError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The detail of a write not sent because the credential is no longer `Active` (`undefined`: gone). */
function notSent(detail: string, status: string | undefined): string {
  return status === undefined
    ? `${detail}: not sent, it no longer exists`
    : `${detail}: not sent, it is already ${status}`;
}

function statusRecord(
  record: (status: ActionStatus, detail: string, error?: unknown) => ActionRecord,
  what: string,
  status: string | undefined,
): ActionRecord {
  if (status === undefined) return record("verified", `${what} no longer exists`);
  if (status === "Inactive") return record("verified", `${what} is Inactive`);
  return record(
    "failed",
    `${what} is ${status}`,
    new CredentialStillActiveError(`${what} is still ${status}`),
  );
}
