/**
 * What an IAM user says about its owner and about what it is (a person or a workload).
 * Pure: the IAM calls that fetch names, paths and tags live in `aws-iam-source.ts`.
 */

import type { Config } from "../../config.ts";
import type { OwnerHints, PrincipalType } from "../../core/model.ts";

type Ownership = Config["ownership"];

const EMAIL = /^[^@\s/]+@[^@\s/]+\.[^@\s/]+$/;

/**
 * Owner hints from a user's IAM path and (when fetched) tags. Tag keys come from the
 * `ownership` configuration. A path segment that is an email (`/people/alice@example.com/`)
 * counts too: some organisations record owners in paths, which ListUsers returns for free.
 * The user name itself is not a hint: it is the principal, which the resolver reads anyway.
 */
export function ownerHintsOf(
  user: { readonly path: string; readonly tags?: ReadonlyMap<string, string> },
  ownership: Ownership,
): OwnerHints {
  const tags = user.tags ?? new Map<string, string>();
  const pick = (keys: readonly string[]): string[] =>
    keys.map((k) => tags.get(k)?.trim()).filter((v): v is string => v !== undefined && v !== "");
  const ownerValues = pick(ownership.emailTagKeys);
  const emails = ownerValues.filter((v) => EMAIL.test(v));
  for (const segment of user.path.split("/")) if (EMAIL.test(segment)) emails.push(segment);
  // An owner tag may hold a user name rather than an email ("Owner: alice").
  const ownerNames = ownerValues.filter((v) => !EMAIL.test(v));
  return {
    employeeIds: unique(pick(ownership.employeeIdTagKeys)),
    emails: unique(emails),
    usernames: unique([...pick(ownership.usernameTagKeys), ...ownerNames]),
    tags: Object.fromEntries(tags),
  };
}

/**
 * Human, service or unknown. The principal-type tag wins when present; then a service path
 * prefix or a service name pattern; then evidence of a person: a user name that is a person's
 * own (their alias, email or naming convention), or a console password, which workloads do not
 * use. A user tied to a person only by tags (`owner=`, `email=`, `employee-id=`) is `unknown`:
 * an owner tag is how a workload names its owner, and revoking a workload breaks it, so such a
 * user is ticketed, never revoked, unless it is tagged `human`.
 */
export function principalTypeOf(
  user: {
    readonly userName: string;
    readonly path: string;
    readonly tags?: ReadonlyMap<string, string>;
    readonly hasPassword?: boolean;
    /** The user name itself resolves to the person (not only the tags). */
    readonly namedAfterPerson?: boolean;
  },
  ownership: Ownership,
): PrincipalType {
  const tagged = user.tags?.get(ownership.principalTypeTagKey)?.trim().toLowerCase();
  if (tagged === "human" || tagged === "service") return tagged;
  if (ownership.servicePathPrefixes.some((prefix) => user.path.startsWith(prefix))) return "service";
  if (ownership.serviceNamePatterns.some((p) => new RegExp(p, "i").test(user.userName))) return "service";
  if (user.namedAfterPerson === true || user.hasPassword === true) return "human";
  return "unknown";
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
