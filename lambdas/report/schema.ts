/**
 * The versioned JSON report, as a zod schema: the one definition of its shape. The type
 * `JsonReport` is inferred from it, tests parse real output with it, and
 * `docs/report.schema.json` is generated from it, so the three cannot drift apart.
 */
import * as z from "zod";
import { CREDENTIAL_KINDS, RULE_IDS, SEVERITIES, SOURCE_IDS } from "../core/model.ts";

/** The version of the report's shape. A change that breaks a reader bumps the major part. */
export const REPORT_SCHEMA_VERSION = "1.0";

const isoTime = z.iso.datetime();
const evidenceValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const severity = z.enum(SEVERITIES);

/** What became of a finding, in one word a reader can filter on. */
export const OUTCOMES = [
  "revoked",
  "revoke-failed",
  "revoke-pending",
  "ticketed",
  "held-by-brake",
  "notified",
  "excepted",
  "protected",
  "scheduled",
  "ignored",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const actionSchema = z.object({
  type: z.enum(["revoke", "verify", "ticket", "notify", "incident"]),
  status: z.enum(["planned", "done", "verified", "failed", "skipped"]),
  detail: z.string(),
  at: isoTime.nullable(),
  error: z.object({ name: z.string(), message: z.string() }).nullable(),
});

const personSchema = z.object({
  employeeId: z.string().nullable(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  departedAt: isoTime,
});

const findingSchema = z.object({
  id: z.string(),
  rule: z.enum(RULE_IDS),
  severity,
  title: z.string(),
  summary: z.string(),
  /** Null for findings about the run itself (brake, rejected list). */
  source: z.enum(SOURCE_IDS).nullable(),
  kind: z.enum(CREDENTIAL_KINDS).nullable(),
  credentialId: z.string().nullable(),
  nativeId: z.string().nullable(),
  principal: z.string().nullable(),
  principalType: z.enum(["human", "service", "unknown"]).nullable(),
  principalArn: z.string().nullable(),
  account: z.string().nullable(),
  active: z.boolean().nullable(),
  createdAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  /** Whole days from the credential's creation to the end of the scan. */
  ageDays: z.number().int().nonnegative().nullable(),
  person: personSchema.nullable(),
  match: z
    .object({
      by: z.enum(["employee-id", "email", "owner-tag", "alias", "username-convention"]),
      strength: z.enum(["exact", "strong", "weak"]),
      value: z.string(),
      evidence: z.string(),
    })
    .nullable(),
  decision: z.object({
    action: z.enum([
      "revoke",
      "ticket",
      "notify",
      "ignore",
      "excepted",
      "protected",
      "held-by-brake",
      "scheduled",
    ]),
    why: z.string(),
  }),
  outcome: z.enum(OUTCOMES),
  actions: z.array(actionSchema),
  evidence: z.record(z.string(), evidenceValue),
  reference: z.string().nullable(),
});

const personTimelineSchema = z.object({
  /** Employee id, else first email: how the report names the person. */
  key: z.string(),
  employeeId: z.string().nullable(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  departedAt: isoTime,
  firstRevocationAt: isoTime.nullable(),
  lastVerifiedRevocationAt: isoTime.nullable(),
  /** Departure to the last verified revocation (clamped at zero for revocations ahead of a scheduled departure). */
  secondsToRevoke: z.number().nonnegative().nullable(),
  /** Departure to the end of the scan, while a credential is still not revoked; null once all are. */
  secondsLingering: z.number().nonnegative().nullable(),
  usedAfterDeparture: z.boolean(),
  credentials: z.object({
    total: z.number().int().nonnegative(),
    revoked: z.number().int().nonnegative(),
    ticketed: z.number().int().nonnegative(),
    held: z.number().int().nonnegative(),
    open: z.number().int().nonnegative(),
  }),
  findingIds: z.array(z.string()),
});

/** The JSON report (`iam-hygiene report --format json`). */
export const jsonReportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    generator: z.object({ name: z.string(), version: z.string() }),
    generatedAt: isoTime,
    scanId: z.string(),
    trigger: z.string(),
    status: z.enum(["completed", "busy"]),
    startedAt: isoTime,
    finishedAt: isoTime,
    mode: z.enum(["report", "enforce"]),
    applied: z.boolean(),
    departures: z.object({
      origin: z.string(),
      people: z.number().int().nonnegative(),
      rejected: z.boolean(),
      rejectionReason: z.string().nullable(),
      errors: z.array(
        z.object({ line: z.number().int(), field: z.string().nullable(), message: z.string() }),
      ),
    }),
    sources: z.array(
      z.object({
        source: z.enum(SOURCE_IDS),
        credentials: z.number().int().nonnegative(),
        problems: z.array(z.object({ subject: z.string(), message: z.string(), errorName: z.string() })),
        stats: z.record(z.string(), z.number()),
        notes: z.array(z.string()),
      }),
    ),
    brake: z.object({
      engaged: z.boolean(),
      wouldRevoke: z.number().int().nonnegative(),
      limit: z.number().int().nonnegative(),
      credentialsSeen: z.number().int().nonnegative(),
      reason: z.string().nullable(),
    }),
    counts: z.object({
      critical: z.number().int().nonnegative(),
      high: z.number().int().nonnegative(),
      medium: z.number().int().nonnegative(),
      low: z.number().int().nonnegative(),
      info: z.number().int().nonnegative(),
    }),
    totals: z.object({
      findings: z.number().int().nonnegative(),
      credentials: z.number().int().nonnegative(),
      revoked: z.number().int().nonnegative(),
      revokeFailed: z.number().int().nonnegative(),
      ticketed: z.number().int().nonnegative(),
      heldByBrake: z.number().int().nonnegative(),
      peopleDeparted: z.number().int().nonnegative(),
      usedAfterDeparture: z.number().int().nonnegative(),
    }),
    findings: z.array(findingSchema),
    people: z.array(personTimelineSchema),
    resolved: z.array(
      z.object({
        findingId: z.string(),
        rule: z.string(),
        credentialId: z.string().nullable(),
        severity,
        firstSeen: isoTime,
        lastSeen: isoTime,
      }),
    ),
    notifications: z
      .object({
        enqueued: z.number().int().nonnegative(),
        sent: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
        pending: z.number().int().nonnegative(),
      })
      .nullable(),
    notes: z.array(z.string()),
  })
  .meta({
    title: "iam-hygiene scan report",
    description: "One scan: what was found, decided and done, per credential and per departed person.",
  });

/** The JSON report, as `toJsonReport` returns it. */
export type JsonReport = z.infer<typeof jsonReportSchema>;
/** One finding of the JSON report. */
export type JsonFinding = JsonReport["findings"][number];
/** One person's timeline from departure to revocation. */
export type JsonPersonTimeline = JsonReport["people"][number];
/** One action record of a finding. */
export type JsonAction = JsonFinding["actions"][number];

/** The JSON Schema published as `docs/report.schema.json`. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(jsonReportSchema) as Record<string, unknown>;
}
