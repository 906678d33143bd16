/**
 * The demo's story, as plain text: what was found and why, what was revoked and verified,
 * what went to a human, who was told (the Slack messages as the workspace received them), and
 * the proof. Written from the JSON report view, so the story and `report.json` agree.
 */
import type { PreflightCheck } from "../lambdas/core/ports/preflight.ts";
import type { JsonFinding, JsonReport } from "../lambdas/report/json.ts";
import type { FakeJiraIssue } from "../sandbox/providers/jira.ts";
import type { FakeSlackMessage } from "../sandbox/providers/slack.ts";
import { describeProbe, type ProbeResult } from "./probes.ts";

/** Styling for a terminal, or none for a file. */
export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
}

/** ANSI styling (a terminal without `NO_COLOR`), or identity. */
export function style(color: boolean): Style {
  const wrap = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap("1"), dim: wrap("2"), red: wrap("31"), green: wrap("32"), yellow: wrap("33") };
}

/** A labelled probe, before or after enforcement. */
export interface Probe {
  readonly label: string;
  readonly result: ProbeResult;
  /** What the probe should show at this point of the story. */
  readonly expect: "works" | "refused";
}

/** Everything the story is told from. */
export interface StoryInput {
  readonly company: {
    readonly name: string;
    readonly staff: number;
    readonly iamUsers: number;
    readonly serviceUsers: number;
    readonly poolUsers: string;
    readonly githubOrg: string;
    readonly departuresFile: string;
    readonly departed: number;
  };
  /** `iam-hygiene check` before the first scan: read-only, one check per outside world. */
  readonly preflight: readonly PreflightCheck[];
  readonly attack: Probe;
  readonly before: readonly Probe[];
  readonly report: JsonReport;
  readonly enforce: JsonReport;
  /** Messages sent by the report-mode run (plans and the security digest). */
  readonly slackAfterReport: number;
  /** Messages sent by the enforce run, shown in full. */
  readonly slack: readonly FakeSlackMessage[];
  /** Slack member id → a readable name. */
  readonly slackNames: ReadonlyMap<string, string>;
  readonly securityChannel: string;
  readonly tickets: readonly FakeJiraIssue[];
  readonly ticketHost: string;
  readonly after: readonly Probe[];
  readonly files: readonly string[];
  /** From the demo's start to the story. */
  readonly elapsedMs: number;
  /** From the process's start (TypeScript loading included). */
  readonly processMs: number;
}

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"] as const;
/** Longer lists are cut in the story; the HTML report has them all. */
const LIST_MAX = 10;

/** One finding per credential (the most severe comes first in the report). */
function distinctCredentials(findings: readonly JsonFinding[]): JsonFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.credentialId ?? f.id;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${Math.round(seconds % 60)} s`;
}

function credentialLabel(f: JsonFinding): string {
  if (!f.kind) return f.title;
  return `${f.source} ${f.kind} ${f.nativeId ?? ""} of ${f.principal ?? "?"}`.replace(/\s+/g, " ");
}

function who(f: JsonFinding): string {
  return f.person?.displayName ?? f.person?.email ?? f.principal ?? "?";
}

/** Slack mrkdwn to plain text: `<url|label>` becomes `label`, emphasis marks go. */
function plain(text: string): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2")
    .replace(/<([^>]+)>/g, "$1")
    .replace(/(^|\s)[*_~]+(\S)/g, "$1$2")
    .replace(/(\S)[*_~]+(?=\s|$|[.,:;])/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The text of Slack blocks as a reader sees them: title, summary, one line of fields, the lists. */
export function slackBlocksToText(message: FakeSlackMessage): string[] {
  const lines: string[] = [];
  const textOf = (value: unknown): string | undefined =>
    value && typeof value === "object" && "text" in value && typeof value.text === "string"
      ? plain(value.text).replace(/:[a-z_]+:\s*/g, "")
      : undefined;
  for (const block of message.blocks) {
    if (block.type === "divider") continue;
    const text = textOf(block.text);
    if (text !== undefined) {
      const [first, ...rest] = text.split("\n");
      lines.push(block.type === "header" ? `== ${first ?? ""} ==` : (first ?? ""));
      lines.push(...rest.map((line) => `  ${line}`));
    }
    const fields = ((block.fields as unknown[] | undefined) ?? [])
      .map((field) => textOf(field)?.replace("\n", ": "))
      .filter((f): f is string => f !== undefined && !/^(Account|Mode):/.test(f));
    if (fields.length > 0) lines.push(fields.join(" · "));
    const context = ((block.elements as unknown[] | undefined) ?? []).map(textOf).filter(Boolean);
    if (context.length > 0) lines.push(`(${context.join(" · ")})`);
  }
  if (lines.length === 0 && message.text) lines.push(...plain(message.text).split("\n"));
  return lines.filter((line) => line.trim() !== "");
}

/** Text of an Atlassian Document Format body, paragraph per line. */
export function adfToText(node: unknown): string[] {
  const lines: string[] = [];
  const walk = (n: unknown, line: string[]): void => {
    if (!n || typeof n !== "object") return;
    const obj = n as { type?: string; text?: string; content?: unknown[] };
    if (typeof obj.text === "string") line.push(obj.text);
    const block = obj.type === "paragraph" || obj.type === "heading" || obj.type === "listItem";
    if (block) {
      const inner: string[] = [];
      for (const c of obj.content ?? []) walk(c, inner);
      if (inner.length > 0) lines.push(inner.join(""));
      return;
    }
    for (const c of obj.content ?? []) walk(c, line);
  };
  walk(node, []);
  return lines;
}

function probeLine(s: Style, probe: Probe): string {
  const asExpected = probe.result.ok === (probe.expect === "works");
  const mark = asExpected ? s.green("✔") : s.red("✘ UNEXPECTED");
  return `  ${mark} ${probe.label}: ${describeProbe(probe.result)}`;
}

/** Tells the story; one string per line. */
export function tellStory(input: StoryInput, s: Style = style(false)): string[] {
  const out: string[] = [];
  const h = (title: string) => out.push("", s.bold(title), s.dim("─".repeat(Math.min(title.length, 100))));
  const { company, report, enforce } = input;

  out.push(s.bold(`iam-hygiene demo: ${company.name}`));
  out.push(
    `${company.staff} staff; ${company.iamUsers} IAM users (${company.serviceUsers} service users, 1 break-glass); ` +
      `a Cognito pool of ${company.poolUsers}; GitHub org ${company.githubOrg}.`,
  );
  out.push(
    `HR's departure list ${company.departuresFile}: ${company.departed} people left in the last 30 days.`,
  );
  out.push("Everything runs locally: the AWS sandbox, Slack, Jira and GitHub fakes on 127.0.0.1.");

  const passed = input.preflight.filter((c) => c.ok).length;
  const worlds = [...new Set(input.preflight.map((c) => c.name.split(":")[0]))].join(", ");
  out.push(
    `Setup checked first with \`iam-hygiene check\` (reads only): ${passed} of ${input.preflight.length} checks passed (${worlds}).`,
  );
  for (const c of input.preflight.filter((check) => !check.ok))
    out.push(`  ${s.red("FAIL")} ${c.name}: ${c.detail}`);

  h("0. Before: someone is still using a departed engineer's key");
  out.push(probeLine(s, input.attack));
  for (const probe of input.before) out.push(probeLine(s, probe));

  h(`1. Report mode: the scan changes nothing and explains everything (${report.findings.length} findings)`);
  const counts = SEVERITY_ORDER.map((sev) => `${report.counts[sev]} ${sev}`).join(", ");
  out.push(
    `  ${counts}; ${report.totals.credentials} credentials seen across ${report.sources.map((x) => x.source).join(", ")}.`,
  );
  const departureFindings = report.findings.filter((f) => f.person !== null);
  const byPerson = new Map<string, JsonFinding[]>();
  for (const f of departureFindings) {
    const key = who(f);
    byPerson.set(key, [...(byPerson.get(key) ?? []), f]);
  }
  for (const [name, findings] of byPerson) {
    const first = findings[0]!;
    out.push("", `  ${s.bold(name)} (left ${first.person!.departedAt.slice(0, 10)})`);
    for (const f of findings) {
      const sev =
        f.severity === "critical"
          ? s.red(f.severity)
          : f.severity === "high"
            ? s.yellow(f.severity)
            : f.severity;
      out.push(`    [${sev}] ${f.title}: ${credentialLabel(f)}`);
      out.push(`      why: ${f.summary}`);
      if (f.match) out.push(`      owner: ${f.match.evidence} (${f.match.strength} match)`);
      const ip = f.evidence.lastUsedIp ?? f.evidence.sourceIps ?? f.evidence.ips;
      if (f.rule === "used-after-departure" && ip) out.push(`      evidence: last used from ${String(ip)}`);
      out.push(`      plan: ${f.decision.action}: ${f.decision.why}`);
    }
  }
  const noDeparture = report.findings.filter((f) => f.person === null && f.credentialId !== null);
  const hygiene = noDeparture.filter((f) => f.outcome !== "ignored");
  if (noDeparture.length > 0) {
    const ignored = noDeparture.length - hygiene.length;
    out.push(
      "",
      `  Hygiene (no departure involved): ${hygiene.length}${ignored > 0 ? ` (and ${ignored} ignored by the config's rules.actions)` : ""}`,
    );
    for (const f of hygiene.slice(0, LIST_MAX)) {
      out.push(`    [${f.severity}] ${f.title}: ${credentialLabel(f)} -> ${f.decision.action}`);
    }
    if (hygiene.length > LIST_MAX) out.push(`    … ${hygiene.length - LIST_MAX} more in report.html`);
  }

  h("2. Enforce mode (--apply): revoke what is safe, verify it, ticket the rest");
  const revoked = enforce.findings
    .filter((f) => f.outcome === "revoked")
    .sort(
      (a, b) => who(a).localeCompare(who(b)) || (a.credentialId ?? "").localeCompare(b.credentialId ?? ""),
    );
  const seen = new Set<string>();
  out.push(`  Revoked and verified (${enforce.totals.revoked}):`);
  for (const f of revoked) {
    if (seen.has(f.credentialId ?? f.id)) continue;
    seen.add(f.credentialId ?? f.id);
    const steps = f.actions.filter((a) => a.type === "revoke" || a.type === "verify");
    out.push(`    ${s.green("✔")} ${credentialLabel(f)} (${who(f)})`);
    for (const a of steps) out.push(`        ${a.type} ${a.status}: ${a.detail}`);
  }
  const failed = enforce.findings.filter((f) => f.outcome === "revoke-failed");
  for (const f of failed) out.push(`    ${s.red("✘")} ${credentialLabel(f)}: revocation failed`);
  const ticketed = distinctCredentials(enforce.findings.filter((f) => f.outcome === "ticketed"));
  out.push(`  Ticketed for a human (${ticketed.length}):`);
  for (const f of ticketed.slice(0, LIST_MAX)) out.push(`    → ${credentialLabel(f)}: ${f.decision.why}`);
  if (ticketed.length > LIST_MAX) out.push(`    … ${ticketed.length - LIST_MAX} more in report.html`);
  const untouched = distinctCredentials(
    enforce.findings.filter((f) => f.outcome === "protected" || f.outcome === "excepted"),
  );
  if (untouched.length > 0) {
    out.push("  Never touched:");
    for (const f of untouched) out.push(`    ■ ${credentialLabel(f)}: ${f.decision.why}`);
  }
  const b = enforce.brake;
  out.push(
    `  Brake: ${b.wouldRevoke} revocation(s) against a limit of ${b.limit} for ${b.credentialsSeen} credentials seen: ${b.engaged ? s.red("ENGAGED, nothing revoked") : "not engaged"}.`,
  );
  out.push(
    "",
    "  From departure to verified revocation (the list is back-dated: this is how long access outlived each person):",
  );
  for (const p of enforce.people) {
    const name = p.displayName ?? p.email ?? p.key;
    const findings = enforce.findings.filter((f) => p.findingIds.includes(f.id));
    const allProtected = findings.length > 0 && findings.every((f) => f.outcome === "protected");
    const state = allProtected
      ? `protected by configuration: never touched (${findings[0]?.principal ?? "?"})`
      : p.secondsToRevoke !== null
        ? `${duration(p.secondsToRevoke)} (${p.credentials.revoked} revoked${p.credentials.ticketed ? `, ${p.credentials.ticketed} ticketed` : ""})`
        : p.credentials.total === 0
          ? "nothing left to revoke"
          : `not revoked: ${p.credentials.ticketed} ticketed, ${p.credentials.open} open, ${p.credentials.held} held`;
    out.push(`    ${name.padEnd(18)} ${state}${p.usedAfterDeparture ? s.red("  used after departure") : ""}`);
  }

  h(
    `3. Who was told: ${input.slack.length} Slack message(s) and ${input.tickets.length} ticket(s) from the enforce run`,
  );
  out.push(`  (the report-mode run had already sent ${input.slackAfterReport} message(s) about the plan)`);
  for (const message of input.slack) {
    const to =
      message.channel === input.securityChannel
        ? `#security (${message.channel})`
        : message.channel.startsWith("D")
          ? `DM to ${input.slackNames.get(message.channel.slice(1)) ?? message.channel}`
          : message.channel;
    out.push("", `  ${s.bold(`→ ${to}`)}`);
    const lines = slackBlocksToText(message);
    for (const line of lines.slice(0, 14)) out.push(`    │ ${line}`);
    if (lines.length > 14) out.push(`    │ … ${lines.length - 14} more line(s)`);
  }
  if (input.tickets.length > 0) out.push("", `  Tickets in Jira (${input.ticketHost}):`);
  for (const issue of input.tickets) {
    out.push(`    ${s.bold(issue.key)} [${issue.status}] ${issue.summary}`);
    for (const line of adfToText(issue.description).slice(0, 4)) out.push(`      ${line}`);
  }

  h("4. Proof");
  for (const probe of input.after) out.push(probeLine(s, probe));

  out.push("");
  for (const file of input.files) out.push(`Wrote ${file}`);
  out.push(
    `Done in ${(input.elapsedMs / 1000).toFixed(1)} s (${(input.processMs / 1000).toFixed(1)} s since the process started).`,
  );
  return out;
}
