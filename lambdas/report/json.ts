/**
 * The JSON report: a plain, versioned view of a `ScanReport` (ISO dates, nulls instead of
 * absent fields, one word per outcome, a timeline per departed person). Every other format
 * (CSV, HTML, table, ASFF, OCSF) is written from this view, so they all tell the same story.
 */
import type { ActionRecord, Finding, Person } from "../core/model.ts";
import type { PlanItem } from "../core/plan-types.ts";
import type { ScanReport } from "../scan.ts";
import {
  type JsonAction,
  type JsonFinding,
  type JsonPersonTimeline,
  type JsonReport,
  type Outcome,
  REPORT_SCHEMA_VERSION,
} from "./schema.ts";

export type { JsonAction, JsonFinding, JsonPersonTimeline, JsonReport, Outcome } from "./schema.ts";

/** Who wrote the report, and when; defaults keep the function pure. */
export interface ReportMeta {
  /** @default { name: "iam-hygiene", version: "0.1.0" } */
  readonly generator?: { readonly name: string; readonly version: string };
  /** @default the scan's `finishedAt` */
  readonly generatedAt?: Date;
}

/** The generator named in reports when the caller does not say. */
export const DEFAULT_GENERATOR = { name: "iam-hygiene", version: "0.1.0" } as const;

const DAY_MS = 86_400_000;

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

function outcomeOf(item: PlanItem): Outcome {
  switch (item.decision.action) {
    case "revoke":
      if (item.actions.some((a) => a.type === "verify" && a.status === "verified")) return "revoked";
      if (item.actions.some((a) => a.status === "failed")) return "revoke-failed";
      return "revoke-pending";
    case "ticket":
      return "ticketed";
    case "held-by-brake":
      return "held-by-brake";
    case "notify":
      return "notified";
    case "excepted":
      return "excepted";
    case "protected":
      return "protected";
    case "scheduled":
      return "scheduled";
    case "ignore":
      return "ignored";
  }
}

function jsonAction(action: ActionRecord): JsonAction {
  return {
    type: action.type,
    status: action.status,
    detail: action.detail,
    at: iso(action.at),
    error: action.error ? { name: action.error.name, message: action.error.message } : null,
  };
}

/** How the report names a person: employee id, else first email, else display name. */
export function personKey(person: Person): string {
  return person.employeeId ?? person.emails[0] ?? person.displayName ?? "unknown";
}

function jsonFinding(item: PlanItem, finishedAt: Date): JsonFinding {
  const f: Finding = item.finding;
  const c = f.credential;
  const p = f.match?.person;
  return {
    id: f.id,
    rule: f.ruleId,
    severity: f.severity,
    title: f.title,
    summary: f.summary,
    source: c?.source ?? null,
    kind: c?.kind ?? null,
    credentialId: c?.id ?? null,
    nativeId: c?.nativeId ?? null,
    principal: c?.principal ?? null,
    principalType: c?.principalType ?? null,
    principalArn: c?.principalArn ?? null,
    account: c?.account ?? null,
    active: c ? c.active : null,
    createdAt: iso(c?.createdAt),
    lastUsedAt: iso(c?.lastUsed?.at),
    ageDays: c?.createdAt
      ? Math.max(0, Math.floor((finishedAt.getTime() - c.createdAt.getTime()) / DAY_MS))
      : null,
    person: p
      ? {
          employeeId: p.employeeId ?? null,
          email: p.emails[0] ?? null,
          displayName: p.displayName ?? null,
          departedAt: p.departedAt.toISOString(),
        }
      : null,
    match: f.match
      ? { by: f.match.by, strength: f.match.strength, value: f.match.value, evidence: f.match.evidence }
      : null,
    decision: { action: item.decision.action, why: item.decision.why },
    outcome: outcomeOf(item),
    actions: item.actions.map(jsonAction),
    evidence: { ...f.evidence },
    reference: f.reference ?? null,
  };
}

interface PersonAccumulator {
  person: Person;
  findings: PlanItem[];
  outcomes: JsonFinding[];
}

function timeline(acc: PersonAccumulator, finishedAt: Date): JsonPersonTimeline {
  const { person } = acc;
  // One state per credential: several findings (e.g. used-after-departure and departed-owner)
  // may point at the same key; the most final outcome wins.
  const state = new Map<string, "revoked" | "held" | "ticketed" | "open">();
  const rank = { open: 0, ticketed: 1, held: 2, revoked: 3 } as const;
  let firstRevocation: Date | undefined;
  let lastVerified: Date | undefined;
  acc.findings.forEach((item, i) => {
    const outcome = acc.outcomes[i]!.outcome;
    const id = item.finding.credential?.id ?? item.finding.id;
    const next =
      outcome === "revoked"
        ? "revoked"
        : outcome === "held-by-brake"
          ? "held"
          : outcome === "ticketed"
            ? "ticketed"
            : "open";
    const prev = state.get(id);
    if (!prev || rank[next] > rank[prev]) state.set(id, next);
    for (const a of item.actions) {
      if (!a.at) continue;
      if (a.type === "revoke" && (a.status === "done" || a.status === "verified")) {
        if (!firstRevocation || a.at < firstRevocation) firstRevocation = a.at;
      }
      if (a.type === "verify" && a.status === "verified") {
        if (!lastVerified || a.at > lastVerified) lastVerified = a.at;
      }
    }
  });
  const counts = { total: state.size, revoked: 0, ticketed: 0, held: 0, open: 0 };
  for (const s of state.values()) counts[s] += 1;
  const departed = person.departedAt.getTime();
  const stillOpen = counts.revoked < counts.total;
  return {
    key: personKey(person),
    employeeId: person.employeeId ?? null,
    email: person.emails[0] ?? null,
    displayName: person.displayName ?? null,
    departedAt: person.departedAt.toISOString(),
    firstRevocationAt: iso(firstRevocation),
    lastVerifiedRevocationAt: iso(lastVerified),
    secondsToRevoke: lastVerified ? Math.max(0, (lastVerified.getTime() - departed) / 1000) : null,
    secondsLingering: stillOpen ? Math.max(0, (finishedAt.getTime() - departed) / 1000) : null,
    usedAfterDeparture: acc.findings.some((i) => i.finding.ruleId === "used-after-departure"),
    credentials: counts,
    findingIds: acc.findings.map((i) => i.finding.id),
  };
}

/**
 * The JSON report of a scan: versioned (`schemaVersion`), described by
 * `docs/report.schema.json`, and the source every other report format is written from.
 * Pure: the same report and meta give the same object.
 */
export function toJsonReport(report: ScanReport, meta: ReportMeta = {}): JsonReport {
  const { plan } = report;
  const findings = plan.items.map((item) => jsonFinding(item, report.finishedAt));

  const people = new Map<string, PersonAccumulator>();
  plan.items.forEach((item, i) => {
    const person = item.finding.match?.person;
    if (!person) return;
    const key = personKey(person);
    const acc = people.get(key) ?? { person, findings: [], outcomes: [] };
    acc.findings.push(item);
    acc.outcomes.push(findings[i]!);
    people.set(key, acc);
  });
  const timelines = [...people.values()]
    .map((acc) => timeline(acc, report.finishedAt))
    .sort((a, b) => a.departedAt.localeCompare(b.departedAt) || a.key.localeCompare(b.key));

  const count = (predicate: (f: JsonFinding) => boolean) => findings.filter(predicate).length;
  // Revocations and tickets are per credential: two findings (e.g. used-after-departure and
  // departed-owner) on one key are one revocation. A run finding counts as itself.
  const credentials = (outcome: Outcome) =>
    new Set(findings.filter((f) => f.outcome === outcome).map((f) => f.credentialId ?? f.id)).size;

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generator: { ...(meta.generator ?? DEFAULT_GENERATOR) },
    generatedAt: (meta.generatedAt ?? report.finishedAt).toISOString(),
    scanId: report.scanId,
    trigger: report.trigger,
    status: report.status,
    startedAt: report.startedAt.toISOString(),
    finishedAt: report.finishedAt.toISOString(),
    mode: plan.mode,
    applied: report.applied,
    departures: {
      origin: report.departures.origin,
      people: report.departures.people,
      rejected: report.departures.rejected,
      rejectionReason: report.departures.rejectionReason ?? null,
      errors: report.departures.errors.map((e) => ({
        line: e.line,
        field: e.field ?? null,
        message: e.message,
      })),
    },
    sources: report.sources.map((s) => ({
      source: s.source,
      credentials: s.credentials,
      problems: s.problems.map((p) => ({ subject: p.subject, message: p.message, errorName: p.errorName })),
      stats: { ...s.stats },
      notes: [...s.notes],
    })),
    brake: {
      engaged: plan.brake.engaged,
      wouldRevoke: plan.brake.wouldRevoke,
      limit: plan.brake.limit,
      credentialsSeen: plan.brake.credentialsSeen,
      reason: plan.brake.reason ?? null,
    },
    counts: {
      critical: plan.counts.critical,
      high: plan.counts.high,
      medium: plan.counts.medium,
      low: plan.counts.low,
      info: plan.counts.info,
    },
    totals: {
      findings: findings.length,
      credentials: report.sources.reduce((n, s) => n + s.credentials, 0),
      revoked: credentials("revoked"),
      revokeFailed: credentials("revoke-failed"),
      ticketed: credentials("ticketed"),
      heldByBrake: credentials("held-by-brake"),
      peopleDeparted: report.departures.people,
      usedAfterDeparture: count((f) => f.rule === "used-after-departure"),
    },
    findings,
    people: timelines,
    resolved: report.resolved.map((r) => ({
      findingId: r.findingId,
      rule: r.ruleId,
      credentialId: r.credentialId ?? null,
      severity: r.severity,
      firstSeen: r.firstSeen.toISOString(),
      lastSeen: r.lastSeen.toISOString(),
    })),
    notifications: report.notifications
      ? {
          enqueued: report.notifications.enqueued,
          sent: report.notifications.sent,
          failed: report.notifications.failed,
          pending: report.notifications.pending,
        }
      : null,
    notes: [...report.notes],
  };
}

/** The JSON report as text: two-space indented, one trailing newline. */
export function formatJsonReport(report: ScanReport, meta?: ReportMeta): string {
  return `${JSON.stringify(toJsonReport(report, meta), null, 2)}\n`;
}
