/**
 * Findings in the AWS Security Finding Format (ASFF), for `BatchImportFindings` with the
 * account's default product. Field rules followed here, from the Security Hub user guide and
 * API reference: every required top-level attribute is set; `Title` <= 256 and `Description`
 * <= 1024 characters; `Types` use the ASFF types taxonomy namespaces; severity and types are
 * also given under `FindingProviderFields`, which is where providers are meant to set them.
 *
 * @see https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
 * @see https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-type-taxonomy.html
 */
import type { RuleId, Severity } from "../core/model.ts";
import type { ScanReport } from "../scan.ts";
import { type JsonFinding, type JsonReport, type ReportMeta, toJsonReport } from "./json.ts";

/** The ASFF schema version Security Hub accepts. */
export const ASFF_SCHEMA_VERSION = "2018-10-08";
/** Security Hub's limits on a few attributes, checked here rather than discovered at import. */
export const ASFF_LIMITS = { title: 256, description: 1024, recommendationText: 512, resources: 32 } as const;

/** ASFF severity labels. */
export type AsffSeverityLabel = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

/** One resource of a finding: the key, the user, or (for non-AWS sources and the run) `Other`. */
export interface AsffResource {
  readonly Type: "AwsIamAccessKey" | "AwsIamUser" | "Other";
  readonly Id: string;
  readonly Partition?: "aws" | "aws-cn" | "aws-us-gov";
  readonly Region?: string;
  readonly Details?: {
    readonly AwsIamAccessKey?: {
      readonly AccessKeyId?: string;
      readonly AccountId?: string;
      readonly PrincipalName?: string;
      readonly PrincipalType?: string;
      readonly Status?: "Active" | "Inactive";
      readonly CreatedAt?: string;
    };
    readonly AwsIamUser?: { readonly UserName?: string; readonly CreateDate?: string };
    readonly Other?: Record<string, string>;
  };
}

/** The subset of `AwsSecurityFinding` this product writes; assignable to the SDK's type. */
export interface AsffFinding {
  readonly SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Severity: { readonly Label: AsffSeverityLabel; readonly Original: string };
  readonly Title: string;
  readonly Description: string;
  readonly Resources: AsffResource[];
  readonly FindingProviderFields: {
    readonly Severity: { readonly Label: AsffSeverityLabel; readonly Original: string };
    readonly Types: string[];
  };
  readonly Remediation?: { readonly Recommendation: { readonly Text: string; readonly Url?: string } };
  readonly ProductFields: Record<string, string>;
  readonly Workflow: { readonly Status: "NEW" | "NOTIFIED" | "RESOLVED" | "SUPPRESSED" };
  readonly RecordState: "ACTIVE" | "ARCHIVED";
  readonly ProductName: string;
  readonly CompanyName: string;
}

/** Where the findings are imported. */
export interface AsffOptions {
  /** The region of the Security Hub the findings go to. */
  readonly region: string;
  /**
   * The account that calls `BatchImportFindings`: the default product ARN is in this account,
   * and findings about non-AWS credentials (Okta, Google, GitHub) are attributed to it.
   */
  readonly accountId: string;
  /** @default "aws" */
  readonly partition?: "aws" | "aws-cn" | "aws-us-gov";
  /** Send findings resolved since the last scan as `ARCHIVED`, so Security Hub closes them. @default true */
  readonly includeResolved?: boolean;
}

const LABEL: Record<Severity, AsffSeverityLabel> = {
  info: "INFORMATIONAL",
  low: "LOW",
  medium: "MEDIUM",
  high: "HIGH",
  critical: "CRITICAL",
};

const BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices";

/** ASFF `Types` per rule; a use after departure is an intrusion, the rest are posture. */
const TYPES: Record<RuleId, string[]> = {
  "used-after-departure": ["TTPs/Initial Access", "Unusual Behaviors/User"],
  "departed-owner-active-credential": [BEST_PRACTICES],
  "unused-credential": [BEST_PRACTICES],
  "unrotated-access-key": [BEST_PRACTICES],
  "console-password-without-mfa": [BEST_PRACTICES],
  "unowned-credential": [BEST_PRACTICES],
  "root-access-key": [
    BEST_PRACTICES,
    "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark",
  ],
  "departure-list-rejected": ["Software and Configuration Checks"],
  "revocation-brake-engaged": ["Software and Configuration Checks"],
  "source-error": ["Software and Configuration Checks"],
};

/** What to do, per rule, in at most 512 characters. */
const RECOMMENDATION: Record<RuleId, string> = {
  "used-after-departure":
    "Treat as an incident: confirm the credential is revoked, review the CloudTrail events since the departure (source IPs, actions), and rotate any secret the credential could read.",
  "departed-owner-active-credential":
    "Deactivate, then delete, the credential of the person who left; hand any workload it serves to a current owner.",
  "unused-credential": "Remove credentials unused for the configured number of days.",
  "unrotated-access-key": "Rotate the access key, or replace it with short-lived role credentials.",
  "console-password-without-mfa": "Enable MFA for the user, or remove the console password.",
  "unowned-credential": "Tag the principal with its owner, or remove the credential.",
  "root-access-key": "Delete the root user's access keys; use IAM roles instead.",
  "departure-list-rejected":
    "Check the departure list export and the quarantine reason, then publish a corrected list.",
  "revocation-brake-engaged":
    "Check the departure list and configuration: a run this large is more often a bad list than real departures.",
  "source-error": "Check the source's permissions and connectivity; findings from it may be incomplete.",
};

/** Cuts to `max` characters with an ellipsis; Security Hub rejects longer values. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

const AWS_ACCOUNT = /^\d{12}$/;

function resources(f: JsonFinding, options: AsffOptions, partition: string): AsffResource[] {
  const base = { Partition: partition as AsffResource["Partition"], Region: options.region };
  if (!f.credentialId) {
    return [
      { Type: "Other", Id: `iam-hygiene/${f.rule}/${f.id}`, ...base, Details: { Other: { rule: f.rule } } },
    ];
  }
  const account = f.account ?? "";
  if (f.source === "aws-iam" && f.kind === "access-key" && f.nativeId) {
    return [
      {
        Type: "AwsIamAccessKey",
        // GuardDuty names access key resources the same way.
        Id: `AWS::IAM::AccessKey:${f.nativeId}`,
        ...base,
        Details: {
          AwsIamAccessKey: {
            AccessKeyId: f.nativeId,
            ...(AWS_ACCOUNT.test(account) ? { AccountId: account } : {}),
            ...(f.principal ? { PrincipalName: f.principal } : {}),
            PrincipalType: "IAMUser",
            ...(f.active !== null ? { Status: f.active ? "Active" : "Inactive" } : {}),
            ...(f.createdAt ? { CreatedAt: f.createdAt } : {}),
          },
        },
      },
    ];
  }
  if (f.source === "aws-iam" && f.principal && AWS_ACCOUNT.test(account)) {
    return [
      {
        Type: "AwsIamUser",
        Id: f.principalArn ?? `arn:${partition}:iam::${account}:user/${f.principal}`,
        ...base,
        Details: { AwsIamUser: { UserName: f.principal } },
      },
    ];
  }
  return [
    {
      Type: "Other",
      Id: clip(f.credentialId, 512),
      ...base,
      Details: {
        Other: {
          source: f.source ?? "",
          kind: f.kind ?? "",
          principal: clip(f.principal ?? "", 1024),
          nativeId: clip(f.nativeId ?? "", 1024),
        },
      },
    },
  ];
}

function description(f: JsonFinding): string {
  const parts = [f.summary, `Decision: ${f.decision.action} (${f.decision.why}).`, `Outcome: ${f.outcome}.`];
  if (f.person) parts.push(`Owner left on ${f.person.departedAt}; matched by ${f.match?.by ?? "unknown"}.`);
  return clip(parts.join(" "), ASFF_LIMITS.description);
}

function productFields(f: JsonFinding, json: JsonReport): Record<string, string> {
  const fields: Record<string, string> = {
    "iam-hygiene/rule": f.rule,
    "iam-hygiene/decision": f.decision.action,
    "iam-hygiene/outcome": f.outcome,
    "iam-hygiene/scanId": json.scanId,
  };
  if (f.credentialId) fields["iam-hygiene/credentialId"] = clip(f.credentialId, 2048);
  if (f.source) fields["iam-hygiene/source"] = f.source;
  if (f.person?.email) fields["iam-hygiene/personEmail"] = f.person.email;
  return fields;
}

/**
 * The workflow status a finding is created with. Security Hub ignores `Workflow` on later
 * `BatchImportFindings` calls (it is the customer's, changed with `BatchUpdateFindings`), so a
 * re-import after a revocation does not move a `NEW` finding to `RESOLVED`: see docs/reports.md.
 */
function workflow(f: JsonFinding): AsffFinding["Workflow"]["Status"] {
  if (f.outcome === "revoked") return "RESOLVED";
  if (f.outcome === "excepted" || f.outcome === "protected") return "SUPPRESSED";
  if (f.outcome === "ticketed" || f.outcome === "notified") return "NOTIFIED";
  return "NEW";
}

/**
 * The scan's findings as ASFF, one per finding, plus (by default) the findings resolved since
 * the last scan as `ARCHIVED`. Ids are stable (`region/account/findingId`), so a re-import
 * updates the finding instead of adding one.
 */
export function toAsffFindings(report: ScanReport, options: AsffOptions, meta?: ReportMeta): AsffFinding[] {
  const json = toJsonReport(report, meta);
  const partition = options.partition ?? "aws";
  const productArn = `arn:${partition}:securityhub:${options.region}:${options.accountId}:product/${options.accountId}/default`;
  const now = json.finishedAt;
  const common = {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    ProductArn: productArn,
    ProductName: "iam-hygiene",
    CompanyName: "iam-hygiene",
    CreatedAt: now,
    UpdatedAt: now,
  } as const;
  const out: AsffFinding[] = json.findings.map((f) => {
    const severity = { Label: LABEL[f.severity], Original: f.severity };
    const types = TYPES[f.rule];
    return {
      ...common,
      Id: `${options.region}/${options.accountId}/${f.id}`,
      GeneratorId: `iam-hygiene/${f.rule}`,
      AwsAccountId: f.account && AWS_ACCOUNT.test(f.account) ? f.account : options.accountId,
      Types: [...types],
      Severity: severity,
      Title: clip(f.title, ASFF_LIMITS.title),
      Description: description(f),
      Resources: resources(f, options, partition),
      FindingProviderFields: { Severity: { ...severity }, Types: [...types] },
      Remediation: {
        Recommendation: {
          Text: clip(RECOMMENDATION[f.rule], ASFF_LIMITS.recommendationText),
          ...(f.reference ? { Url: f.reference } : {}),
        },
      },
      ProductFields: productFields(f, json),
      Workflow: { Status: workflow(f) },
      RecordState: "ACTIVE",
    };
  });
  if (options.includeResolved ?? true) {
    for (const r of json.resolved) {
      const rule = r.rule as RuleId;
      const types = TYPES[rule] ?? ["Software and Configuration Checks"];
      const severity = { Label: LABEL[r.severity], Original: r.severity };
      const account = r.credentialId?.split(":")[1] ?? "";
      out.push({
        ...common,
        Id: `${options.region}/${options.accountId}/${r.findingId}`,
        GeneratorId: `iam-hygiene/${r.rule}`,
        AwsAccountId: AWS_ACCOUNT.test(account) ? account : options.accountId,
        Types: [...types],
        Severity: severity,
        Title: clip(`Resolved: ${r.rule}`, ASFF_LIMITS.title),
        Description: clip(
          `No longer observed by scan ${json.scanId}; first seen ${r.firstSeen}, last seen ${r.lastSeen}.`,
          ASFF_LIMITS.description,
        ),
        Resources: [
          {
            Type: "Other",
            Id: clip(r.credentialId ?? `iam-hygiene/${r.rule}/${r.findingId}`, 512),
            Partition: partition,
            Region: options.region,
          },
        ],
        FindingProviderFields: { Severity: { ...severity }, Types: [...types] },
        ProductFields: { "iam-hygiene/rule": r.rule, "iam-hygiene/scanId": json.scanId },
        Workflow: { Status: "RESOLVED" },
        RecordState: "ARCHIVED",
      });
    }
  }
  return out;
}
