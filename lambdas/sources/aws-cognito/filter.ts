/**
 * ListUsers filters. Cognito searches a handful of standard attributes only, one attribute per
 * call, with the grammar `attribute = "value"` where a double quote and a backslash inside the
 * value are escaped with a backslash:
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html#CognitoUserPools-ListUsers-request-Filter
 */

/** The attributes ListUsers can filter on; custom attributes (`custom:...`) are not among them. */
export const FILTERABLE_ATTRIBUTES = [
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

/** One attribute a ListUsers filter may name. */
export type FilterableAttribute = (typeof FILTERABLE_ATTRIBUTES)[number];

/** Whether ListUsers can filter on `attribute`. */
export function isFilterable(attribute: string): attribute is FilterableAttribute {
  return (FILTERABLE_ATTRIBUTES as readonly string[]).includes(attribute);
}

/** Whether `attribute` is a custom attribute, which ListUsers cannot filter on. */
export function isCustomAttribute(attribute: string): boolean {
  return attribute.startsWith("custom:");
}

/**
 * Escapes a value for the inside of a filter's double quotes: a backslash becomes `\\` and a
 * double quote `\"`. Everything else is literal, so an address like `a"b\c@x` cannot end the
 * string early and widen the search.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\"]/g, (ch) => `\\${ch}`);
}

/** The exact-match filter `attribute = "value"`, with the value escaped. */
export function equalsFilter(attribute: FilterableAttribute, value: string): string {
  return `${attribute} = "${escapeFilterValue(value)}"`;
}
