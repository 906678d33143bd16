/**
 * Turns a Cognito user into a `cognito-sessions` credential: one per user per pool, whatever
 * number of refresh tokens the user holds (Cognito lists none of them; global sign-out revokes
 * them all at once).
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import type { Credential, LastUse, PrincipalType } from "../../core/model.ts";
import type { PoolFacts } from "./pool-facts.ts";
import { sessionsCredentialId, sessionsNativeId } from "./pool-id.ts";

/** A user's attributes as a plain record. */
export function attributesOf(user: Pick<UserType, "Attributes">): Record<string, string> {
  const out: Record<string, string> = {};
  for (const attribute of user.Attributes ?? []) {
    if (attribute.Name !== undefined && attribute.Value !== undefined) out[attribute.Name] = attribute.Value;
  }
  return out;
}

/** The external provider of a federated user, from the `identities` attribute Cognito keeps. */
export function externalIdentity(
  attributes: Readonly<Record<string, string>>,
): { providerName: string; userId: string } | undefined {
  const raw = attributes.identities;
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    const first = Array.isArray(parsed) ? (parsed[0] as Record<string, unknown> | undefined) : undefined;
    if (first && typeof first.providerName === "string" && typeof first.userId === "string") {
      return { providerName: first.providerName, userId: first.userId };
    }
  } catch {
    // A malformed `identities` value is reported as the username prefix alone.
  }
  return undefined;
}

const EMPLOYEE_ID_ATTRIBUTE = /^custom:(employee[_-]?(id|number)|employeeid|emp[_-]?id)$/i;

/** What a user's state means for revocation, one line for the finding. */
export function statusNote(user: Pick<UserType, "Enabled" | "UserStatus">): string | null {
  if (user.Enabled === false) return "already disabled: cannot sign in or refresh; nothing to revoke";
  switch (user.UserStatus) {
    case "UNCONFIRMED":
      return "UNCONFIRMED: cannot sign in until confirmed, but the account exists (perhaps pre-created) and can still be confirmed";
    case "FORCE_CHANGE_PASSWORD":
      return "FORCE_CHANGE_PASSWORD: whoever holds the temporary password can still complete the first sign-in";
    case "RESET_REQUIRED":
      return "RESET_REQUIRED: can sign in again after a password reset to the user's email or phone";
    case "EXTERNAL_PROVIDER":
      return "EXTERNAL_PROVIDER: federated; global sign-out revokes Cognito-issued refresh tokens and disabling blocks sign-in through the provider";
    default:
      return null;
  }
}

/** The finding's plain statement of what revocation cannot undo. */
export function residualTokenCaveat(facts: Pick<PoolFacts, "residualTokenMinutes">): string {
  return (
    `Global sign-out revokes refresh tokens and disabling blocks sign-in, but access and ID tokens already ` +
    `issued stay valid until they expire (up to ${facts.residualTokenMinutes} minutes with this pool's ` +
    `clients); a service that checks only a token's signature and expiry keeps accepting them.`
  );
}

/** Everything `sessionsCredential` needs about one user. */
export interface UserObservation {
  readonly facts: PoolFacts;
  readonly user: UserType;
  readonly principalType: PrincipalType;
  readonly observedAt: Date;
  /** `null`: never signed in (as far as auth events tell); `undefined`: not known. */
  readonly lastUsed?: LastUse | null;
  /** Extra facts for the finding (matched by, notes, hygiene figures). */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The `cognito-sessions` credential of one user in one pool. */
export function sessionsCredential(observation: UserObservation): Credential {
  const { facts, user } = observation;
  const username = user.Username ?? "";
  const attributes = attributesOf(user);
  const external = user.UserStatus === "EXTERNAL_PROVIDER" ? externalIdentity(attributes) : undefined;
  const emails = [attributes.email];
  if (external?.userId.includes("@")) emails.push(external.userId);
  const usernames = [username, attributes.preferred_username];
  if (external) usernames.push(external.userId);
  const tags: Record<string, string> = {};
  const employeeIds: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (!name.startsWith("custom:")) continue;
    tags[name] = value;
    if (EMPLOYEE_ID_ATTRIBUTE.test(name)) employeeIds.push(value);
  }
  const enabled = user.Enabled !== false;
  return {
    id: sessionsCredentialId(facts.account, facts.userPoolId, username),
    source: "aws-cognito",
    kind: "cognito-sessions",
    nativeId: sessionsNativeId(facts.userPoolId, username),
    account: facts.account,
    principal: username,
    principalType: observation.principalType,
    ownerHints: {
      employeeIds,
      emails: unique(emails),
      usernames: unique(usernames),
      tags,
    },
    ...(user.UserCreateDate ? { createdAt: user.UserCreateDate } : {}),
    ...(observation.lastUsed !== undefined ? { lastUsed: observation.lastUsed } : {}),
    active: enabled,
    observedAt: observation.observedAt,
    details: {
      poolId: facts.userPoolId,
      poolName: facts.name,
      poolArn: facts.arn,
      userStatus: user.UserStatus ?? "UNKNOWN",
      enabled,
      statusNote: statusNote(user),
      externalProvider:
        external?.providerName ?? (user.UserStatus === "EXTERNAL_PROVIDER" ? providerPrefix(username) : null),
      accessTokenValidityMinutes: Math.max(0, ...facts.clients.map((c) => c.accessTokenMinutes)),
      idTokenValidityMinutes: Math.max(0, ...facts.clients.map((c) => c.idTokenMinutes)),
      refreshTokenValidityMinutes: facts.refreshTokenMinutes,
      clients: facts.clients
        .map(
          (c) =>
            `${c.clientName} (access ${c.accessTokenMinutes} min, id ${c.idTokenMinutes} min, refresh ${c.refreshTokenMinutes} min)`,
        )
        .join("; "),
      // Issued tokens outlive a disable too (ID tokens are never revoked), so this holds either way.
      residualAccessTokenMinutes: facts.residualTokenMinutes,
      caveat: residualTokenCaveat(facts),
      lastModified: user.UserLastModifiedDate?.toISOString() ?? null,
      ...observation.details,
    },
  };
}

function providerPrefix(username: string): string | null {
  const cut = username.indexOf("_");
  return cut > 0 ? username.slice(0, cut) : null;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v.trim() !== ""))];
}
