/**
 * One departure row, whatever the format (CSV line, JSON object, webhook entry): the field
 * names, the zod schema every row passes, and the `Person` it becomes.
 */
import * as z from "zod";
import type { Person } from "../core/model.ts";
import { parseDepartedAt } from "./dates.ts";

/** The fields a row may carry; other columns or keys are ignored. */
export const DEPARTURE_FIELDS = [
  "email",
  "employee_id",
  "name",
  "departed_at",
  "manager_email",
  "slack_user_id",
  "aliases",
] as const;
export type DepartureField = (typeof DEPARTURE_FIELDS)[number];

/** A problem with one field of one row; `field` is absent for row-level problems. */
export interface FieldProblem {
  readonly field?: string;
  readonly message: string;
}

/** Either the person a row describes or every problem found in it. */
export type RowResult =
  | { readonly ok: true; readonly person: Person }
  | { readonly ok: false; readonly problems: FieldProblem[] };

/** Control characters have no business in names or ids and hide things in reports. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const DATE_EXAMPLES = "a date with a zone or a date (e.g. 2024-05-01T17:30:00Z or 2024-05-01)";
const DATE_MESSAGE = `not ${DATE_EXAMPLES}`;

/** What kind of JSON value was given where text was expected (never the value itself). */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      return "a number";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

function text(max: number) {
  return z
    .string({ error: "expected text" })
    .max(max, { error: `longer than ${max} characters` })
    .refine((v) => !CONTROL.test(v), { error: "contains control characters" });
}

const email = z.email({ error: "not an email address" }).max(254, { error: "longer than 254 characters" });

function rowSchema(timeZone: string) {
  return z
    .object({
      email: email.optional(),
      employee_id: text(128).optional(),
      name: text(256).optional(),
      departed_at: z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? `missing: give ${DATE_EXAMPLES}`
              : `expected text: ${DATE_EXAMPLES}, not ${kindOf(issue.input)}`,
        })
        .transform((value, ctx) => {
          const at = parseDepartedAt(value, timeZone);
          if (at === undefined) {
            ctx.issues.push({ code: "custom", message: DATE_MESSAGE, input: value });
            return z.NEVER;
          }
          return at;
        }),
      manager_email: email.optional(),
      slack_user_id: z
        .string({ error: "expected text" })
        .regex(/^[UW][A-Z0-9]{6,20}$/, { error: "not a Slack user id (e.g. U01ABCDEF)" })
        .optional(),
      aliases: z
        .array(text(256).min(1, { error: "an empty alias" }), { error: "expected text or a list of text" })
        .max(50, { error: "more than 50 aliases" })
        .optional(),
    })
    .refine((row) => row.email !== undefined || row.employee_id !== undefined, {
      error: "give an email or an employee_id",
      path: ["email"],
      // Report it alongside other problems of the row, not only once they are fixed.
      when: () => true,
    });
}

const schemas = new Map<string, ReturnType<typeof rowSchema>>();

/**
 * Cleans one raw value: trims text, turns empty text and `null` into "absent", and reads
 * whole numbers as text (HR systems export employee ids as numbers). Anything else is
 * left for the schema to refuse.
 */
function clean(field: DepartureField, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value) && field === "employee_id")
    return String(value);
  if (field === "aliases") {
    if (typeof value === "string") return splitAliases(value);
    if (Array.isArray(value)) {
      const list = value.map((v) => (typeof v === "string" ? v.trim() : v));
      return list.length === 0 ? undefined : list;
    }
    return value;
  }
  if (typeof value !== "string") return value;
  // A name may wrap inside a quoted CSV field; one line is what reports and messages want.
  const trimmed = field === "name" ? value.replace(/[\t\n\r]+/g, " ").trim() : value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function splitAliases(value: string): string[] | undefined {
  const aliases = value
    .split(";")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  return aliases.length === 0 ? undefined : aliases;
}

/**
 * The departure fields of a JSON object (a JSON list row or a webhook person), keys trimmed and
 * lower-cased like CSV headers; other keys are ignored. A field given twice, in whatever case
 * (`email` and `EMAIL`), is a problem naming it: which one to believe is not ours to guess.
 */
export function departureFields(
  record: Readonly<Record<string, unknown>>,
): { readonly values: Record<string, unknown> } | { readonly problem: Required<FieldProblem> } {
  const values: Record<string, unknown> = {};
  const keys = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    const name = key.trim().toLowerCase();
    if (!isDepartureField(name)) continue;
    const earlier = keys.get(name);
    if (earlier !== undefined) {
      return {
        problem: {
          field: name,
          message: `field ${name} given twice (${JSON.stringify(earlier)} and ${JSON.stringify(key)})`,
        },
      };
    }
    keys.set(name, key);
    values[name] = value;
  }
  return { values };
}

/** Whether `name` (lower-cased) is one of `DEPARTURE_FIELDS`. */
export function isDepartureField(name: string): name is DepartureField {
  return (DEPARTURE_FIELDS as readonly string[]).includes(name);
}

/**
 * Validates one row (keys already lower-cased) and builds its `Person`. Never throws.
 * `timeZone` is the IANA zone plain dates are read in.
 */
export function validateRow(raw: Readonly<Record<string, unknown>>, timeZone: string): RowResult {
  const input: Record<string, unknown> = {};
  for (const field of DEPARTURE_FIELDS) {
    const value = clean(field, raw[field]);
    if (value !== undefined) input[field] = value;
  }
  let schema = schemas.get(timeZone);
  if (!schema) {
    schema = rowSchema(timeZone);
    schemas.set(timeZone, schema);
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({
        field: issue.path.length > 0 ? issue.path.map(String).join(".") : undefined,
        message: issue.message,
      })),
    };
  }
  const row = result.data;
  const person: Person = {
    ...(row.employee_id !== undefined ? { employeeId: row.employee_id } : {}),
    emails: row.email !== undefined ? [row.email] : [],
    aliases: dedupe(row.aliases ?? []),
    ...(row.name !== undefined ? { displayName: row.name } : {}),
    departedAt: row.departed_at,
    ...(row.manager_email !== undefined ? { managerEmail: row.manager_email } : {}),
    ...(row.slack_user_id !== undefined ? { slackUserId: row.slack_user_id } : {}),
  };
  return { ok: true, person };
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}
