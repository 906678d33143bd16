import { SandboxServiceError } from "../errors.ts";

/** A request body as the protocol layer decoded it. */
export type ActionInput = Record<string, unknown>;

/** An InvalidParameterException with Cognito's wording. */
export function invalidParameter(message: string): SandboxServiceError {
  return new SandboxServiceError("InvalidParameterException", message);
}

// AWS names members in camelCase in its validation messages ("at 'userPoolId'").
function member(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

function wrongType(key: string, expected: string): SandboxServiceError {
  return new SandboxServiceError("SerializationException", `${key} must be ${expected}`);
}

/** A required non-empty string member. */
export function requiredString(input: ActionInput, key: string): string {
  const value = input[key];
  if (value === undefined || value === null || value === "") {
    throw invalidParameter(
      `1 validation error detected: Value null at '${member(key)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof value !== "string") throw wrongType(key, "a string");
  return value;
}

/** An optional string member. */
export function optionalString(input: ActionInput, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw wrongType(key, "a string");
  return value;
}

/** An optional boolean member. */
export function optionalBoolean(input: ActionInput, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw wrongType(key, "a boolean");
  return value;
}

/** An optional integer member within `[min, max]`, refused with AWS's validation message otherwise. */
export function optionalInteger(
  input: ActionInput,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw wrongType(key, "an integer");
  if (value < min) {
    throw invalidParameter(
      `1 validation error detected: Value '${value}' at '${member(key)}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  }
  if (value > max) {
    throw invalidParameter(
      `1 validation error detected: Value '${value}' at '${member(key)}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return value;
}

/** An optional list of strings. */
export function optionalStrings(input: ActionInput, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw wrongType(key, "a list of strings");
  }
  return value as string[];
}

/** An optional string-to-string map (`AuthParameters`, `ChallengeResponses`, ...). */
export function optionalStringMap(input: ActionInput, key: string): Record<string, string> {
  const value = input[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw wrongType(key, "a map of strings");
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== "string") throw wrongType(`${key}.${name}`, "a string");
    out[name] = item;
  }
  return out;
}

/** An optional nested structure. */
export function optionalObject(input: ActionInput, key: string): ActionInput | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw wrongType(key, "a structure");
  return value as ActionInput;
}

/** An optional `AttributeType[]` list (`[{ Name, Value }]`), as name/value pairs in order. */
export function optionalAttributes(input: ActionInput, key: string): [string, string][] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw wrongType(key, "a list of attributes");
  return value.map((item: unknown) => {
    const attribute = (item ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof attribute.Name !== "string" || attribute.Name === "") {
      throw invalidParameter(`${key}: every attribute needs a Name`);
    }
    return [attribute.Name, typeof attribute.Value === "string" ? attribute.Value : ""];
  });
}

/** Encodes a position as an opaque page token bound to `scope` (a pool, a user, ...). */
export function encodePageToken(scope: string, position: number): string {
  return Buffer.from(JSON.stringify({ s: scope, p: position })).toString("base64url");
}

/**
 * The position an opaque page token carries, or 0 when there is none.
 *
 * @throws SandboxServiceError InvalidParameterException when the token is not one this scope issued.
 */
export function decodePageToken(token: string | undefined, scope: string): number {
  if (token === undefined) return 0;
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      s?: unknown;
      p?: unknown;
    };
    if (
      decoded.s === scope &&
      typeof decoded.p === "number" &&
      Number.isInteger(decoded.p) &&
      decoded.p >= 0
    ) {
      return decoded.p;
    }
  } catch {
    // Falls through to the same refusal as a well-formed token from elsewhere.
  }
  throw invalidParameter("Invalid pagination token.");
}
