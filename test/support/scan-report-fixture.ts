/**
 * Realistic `ScanReport`s for the report writers: an enforce run with revocations read back,
 * an incident with CloudTrail evidence, tickets for a service credential and a weak match,
 * hygiene findings, a failure; plus a run stopped by the brake and a run whose departure list
 * was rejected. Names carry hostile values (formulas, markup, quotes, newlines) on purpose.
 */
import { findingId } from "../../lambdas/core/evaluate.ts";
import type {
  ActionRecord,
  Credential,
  CredentialKind,
  DecisionAction,
  Evidence,
  Finding,
  Match,
  Person,
  RuleId,
  Severity,
  SourceId,
} from "../../lambdas/core/model.ts";
import { SEVERITIES, severityRank } from "../../lambdas/core/model.ts";
import type { PlanItem } from "../../lambdas/core/plan-types.ts";
import { rules } from "../../lambdas/core/rules/index.ts";
import type { ScanReport } from "../../lambdas/scan.ts";

export const REPORT_NOW = new Date("2026-06-01T12:00:00Z");
const ACCOUNT = "123456789012";

/** Hostile strings a name or alias may carry; every writer must render them inert. */
export const HOSTILE = {
  formula: '=HYPERLINK("http://x","click me")',
  script: "<script>alert(1)</script>",
  quoted: 'Dave "The Hammer" O\'Brien\nsecond line',
  plus: "+cmd|' /C calc'!A0",
} as const;

const at = (minutes: number) => new Date(REPORT_NOW.getTime() + minutes * 60_000);
const daysAgo = (days: number) => new Date(REPORT_NOW.getTime() - days * 86_400_000);

const jane: Person = {
  employeeId: "E100",
  emails: ["jane.doe@corp.example"],
  aliases: ["jane.doe"],
  displayName: "Jane Doe",
  departedAt: daysAgo(3),
  managerEmail: "boss@corp.example",
};
const bob: Person = {
  employeeId: "E200",
  emails: ["bob.smith@corp.example"],
  aliases: ["bsmith"],
  displayName: HOSTILE.formula,
  departedAt: daysAgo(21),
};
const carol: Person = {
  employeeId: "E300",
  emails: ["carol@corp.example"],
  aliases: [],
  displayName: HOSTILE.script,
  departedAt: daysAgo(45),
};
const dave: Person = {
  emails: ["dave.obrien@corp.example"],
  aliases: ["dave"],
  displayName: HOSTILE.quoted,
  departedAt: daysAgo(9),
};

function cred(
  source: SourceId,
  kind: CredentialKind,
  nativeId: string,
  principal: string,
  extra: Partial<Credential> = {},
): Credential {
  const account = extra.account ?? (source === "aws-iam" ? ACCOUNT : "corp.example");
  return {
    id: `${source}:${account}:${kind}:${nativeId}`,
    source,
    kind,
    nativeId,
    account,
    principal,
    principalType: "human",
    ownerHints: { employeeIds: [], emails: [], usernames: [principal], tags: {} },
    active: true,
    observedAt: REPORT_NOW,
    ...(source === "aws-iam" ? { principalArn: `arn:aws:iam::${ACCOUNT}:user/${principal}` } : {}),
    ...extra,
  };
}

function matchOf(person: Person, by: Match["by"], strength: Match["strength"], value: string): Match {
  return { person, by, strength, value, evidence: `${by} ${value} matches ${person.emails[0]}` };
}

function finding(
  ruleId: RuleId,
  credential: Credential | undefined,
  summary: string,
  evidence: Evidence,
  options: { match?: Match; severity?: Severity; subject?: string; title?: string } = {},
): Finding {
  const rule = rules.find((r) => r.id === ruleId);
  return {
    id: findingId(ruleId, credential?.id ?? options.subject ?? "run"),
    ruleId,
    severity: options.severity ?? rule?.severity ?? "critical",
    title: options.title ?? rule?.title ?? ruleId,
    summary,
    ...(credential ? { credential } : {}),
    ...(options.match ? { match: options.match } : {}),
    evidence,
    ...(rule ? { reference: rule.reference } : {}),
  };
}

function item(f: Finding, action: DecisionAction, why: string, actions: ActionRecord[]): PlanItem {
  return { finding: f, decision: { findingId: f.id, action, why }, actions };
}

function revoked(c: Credential, minutes: number, api: string): ActionRecord[] {
  return [
    { type: "revoke", status: "done", detail: `${api} ${c.nativeId}`, at: at(minutes) },
    {
      type: "verify",
      status: "verified",
      detail: `read back ${c.kind} ${c.nativeId}: revoked`,
      at: at(minutes + 1),
    },
  ];
}

function departedFinding(c: Credential, m: Match): Finding {
  const days = Math.floor((REPORT_NOW.getTime() - m.person.departedAt.getTime()) / 86_400_000);
  return finding(
    "departed-owner-active-credential",
    c,
    `${c.kind.replace(/-/g, " ")} ${c.nativeId} of ${c.principal} is still active ${days} day(s) after ${m.person.emails[0]} left`,
    {
      personEmail: m.person.emails[0] ?? null,
      personEmployeeId: m.person.employeeId ?? null,
      departedAt: m.person.departedAt.toISOString(),
      matchedBy: m.by,
      matchStrength: m.strength,
      daysSinceDeparture: days,
      principalType: c.principalType,
    },
    { match: m },
  );
}

/** Jane: an access key and Okta sessions, both revoked and read back. */
function janeItems(): PlanItem[] {
  const key = cred("aws-iam", "access-key", "AKIAJANE000000000001", "jane.doe", {
    createdAt: daysAgo(400),
    lastUsed: { at: daysAgo(4), service: "s3", region: "eu-west-1" },
    ownerHints: { employeeIds: ["E100"], emails: [], usernames: ["jane.doe"], tags: { employee_id: "E100" } },
  });
  const okta = cred("okta", "web-sessions", "00u1jane", "jane.doe@corp.example", { createdAt: daysAgo(700) });
  const byId = matchOf(jane, "employee-id", "exact", "E100");
  const byEmail = matchOf(jane, "email", "strong", "jane.doe@corp.example");
  return [
    item(departedFinding(key, byId), "revoke", "exact match to a departed person: revoke", [
      ...revoked(key, 1, "UpdateAccessKey Inactive"),
    ]),
    item(departedFinding(okta, byEmail), "revoke", "strong match to a departed person: revoke", [
      ...revoked(okta, 2, "ClearUserSessions"),
    ]),
  ];
}

/** Bob: his key was used after he left (an incident), plus a console password that failed to revoke. */
function bobItems(): PlanItem[] {
  const key = cred("aws-iam", "access-key", "AKIABOB0000000000002", "bsmith", {
    createdAt: daysAgo(820),
    lastUsed: { at: daysAgo(1), service: "s3", region: "us-east-1", ip: "203.0.113.9" },
  });
  const password = cred("aws-iam", "console-password", "bsmith", "bsmith", {
    createdAt: daysAgo(820),
    lastUsed: { at: daysAgo(25) },
    mfaEnabled: true,
  });
  const grant = cred(
    "google-workspace",
    "oauth-grant",
    "bob.smith@corp.example:slack",
    "bob.smith@corp.example",
    {
      createdAt: daysAgo(300),
    },
  );
  const m = matchOf(bob, "alias", "strong", "bsmith");
  const used = finding(
    "used-after-departure",
    key,
    `access key ${key.nativeId} of bsmith was used 480 hour(s) after bob.smith@corp.example left`,
    {
      personEmail: "bob.smith@corp.example",
      departedAt: bob.departedAt.toISOString(),
      lastUsedAt: daysAgo(1).toISOString(),
      lastUsedService: "s3",
      lastUsedIp: "203.0.113.9",
      hoursAfterDeparture: 480,
      events: 42,
      failedCalls: 3,
      firstEventAt: daysAgo(19).toISOString(),
      lastEventAt: daysAgo(1).toISOString(),
      distinctSourceIps: 2,
      sourceIps: "203.0.113.9 (40), 198.51.100.7 (2)",
      topEventNames: "GetObject (30), ListBuckets (9), GetCallerIdentity (3)",
      userAgents: HOSTILE.plus,
      regions: "us-east-1",
      truncated: false,
    },
    { match: m },
  );
  return [
    item(used, "revoke", "used after departure: revoke now and open an incident", [
      { type: "incident", status: "done", detail: `incident opened: ${used.summary}`, at: at(1) },
      ...revoked(key, 1, "UpdateAccessKey Inactive"),
    ]),
    item(departedFinding(key, m), "revoke", "strong match to a departed person: revoke", [
      ...revoked(key, 1, "UpdateAccessKey Inactive"),
    ]),
    item(departedFinding(password, m), "revoke", "strong match to a departed person: revoke", [
      {
        type: "revoke",
        status: "failed",
        detail: "DeleteLoginProfile bsmith",
        at: at(2),
        error: { name: "AccessDenied", message: "not authorized to perform iam:DeleteLoginProfile" },
      },
    ]),
    item(departedFinding(grant, m), "revoke", "strong match to a departed person: revoke", [
      ...revoked(grant, 3, "tokens.delete"),
    ]),
  ];
}

/** Carol: a service credential tagged with her as owner is ticketed, not revoked. */
function carolItems(): PlanItem[] {
  const deployer = cred("aws-iam", "access-key", "AKIACIDEPLOYER000003", "ci-deployer", {
    principalType: "service",
    createdAt: daysAgo(1100),
    lastUsed: { at: daysAgo(0.2), service: "cloudformation", region: "eu-west-1" },
    ownerHints: {
      employeeIds: [],
      emails: ["carol@corp.example"],
      usernames: [],
      tags: { owner: "carol@corp.example" },
    },
  });
  const m = matchOf(carol, "owner-tag", "strong", "carol@corp.example");
  return [
    item(
      departedFinding(deployer, m),
      "ticket",
      "a workload uses this key: a human must hand it over or rotate it",
      [{ type: "ticket", status: "done", detail: "SEC-4821 opened for ci-deployer", at: at(4) }],
    ),
  ];
}

/** Dave: matched only by a username convention, so a human confirms before anything is revoked. */
function daveItems(): PlanItem[] {
  const pat = cred("github", "personal-access-token", "ghp-1234", "dave", {
    account: "corp-org",
    createdAt: daysAgo(200),
    lastUsed: { at: daysAgo(12) },
  });
  const m = matchOf(dave, "username-convention", "weak", "dave");
  return [
    item(departedFinding(pat, m), "ticket", "weak match: a human confirms the owner before revocation", [
      { type: "ticket", status: "done", detail: "SEC-4822 opened: confirm owner of dave", at: at(5) },
    ]),
  ];
}

/** Hygiene findings about nobody on the list; enough keys of varied ages to fill the charts. */
function hygieneItems(): PlanItem[] {
  const out: PlanItem[] = [];
  const ages = [95, 130, 181, 240, 365, 410, 530, 760, 990, 1300];
  ages.forEach((age, i) => {
    const c = cred("aws-iam", "access-key", `AKIAOLDKEY${String(i).padStart(10, "0")}`, `batch-${i + 1}`, {
      principalType: i % 3 === 0 ? "service" : "human",
      createdAt: daysAgo(age),
      lastUsed: { at: daysAgo(i + 1) },
    });
    out.push(
      item(
        finding("unrotated-access-key", c, `access key ${c.nativeId} of ${c.principal} is ${age} days old`, {
          ageDays: age,
          thresholdDays: 90,
        }),
        "notify",
        "hygiene: tell the owner",
        [{ type: "notify", status: "done", detail: "message to #sec-hygiene", at: at(6) }],
      ),
    );
  });
  const erin = cred("aws-iam", "console-password", "erin", "erin", {
    createdAt: daysAgo(60),
    mfaEnabled: false,
  });
  out.push(
    item(
      finding("console-password-without-mfa", erin, "console password of erin has no MFA", {
        mfaEnabled: false,
      }),
      "notify",
      "hygiene: tell the owner",
      [{ type: "notify", status: "done", detail: "DM to erin", at: at(6) }],
    ),
  );
  const root = cred("aws-iam", "access-key", "AKIAROOT000000000009", "<root_account>", {
    isRoot: true,
    principalType: "unknown",
    createdAt: daysAgo(2000),
    lastUsed: null,
  });
  out.push(
    item(
      finding("root-access-key", root, "the root user has an active access key", { rootKey: root.nativeId }),
      "ticket",
      "root credentials are never revoked automatically",
      [{ type: "ticket", status: "done", detail: "SEC-4823 opened: remove the root access key", at: at(5) }],
    ),
  );
  const cognito = cred("aws-cognito", "cognito-sessions", "eu-west-1_Pool:frank", "frank", {
    account: ACCOUNT,
    createdAt: daysAgo(150),
    lastUsed: { at: daysAgo(80) },
  });
  out.push(
    item(
      finding("unused-credential", cognito, "cognito sessions of frank unused for 80 days", {
        unusedDays: 80,
      }),
      "notify",
      "hygiene: tell the owner",
      [{ type: "notify", status: "planned", detail: "tell the owner or the security channel" }],
    ),
  );
  const orphan = cred("aws-iam", "ssh-key", "APKAORPHAN0001", HOSTILE.plus, {
    principalType: "unknown",
    createdAt: daysAgo(30),
  });
  out.push(
    item(
      finding("unowned-credential", orphan, `ssh key APKAORPHAN0001 of ${HOSTILE.plus} has no owner`, {
        ownerTags: 0,
      }),
      "ignore",
      "no owner and no rule asks for action",
      [],
    ),
  );
  return out;
}

function sortItems(items: PlanItem[]): PlanItem[] {
  return items.sort(
    (a, b) =>
      severityRank(b.finding.severity) - severityRank(a.finding.severity) ||
      (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0),
  );
}

function assemble(
  items: PlanItem[],
  overrides: {
    brake?: ScanReport["plan"]["brake"];
    departures?: ScanReport["departures"];
    applied?: boolean;
  },
): ScanReport {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of items) counts[i.finding.severity] += 1;
  const applied = overrides.applied ?? true;
  return {
    version: 1,
    scanId: "20260601T120000000Z-4f2a9c1d",
    trigger: "schedule",
    startedAt: REPORT_NOW,
    finishedAt: at(7),
    status: "completed",
    applied,
    plan: {
      version: 1,
      mode: applied ? "enforce" : "report",
      generatedAt: REPORT_NOW,
      items: sortItems(items),
      brake: overrides.brake ?? { engaged: false, wouldRevoke: 6, limit: 25, credentialsSeen: 560 },
      counts,
    },
    departures: overrides.departures ?? {
      origin: "s3://hr-exports/departures.csv#v42",
      people: 4,
      rejected: false,
      errors: [{ line: 17, field: "departedAt", message: "not a date: 31/02/2026" }],
    },
    sources: [
      {
        source: "aws-iam",
        credentials: 312,
        problems: [],
        stats: { apiCalls: 41, reportAgeSeconds: 380 },
        notes: [],
      },
      {
        source: "google-workspace",
        credentials: 88,
        problems: [
          {
            source: "google-workspace",
            subject: "tokens.list henry@corp.example",
            message: "rate limited after 5 retries",
            errorName: "GaxiosError",
          },
        ],
        stats: { apiCalls: 120 },
        notes: ["OAuth grants of suspended users are listed once"],
      },
      { source: "okta", credentials: 120, problems: [], stats: { apiCalls: 14 }, notes: [] },
      { source: "github", credentials: 40, problems: [], stats: { apiCalls: 9 }, notes: [] },
    ],
    resolved: [
      {
        findingId: "f-0a1b2c3d4e5f60718293",
        ruleId: "unrotated-access-key",
        credentialId: `aws-iam:${ACCOUNT}:access-key:AKIAGONE000000000000`,
        severity: "medium",
        status: "resolved",
        firstSeen: daysAgo(30),
        lastSeen: daysAgo(1),
        changes: [],
        actions: [],
      },
    ],
    notifications: { enqueued: 14, sent: 13, failed: 0, pending: 1 },
    notes: [],
  };
}

/** An enforce run: revocations read back, an incident, tickets, hygiene, one failed revocation. */
export function scanReportFixture(): ScanReport {
  return assemble([...janeItems(), ...bobItems(), ...carolItems(), ...daveItems(), ...hygieneItems()], {});
}

/** A run the brake stopped: every revocation held, plus the brake's own finding. */
export function brakeReportFixture(): ScanReport {
  const held = [...janeItems(), ...bobItems()].map((i) =>
    i.decision.action === "revoke"
      ? {
          ...i,
          decision: {
            ...i.decision,
            action: "held-by-brake" as const,
            why: `held by the brake: ${i.decision.why}`,
          },
          actions: [
            ...i.actions.filter((a) => a.type === "incident"),
            { type: "revoke" as const, status: "skipped" as const, detail: "held by the revocation brake" },
          ],
        }
      : i,
  );
  const reason =
    "the run would revoke 5 credential(s), above the limit of 4 (max 25 per run, 1% of 560 seen): nothing was revoked";
  const brakeFinding = finding(
    "revocation-brake-engaged",
    undefined,
    reason,
    {
      wouldRevoke: 5,
      limit: 4,
      credentialsSeen: 560,
    },
    { title: "Revocation brake engaged" },
  );
  return assemble(
    [
      ...held,
      item(
        brakeFinding,
        "notify",
        "a run this large is more likely a bad departure list or config than real departures",
        [{ type: "notify", status: "done", detail: "message to #security-oncall", at: at(6) }],
      ),
      ...hygieneItems(),
    ],
    { brake: { engaged: true, wouldRevoke: 5, limit: 4, credentialsSeen: 560, reason } },
  );
}

/** A run whose departure list was rejected: nothing about departures, hygiene only. */
export function rejectedListReportFixture(): ScanReport {
  const reason = "the list names 41% of all identities (limit 5%): quarantined";
  const rejected = finding(
    "departure-list-rejected",
    undefined,
    reason,
    { origin: "s3://hr-exports/departures.csv#v43", errors: 0, firstError: null },
    { title: "Departure list rejected" },
  );
  return assemble(
    [item(rejected, "notify", "a rejected list drives nothing; a human looks at it", []), ...hygieneItems()],
    {
      departures: {
        origin: "s3://hr-exports/departures.csv#v43",
        people: 230,
        rejected: true,
        rejectionReason: reason,
        errors: [],
      },
      applied: false,
    },
  );
}

/** Every fixture, named, for tests that check all formats on all of them. */
export const ALL_REPORT_FIXTURES: ReadonlyArray<readonly [string, () => ScanReport]> = [
  ["enforced", scanReportFixture],
  ["brake", brakeReportFixture],
  ["rejected list", rejectedListReportFixture],
];
