/**
 * Findings as OCSF 1.1.0 Detection Finding events (class 2004, category 2 "Findings"), for
 * Security Lake, SIEMs and data lakes that speak OCSF. `type_uid` is `class_uid * 100 +
 * activity_id`; times are epoch milliseconds; what OCSF has no attribute for goes in
 * `unmapped`.
 *
 * @see https://schema.ocsf.io/1.1.0/classes/detection_finding
 */
import type { Severity } from "../core/model.ts";
import type { ScanReport } from "../scan.ts";
import { type JsonFinding, type ReportMeta, toJsonReport } from "./json.ts";

/** The OCSF schema version these events follow. */
export const OCSF_VERSION = "1.1.0";
export const DETECTION_FINDING_CLASS_UID = 2004;
export const FINDINGS_CATEGORY_UID = 2;

/** OCSF `severity_id`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
export const OCSF_SEVERITY_ID: Readonly<Record<Severity, 1 | 2 | 3 | 4 | 5>> = {
  info: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};
const SEVERITY_NAME = { 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical" } as const;

/** Finding activities: a finding seen in this scan is created (or updated); a resolved one is closed. */
const ACTIVITY = { 1: "Create", 3: "Close" } as const;
/** Finding status: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved. */
const STATUS = { 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved" } as const;
/** Confidence from the strength of the person match: 1 Low, 2 Medium, 3 High. */
const CONFIDENCE = { weak: 1, strong: 2, exact: 3 } as const;
const CONFIDENCE_NAME = { 1: "Low", 2: "Medium", 3: "High" } as const;

/** One OCSF Detection Finding event. */
export interface OcsfDetectionFinding {
  readonly class_uid: typeof DETECTION_FINDING_CLASS_UID;
  readonly class_name: "Detection Finding";
  readonly category_uid: typeof FINDINGS_CATEGORY_UID;
  readonly category_name: "Findings";
  readonly activity_id: 1 | 3;
  readonly activity_name: string;
  readonly type_uid: number;
  readonly type_name: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly severity_id: 1 | 2 | 3 | 4 | 5;
  readonly severity: string;
  readonly status_id: 1 | 2 | 3 | 4;
  readonly status: string;
  readonly message: string;
  readonly confidence_id?: 1 | 2 | 3;
  readonly confidence?: string;
  readonly finding_info: {
    readonly uid: string;
    readonly title: string;
    readonly desc: string;
    readonly types: string[];
    readonly created_time?: number;
    readonly first_seen_time?: number;
    readonly last_seen_time?: number;
    readonly src_url?: string;
    readonly analytic: {
      readonly name: string;
      readonly uid: string;
      readonly type_id: 1;
      readonly type: "Rule";
    };
  };
  readonly resources: Array<{
    readonly uid: string;
    readonly name?: string;
    readonly type: string;
    readonly region?: string;
    readonly cloud_partition?: string;
    readonly owner?: { readonly name?: string; readonly email_addr?: string; readonly uid?: string };
    readonly data?: Record<string, string | number | boolean | null>;
  }>;
  readonly remediation?: { readonly desc: string; readonly references?: string[] };
  readonly metadata: {
    readonly version: typeof OCSF_VERSION;
    readonly product: { readonly name: string; readonly vendor_name: string; readonly version: string };
    readonly uid?: string;
    readonly correlation_uid: string;
    readonly log_name: string;
  };
  readonly unmapped?: Record<string, unknown>;
}

/** Options of `toOcsfFindings`. */
export interface OcsfOptions {
  /** The AWS region named on AWS resources. */
  readonly region?: string;
  /** Close findings resolved since the last scan (`activity_id` 3). @default true */
  readonly includeResolved?: boolean;
}

function statusOf(f: JsonFinding): 1 | 2 | 3 | 4 {
  if (f.outcome === "revoked") return 4;
  if (f.outcome === "excepted" || f.outcome === "protected" || f.outcome === "ignored") return 3;
  if (f.outcome === "ticketed" || f.outcome === "notified" || f.outcome === "held-by-brake") return 2;
  return 1;
}

/** `source/kind` from a credential id (`source:account:kind:nativeId`). */
function credentialType(credentialId: string): string {
  const [source, , kind] = credentialId.split(":");
  return `${source ?? "unknown"}/${kind ?? "unknown"}`;
}

const ms = (iso: string | null) => (iso ? Date.parse(iso) : undefined);

/**
 * The scan's findings as OCSF Detection Findings (`activity_id` 1), plus one `Close`
 * (`activity_id` 3) per finding resolved since the last scan.
 */
export function toOcsfFindings(
  report: ScanReport,
  options: OcsfOptions = {},
  meta?: ReportMeta,
): OcsfDetectionFinding[] {
  const json = toJsonReport(report, meta);
  const time = Date.parse(json.finishedAt);
  const metadata = (uid: string): OcsfDetectionFinding["metadata"] => ({
    version: OCSF_VERSION,
    product: { name: json.generator.name, vendor_name: json.generator.name, version: json.generator.version },
    uid,
    correlation_uid: json.scanId,
    log_name: "iam-hygiene-findings",
  });
  const base = {
    class_uid: DETECTION_FINDING_CLASS_UID,
    class_name: "Detection Finding",
    category_uid: FINDINGS_CATEGORY_UID,
    category_name: "Findings",
    time,
  } as const;

  const events: OcsfDetectionFinding[] = json.findings.map((f): OcsfDetectionFinding => {
    const severityId = OCSF_SEVERITY_ID[f.severity];
    const statusId = statusOf(f);
    const confidence = f.match ? CONFIDENCE[f.match.strength] : undefined;
    const isAws = f.source === "aws-iam" || f.source === "aws-cognito";
    return {
      ...base,
      activity_id: 1,
      activity_name: ACTIVITY[1],
      type_uid: DETECTION_FINDING_CLASS_UID * 100 + 1,
      type_name: `Detection Finding: ${ACTIVITY[1]}`,
      severity_id: severityId,
      severity: SEVERITY_NAME[severityId],
      status_id: statusId,
      status: STATUS[statusId],
      message: f.summary,
      ...(confidence ? { confidence_id: confidence, confidence: CONFIDENCE_NAME[confidence] } : {}),
      finding_info: {
        uid: f.id,
        title: f.title,
        desc: f.summary,
        types: [f.rule],
        created_time: time,
        ...(f.lastUsedAt ? { last_seen_time: ms(f.lastUsedAt) } : {}),
        ...(f.reference ? { src_url: f.reference } : {}),
        analytic: { name: f.rule, uid: f.rule, type_id: 1, type: "Rule" },
      },
      resources: f.credentialId
        ? [
            {
              uid: f.credentialId,
              ...(f.principal ? { name: f.principal } : {}),
              type: `${f.source}/${f.kind}`,
              ...(isAws && options.region ? { region: options.region, cloud_partition: "aws" } : {}),
              ...(f.person
                ? {
                    owner: {
                      ...(f.person.displayName ? { name: f.person.displayName } : {}),
                      ...(f.person.email ? { email_addr: f.person.email } : {}),
                      ...(f.person.employeeId ? { uid: f.person.employeeId } : {}),
                    },
                  }
                : {}),
              data: {
                account: f.account,
                kind: f.kind,
                nativeId: f.nativeId,
                principalType: f.principalType,
                createdAt: f.createdAt,
                lastUsedAt: f.lastUsedAt,
              },
            },
          ]
        : [],
      ...(f.reference ? { remediation: { desc: f.decision.why, references: [f.reference] } } : {}),
      metadata: metadata(f.id),
      unmapped: {
        decision: f.decision,
        outcome: f.outcome,
        actions: f.actions,
        evidence: f.evidence,
        match: f.match,
        departedAt: f.person?.departedAt ?? null,
      },
    };
  });

  if (options.includeResolved ?? true) {
    for (const r of json.resolved) {
      const severityId = OCSF_SEVERITY_ID[r.severity];
      events.push({
        ...base,
        activity_id: 3,
        activity_name: ACTIVITY[3],
        type_uid: DETECTION_FINDING_CLASS_UID * 100 + 3,
        type_name: `Detection Finding: ${ACTIVITY[3]}`,
        severity_id: severityId,
        severity: SEVERITY_NAME[severityId],
        status_id: 4,
        status: STATUS[4],
        message: `${r.rule} no longer observed`,
        finding_info: {
          uid: r.findingId,
          title: `Resolved: ${r.rule}`,
          desc: `No longer observed by scan ${json.scanId}`,
          types: [r.rule],
          first_seen_time: Date.parse(r.firstSeen),
          last_seen_time: Date.parse(r.lastSeen),
          analytic: { name: r.rule, uid: r.rule, type_id: 1, type: "Rule" },
        },
        resources: r.credentialId ? [{ uid: r.credentialId, type: credentialType(r.credentialId) }] : [],
        metadata: metadata(r.findingId),
      });
    }
  }
  return events;
}
