import { SandboxServiceError } from "../errors.ts";

/**
 * The attributes ListUsers can filter on. Cognito refuses every other name, custom attributes
 * included: https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-manage-user-accounts.html
 */
export const SEARCHABLE_ATTRIBUTES = [
  "username",
  "email",
  "phone_number",
  "name",
  "given_name",
  "family_name",
  "preferred_username",
  "cognito:user_status",
  "status",
  "sub",
] as const;

/** One of the attribute names a ListUsers filter may name. */
export type SearchableAttribute = (typeof SEARCHABLE_ATTRIBUTES)[number];

/** A parsed ListUsers filter: one attribute, exact (`=`) or prefix (`^=`) match. */
export interface UserFilter {
  readonly attribute: SearchableAttribute;
  readonly operator: "=" | "^=";
  readonly value: string;
}

const FILTER_SHAPE = /^\s*([\w:.-]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/s;

function isSearchable(name: string): name is SearchableAttribute {
  return (SEARCHABLE_ATTRIBUTES as readonly string[]).includes(name);
}

/**
 * Parses Cognito's ListUsers filter grammar, `attribute = "value"` or `attribute ^= "value"`, where
 * `\"` and `\\` escape a quote and a backslash inside the value. An empty or blank filter means
 * "every user" and parses to `undefined`.
 *
 * @throws SandboxServiceError InvalidParameterException for a malformed filter or an attribute
 *   Cognito cannot search, with the messages Cognito uses.
 */
export function parseUserFilter(filter: string | undefined): UserFilter | undefined {
  if (filter === undefined || filter.trim() === "") return undefined;
  const match = FILTER_SHAPE.exec(filter);
  if (match === null)
    throw new SandboxServiceError("InvalidParameterException", "Error while parsing filter.");
  const [, attribute = "", operator, rawValue = ""] = match;
  if (!isSearchable(attribute)) {
    throw new SandboxServiceError("InvalidParameterException", `Invalid search attribute: ${attribute}`);
  }
  const value = rawValue.replace(/\\(.)/gs, "$1");
  return { attribute, operator: operator === "^=" ? "^=" : "=", value };
}

/**
 * Whether `candidate` satisfies `filter`. `cognito:user_status` compares case-insensitively and every
 * other attribute case-sensitively, as Cognito documents.
 */
export function matchesFilter(filter: UserFilter, candidate: string | undefined): boolean {
  if (candidate === undefined) return false;
  const insensitive = filter.attribute === "cognito:user_status";
  const have = insensitive ? candidate.toLowerCase() : candidate;
  const want = insensitive ? filter.value.toLowerCase() : filter.value;
  return filter.operator === "=" ? have === want : have.startsWith(want);
}
