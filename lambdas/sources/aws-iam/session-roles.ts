/**
 * Which roles a departed person's STS sessions are cut off on, besides their own user: the
 * roles the config names (`sessionRevocationRoleArns`) and the roles tagged as assumable by
 * them (`sessionRevocationRoleTag`), less any protected role. One rule for the revoker, which
 * writes and reads back the policy on each, and for discovery, which calls the sessions
 * revoked only when the user and every one of these roles deny tokens issued before the
 * departure: a role whose write failed keeps the sessions credential active, so the next scan
 * writes it again.
 *
 * Pure; the IAM calls live in `revoke.ts` and `discover.ts`.
 */
import type { Config } from "../../config.ts";
import type { Person } from "../../core/model.ts";
import { protectedPattern } from "../../core/policy.ts";

/** A role carrying the session-revocation tag key, with the tag's value. */
export interface TaggedRole {
  readonly name: string;
  readonly tagValue: string;
  readonly arn?: string;
}

/** A role the policy goes on. */
export interface SessionRole {
  readonly name: string;
  readonly arn?: string;
}

/** A role the policy would go on but for a protected-principal pattern it matches. */
export interface ProtectedSessionRole {
  readonly name: string;
  readonly pattern: string;
}

/** Whether the config puts the session-revocation policy on any role at all. */
export function revokesOnRoles(config: Config["sources"]["aws-iam"]): boolean {
  return config.sessionRevocationRoleArns.length > 0 || config.sessionRevocationRoleTag !== undefined;
}

/**
 * The roles `person`'s sessions are cut off on, in order (configured, then tagged), each once;
 * `tagged` lists the account's roles that carry the configured tag key.
 */
export function sessionRoles(
  config: Config["sources"]["aws-iam"],
  person: Pick<Person, "emails"> | undefined,
  tagged: readonly TaggedRole[],
  protectedPrincipals: readonly string[],
): { readonly roles: SessionRole[]; readonly protected: ProtectedSessionRole[] } {
  const roles: SessionRole[] = [];
  const skipped: ProtectedSessionRole[] = [];
  const seen = new Set<string>();
  const add = (name: string, arn?: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const pattern = protectedPattern([name, arn], protectedPrincipals);
    if (pattern) skipped.push({ name, pattern });
    else roles.push(arn ? { name, arn } : { name });
  };
  for (const arn of config.sessionRevocationRoleArns) add(roleNameFromArn(arn), arn);
  const tag = config.sessionRevocationRoleTag;
  if (tag) {
    const emails = new Set((person?.emails ?? []).map((e) => e.trim().toLowerCase()));
    for (const role of tagged) {
      const fits =
        tag.value !== undefined
          ? role.tagValue === tag.value
          : emails.has(role.tagValue.trim().toLowerCase());
      if (fits) add(role.name, role.arn);
    }
  }
  return { roles, protected: skipped };
}

/** `arn:aws:iam::123456789012:role/path/name` -> `name` (role names are unique regardless of path). */
export function roleNameFromArn(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  return resource.slice(resource.lastIndexOf("/") + 1);
}
