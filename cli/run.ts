/**
 * One scan through the composition root, exactly as the Lambdas run it: `createRuntime`,
 * `scanDependencies`, `runScan`. The `scan` command and the demo both come through here, so
 * what the demo shows is what a real scan does.
 */
import type { Config } from "../lambdas/config.ts";
import { SEVERITIES, type Severity, type SourceId, severityRank } from "../lambdas/core/model.ts";
import type { PlanItem } from "../lambdas/core/plan-types.ts";
import { runScan, type ScanDependencies, type ScanReport, UNREADABLE_LIST_ORIGIN } from "../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../lambdas/wiring.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

/** What a command-line scan runs with. */
export interface ConfiguredScan {
  readonly config: Config;
  /** The config file, so relative paths in it resolve next to it. */
  readonly configPath?: string;
  /** Environment for secrets (`{ env: "SLACK_TOKEN" }`); the AWS SDK reads `process.env` itself. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly apply: boolean;
  readonly only?: readonly SourceId[];
  readonly progress?: ScanDependencies["progress"];
  /** Who started it, for the audit trail. @default "cli" */
  readonly trigger?: string;
}

/** Builds the runtime from the config and runs one scan. */
export async function runConfiguredScan(scan: ConfiguredScan): Promise<ScanReport> {
  const runtime = createRuntime({
    config: scan.config,
    env: scan.env,
    ...(scan.configPath ? { configPath: scan.configPath } : {}),
  });
  const deps = await scanDependencies(runtime, scan.progress ? { progress: scan.progress } : {});
  return runScan(deps, {
    apply: scan.apply,
    trigger: scan.trigger ?? "cli",
    ...(scan.only ? { only: scan.only } : {}),
  });
}

/** The exit code a report earns, with one line per reason. */
export interface ScanVerdict {
  readonly code: ExitCode;
  readonly reasons: readonly string[];
}

const RUN_RULES = new Set(["departure-list-rejected", "revocation-brake-engaged", "source-error"]);

/** The first plan item per credential among those matching: a credential is named once. */
function byCredential(items: readonly PlanItem[], predicate: (item: PlanItem) => boolean): PlanItem[] {
  const seen = new Map<string, PlanItem>();
  for (const item of items) {
    const id = item.finding.credential?.id ?? item.finding.id;
    if (predicate(item) && !seen.has(id)) seen.set(id, item);
  }
  return [...seen.values()];
}

/** "access-key AKIA1, console-password jane and 3 more": at most five names. */
function credentialNames(items: readonly PlanItem[]): string {
  const names = items
    .slice(0, 5)
    .map(
      (i) =>
        `${i.finding.credential?.kind ?? "credential"} ${i.finding.credential?.nativeId ?? i.finding.id}`,
    );
  const more = items.length > names.length ? ` and ${items.length - names.length} more` : "";
  return `${names.join(", ")}${more}`;
}

function rejectionReason(report: ScanReport): string {
  const { origin, rejectionReason, errors } = report.departures;
  const first = errors[0];
  // The reason usually quotes the first error already; if not, it is added with its line.
  const where =
    first && !rejectionReason?.includes(first.message)
      ? ` (line ${first.line}${first.field ? `, field ${first.field}` : ""}: ${first.message})`
      : "";
  // Which list: an unreadable list's reason names its source already.
  const which = origin === UNREADABLE_LIST_ORIGIN ? "" : ` ${origin}`;
  return `departure list${which} rejected: ${rejectionReason ?? "invalid"}${where}; nothing was revoked`;
}

/**
 * The exit code of a finished scan, most serious first: an applied revocation that failed or could
 * not be verified (1: a credential that must die may still work), a rejected departure list (2:
 * the input is wrong, and the scan revoked nothing), a source that could not be scanned at all
 * (1), the brake (4), findings at or above `failOn` (3), else 0. Every reason that applies is
 * named, the one that set the code first, so an incident or a failed revocation is never hidden
 * behind another code. Counts and names are per credential, as in the report's totals.
 */
export function verdict(report: ScanReport, failOn: Severity): ScanVerdict {
  if (report.status === "busy") {
    return { code: EXIT.runtimeError, reasons: ["another scan holds the lease: this one did nothing"] };
  }
  const items = report.plan.items;
  const found: { code?: ExitCode; reason: string }[] = [];

  // An applied revocation that failed (or whose read-back failed) leaves a credential live that
  // the plan said must die: a runtime error, whatever the findings' severity or the list.
  const notRevoked = byCredential(
    items,
    (i) =>
      i.decision.action === "revoke" &&
      i.actions.some((a) => (a.type === "revoke" || a.type === "verify") && a.status === "failed"),
  );
  if (notRevoked.length > 0) {
    found.push({
      code: EXIT.runtimeError,
      reason: `${notRevoked.length} revocation(s) failed or could not be verified: ${credentialNames(notRevoked)}`,
    });
  }

  if (report.departures.rejected) {
    // The scan revokes nothing when its list is rejected (bad input changes nothing).
    found.push({ code: EXIT.invalidInput, reason: rejectionReason(report) });
  }

  for (const s of report.sources) {
    const problem = s.problems.find((p) => p.subject === "source");
    if (problem) {
      found.push({
        code: EXIT.runtimeError,
        reason: `source ${s.source} could not be scanned: ${problem.message || "unknown error"}`,
      });
    }
  }

  if (report.plan.brake.engaged) {
    found.push({ code: EXIT.brake, reason: `revocation brake: ${report.plan.brake.reason ?? "engaged"}` });
  }

  const threshold = severityRank(failOn);
  const over = items.filter(
    (i) => !RUN_RULES.has(i.finding.ruleId) && severityRank(i.finding.severity) >= threshold,
  );
  if (over.length > 0) {
    found.push({
      code: EXIT.findings,
      reason: `findings at or above ${failOn}: ${SEVERITIES.filter((s) => severityRank(s) >= threshold)
        .map((s) => [s, over.filter((i) => i.finding.severity === s).length] as const)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ")}`,
    });
  }

  const code = found.find((f) => f.code !== undefined)?.code ?? EXIT.ok;
  return { code, reasons: found.map((f) => f.reason) };
}
