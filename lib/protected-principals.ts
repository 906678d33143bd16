/**
 * `protectedPrincipals` as IAM resource ARN patterns, for the explicit Deny that backs the
 * application's own check (`isProtected` in lambdas/core/policy.ts) with IAM itself.
 *
 * The application matches a pattern (`*` for any run of characters, case-insensitively) against
 * a principal's name, its ARN and its owner emails. IAM matches a `Resource` pattern (`*`, `?`)
 * against the resource ARN, case-sensitively, segment by segment (a wildcard never reaches past a
 * `:` except at a segment's end), and cannot see owner emails. Each pattern is translated so the
 * Deny covers at least every IAM user and role of the account the application would protect by
 * name or ARN, with these limits (the rest stays application-only, listed in `appOnly`):
 *
 * - case: IAM compares names as written, so the Deny names the pattern as written, in lower
 *   case, in upper case and capitalised (`break-glass*`, `BREAK-GLASS*`, `Break-Glass*`); a name
 *   in any other mix of case is protected by the application alone;
 * - owner emails, Cognito users (Cognito's actions take the user pool, not the user, as their
 *   resource), Okta, Google Workspace and GitHub principals: application only;
 * - ARN patterns must spell out the six segments (`arn:aws:iam::*:user/...`); `sts` session ARNs
 *   and other services name no IAM user or role the scanner writes to;
 * - values only known at deploy time (CDK tokens, e.g. the scanner's own role ARN, which
 *   `DenySelfModification` covers) are left out.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
import { Token } from "aws-cdk-lib";

/** Characters of IAM user and role names, and `*`. */
const NAME_GLOB = /^[\w+=,.@*-]+$/;
/** Characters of an IAM ARN's resource part (type, path, name), and `*`. */
const RESOURCE_GLOB = /^[\w+=,.@/*-]+$/;
/** The partitions an account can be in: a pattern's wildcard may reach into any of them. */
const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
/** The resource types the scanner writes to (`AwsIamRevoke*` statements). */
const TYPES = ["user", "role"] as const;

/** A pattern the Deny cannot express, and why. */
export interface AppOnlyPattern {
  readonly pattern: string;
  readonly reason: string;
}

/** What the Deny covers for a list of patterns. */
export interface ProtectedPrincipalResources {
  /** IAM resource ARN patterns, in order, without duplicates. */
  readonly resources: string[];
  /** Patterns (or, for emails, the part about owners) only the application enforces. */
  readonly appOnly: AppOnlyPattern[];
}

/** The account the Deny is rendered for: tokens or CloudFormation `${AWS::...}` placeholders. */
export interface ProtectedPrincipalTarget {
  readonly partition: string;
  readonly accountId: string;
}

/**
 * The resource ARN patterns a Deny needs so that no IAM user or role the application would
 * protect, by name or by ARN, can be written to; and the patterns it cannot express.
 */
export function protectedPrincipalResources(
  patterns: readonly string[],
  target: ProtectedPrincipalTarget,
): ProtectedPrincipalResources {
  const resources: string[] = [];
  const appOnly: AppOnlyPattern[] = [];
  for (const pattern of new Set(patterns)) {
    const out = translate(pattern, target);
    if ("reason" in out) {
      appOnly.push({ pattern, reason: out.reason });
      continue;
    }
    resources.push(...out.resources);
    if (pattern.includes("@") && !/^arn:/i.test(pattern)) {
      appOnly.push({
        pattern,
        reason: "owners' emails are matched by iam-hygiene only; the Deny covers users and roles so named",
      });
    }
  }
  return { resources: [...new Set(resources)], appOnly };
}

type Translation = { resources: string[] } | { reason: string };

function translate(pattern: string, target: ProtectedPrincipalTarget): Translation {
  if (Token.isUnresolved(pattern)) return { reason: "known only at deploy time" };
  if (pattern.includes("?")) {
    return { reason: "`?` is a literal to iam-hygiene, and no IAM name or ARN contains it" };
  }
  if (/^arn:/i.test(pattern)) return arnPattern(pattern);
  if (!NAME_GLOB.test(pattern)) {
    return { reason: "neither an IAM name pattern nor an IAM user or role ARN pattern" };
  }
  const prefix = `arn:${target.partition}:iam::${target.accountId}:`;
  // `*/` takes the type and any path: `user/x`, `user/ops/x`, `role/x`.
  return { resources: caseVariants(namePart(pattern)).map((glob) => `${prefix}*/${glob}`) };
}

/**
 * The part of a name pattern to match after the last `/` of a user's or role's ARN. The
 * application also matches the pattern against the whole ARN (`arn:aws:iam::123456789012:user/
 * path/name`): a pattern starting with `*`, `a`, `ar` or `arn` can match there through the
 * fixed prefix. Its pieces that can fall in that prefix (`*iam*`, `*aws*`, digits of the account)
 * are then dropped, which only widens the match.
 */
function namePart(pattern: string): string {
  const pieces = pattern.split("*");
  const first = pieces[0] ?? "";
  if (pieces.length === 1 || !"arn".startsWith(first.toLowerCase())) return pattern;
  // Middle pieces float; the last is anchored at the ARN's end, which is in the name.
  const middle = pieces.slice(1, -1);
  let consumed = 0;
  for (const partition of PARTITIONS) {
    for (const type of TYPES) {
      consumed = Math.max(consumed, consumedByPrefix(first, middle, partition, type));
    }
  }
  return `*${[...middle.slice(consumed), pieces.at(-1) ?? ""].join("*")}`;
}

/**
 * How many of `middle`, in order, fit in `arn:<partition>:iam::<account>:<type>/` after `first`
 * (a pattern's pieces hold no `:` or `/`, so each falls within one segment). Earliest-first
 * matching fits the most.
 */
function consumedByPrefix(first: string, middle: readonly string[], partition: string, type: string): number {
  const segments = ["arn".slice(first.length), partition, "iam", "", "0".repeat(12), type];
  let count = 0;
  let segment = 0;
  let at = 0;
  for (const piece of middle) {
    const wanted = piece.toLowerCase().replace(/\d/g, "0");
    let found = false;
    while (segment < segments.length) {
      const index = segments[segment]!.indexOf(wanted, at);
      if (index >= 0) {
        at = index + wanted.length;
        found = true;
        break;
      }
      segment++;
      at = 0;
    }
    if (!found) break;
    count++;
  }
  return count;
}

/** An ARN pattern: kept when it can name an IAM user or role, with its name part's case variants. */
function arnPattern(pattern: string): Translation {
  const segments = pattern.split(":");
  if (segments.length !== 6) {
    return {
      reason:
        segments.length < 6
          ? "an ARN pattern must spell out all six segments (arn:partition:service:region:account:resource)"
          : "names no IAM user or role",
    };
  }
  const [, partition = "", service = "", region = "", account = "", resource = ""] = segments;
  // IAM allows no wildcard in the service segment: a pattern that matches `iam` is written `iam`.
  if (!globMatches(service, "iam")) {
    return { reason: `names no IAM user or role (service ${service}); the scanner writes only to those` };
  }
  if (!globMatches(region, "")) return { reason: "names no IAM user or role (IAM ARNs have no region)" };
  if (!RESOURCE_GLOB.test(resource) || !/^[\w*-]*$/.test(partition) || !/^[\d*]*$/.test(account)) {
    return { reason: "holds characters IAM cannot match as written" };
  }
  const type = /^(user|role)\//i.exec(resource);
  const head = type ? `${type[1]!.toLowerCase()}/` : "";
  const rest = resource.slice(head.length);
  if (!head && !TYPES.some((t) => globMatchesPrefix(rest, `${t}/`))) {
    return { reason: "names no IAM user or role" };
  }
  const base = `arn:${partition.toLowerCase()}:iam::${account}:`;
  return { resources: caseVariants(rest).map((variant) => `${base}${head}${variant}`) };
}

/** The pattern as written, lower case, upper case and capitalised (`Break-Glass*`), without duplicates. */
export function caseVariants(glob: string): string[] {
  const lower = glob.toLowerCase();
  const capitalised = lower.replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => {
    return `${before}${letter.toUpperCase()}`;
  });
  return [...new Set([glob, lower, glob.toUpperCase(), capitalised])];
}

/** Whether a `*` glob matches `value` whole, case-insensitively (the application's rule). */
function globMatches(glob: string, value: string): boolean {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i").test(value);
}

/** Whether some string starting with `prefix` could match the glob. */
function globMatchesPrefix(glob: string, prefix: string): boolean {
  const literal = glob.split("*")[0] ?? "";
  const n = Math.min(literal.length, prefix.length);
  return (
    literal.slice(0, n).toLowerCase() === prefix.slice(0, n) &&
    (glob.includes("*") || literal.length >= prefix.length)
  );
}
