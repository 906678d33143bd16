import type { Caller } from "../caller.ts";
import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import type { IamState } from "../iam/state.ts";
import { optional, required } from "../protocols/query.ts";

/** Temporary credentials issued by `AssumeRole`. */
export interface StsSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleName: string;
  readonly roleSessionName: string;
  /** `AROA...:sessionName` */
  readonly assumedRoleId: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` */
  readonly arn: string;
  readonly expiresAt: Date;
}

/** The STS Query API: `GetCallerIdentity` and `AssumeRole`. */
export class StsService {
  /** Sessions by their `ASIA...` access key id. */
  readonly sessions = new Map<string, StsSession>();

  constructor(
    private readonly iam: IamState,
    private readonly clock: SandboxClock,
  ) {}

  /** Forgets every session. */
  reset(): void {
    this.sessions.clear();
  }

  /** Runs one STS action. */
  handle(action: string, params: URLSearchParams, caller: Caller): Record<string, unknown> | undefined {
    switch (action) {
      case "GetCallerIdentity":
        return { UserId: caller.userId, Account: this.iam.accountId, Arn: caller.arn };
      case "AssumeRole":
        return this.#assumeRole(params);
      default:
        throw new SandboxServiceError(
          "InvalidAction",
          `Could not find operation ${action} for version 2011-06-15`,
        );
    }
  }

  #assumeRole(params: URLSearchParams): Record<string, unknown> {
    const roleArn = required(params, "RoleArn");
    const roleSessionName = required(params, "RoleSessionName");
    const durationSeconds = Number(optional(params, "DurationSeconds") ?? "3600");
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
      throw new SandboxServiceError(
        "ValidationError",
        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
      );
    }
    const role = [...this.iam.roles.values()].find((r) => r.arn === roleArn);
    if (!role) {
      throw new SandboxServiceError(
        "AccessDenied",
        `Not authorized to perform sts:AssumeRole on ${roleArn}`,
        403,
      );
    }
    const now = this.clock.now();
    role.lastUsedAt = now;
    const session: StsSession = {
      accessKeyId: this.iam.ids.next("ASIA", 16),
      secretAccessKey: this.iam.ids.secret(40),
      sessionToken: `FwoGZXIvYXdzE${this.iam.ids.secret(120)}`,
      roleName: role.roleName,
      roleSessionName,
      assumedRoleId: `${role.roleId}:${roleSessionName}`,
      arn: `arn:aws:sts::${this.iam.accountId}:assumed-role/${role.roleName}/${roleSessionName}`,
      expiresAt: new Date(now.getTime() + durationSeconds * 1000),
    };
    this.sessions.set(session.accessKeyId, session);
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: session.expiresAt,
      },
      AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.arn },
      PackedPolicySize: 0,
    };
  }
}
