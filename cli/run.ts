/**
 * One scan through the composition root, exactly as the Lambdas run it: `createRuntime`,
 * `scanDependencies`, `runScan`. The `scan` command and the demo both come through here, so
 * what the demo shows is what a real scan does.
 */
import type { Config } from "../lambdas/config.ts";
import { SEVERITIES, type Severity, type SourceId, severityRank } from "../lambdas/core/model.ts";
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

/**
 * The exit code of a finished scan, most serious first: a rejected departure list (2: the input
 * is wrong, nothing departure-driven happened), a source that could not be scanned at all (1),
 * the brake (4), findings at or above `failOn` (3), else 0.
 */
export function verdict(report: ScanReport, failOn: Severity): ScanVerdict {
  if (report.status === "busy") {
    return { code: EXIT.runtimeError, reasons: ["another scan holds the lease: this one did nothing"] };
  }
  if (report.departures.rejected) {
    const { origin, rejectionReason, errors } = report.departures;
    const first = errors[0];
    // The reason usually quotes the first error already; if not, it is added with its line.
    const where =
      first && !rejectionReason?.includes(first.message)
        ? ` (line ${first.line}${first.field ? `, field ${first.field}` : ""}: ${first.message})`
        : "";
    // Which list: an unreadable list's reason names its source already.
    const which = origin === UNREADABLE_LIST_ORIGIN ? "" : ` ${origin}`;
    return {
      code: EXIT.invalidInput,
      reasons: [
        `departure list${which} rejected: ${rejectionReason ?? "invalid"}${where}; no departure drove any action`,
      ],
    };
  }
  // What the findings alone would say: kept in the reasons when a runtime error takes the exit
  // code, so an incident is never hidden behind a failed source or a failed revocation.
  const threshold = severityRank(failOn);
  const over = report.plan.items.filter(
    (i) => !RUN_RULES.has(i.finding.ruleId) && severityRank(i.finding.severity) >= threshold,
  );
  const findingsReason =
    over.length > 0
      ? `findings at or above ${failOn}: ${SEVERITIES.filter((s) => severityRank(s) >= threshold)
          .map((s) => [s, over.filter((i) => i.finding.severity === s).length] as const)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${s}`)
          .join(", ")}`
      : undefined;
  const withFindings = (reasons: string[]): string[] =>
    findingsReason ? [...reasons, findingsReason] : reasons;

  const failed = report.sources.filter((s) => s.problems.some((p) => p.subject === "source"));
  if (failed.length > 0) {
    return {
      code: EXIT.runtimeError,
      reasons: withFindings(
        failed.map((s) => {
          const problem = s.problems.find((p) => p.subject === "source");
          return `source ${s.source} could not be scanned: ${problem?.message ?? "unknown error"}`;
        }),
      ),
    };
  }
  if (report.plan.brake.engaged) {
    return { code: EXIT.brake, reasons: [`revocation brake: ${report.plan.brake.reason ?? "engaged"}`] };
  }
  // An applied revocation that failed (or whose read-back failed) leaves a credential live that
  // the plan said must die: a runtime error, whatever the findings' severity.
  const notRevoked = report.plan.items.filter(
    (i) =>
      i.decision.action === "revoke" &&
      i.actions.some((a) => (a.type === "revoke" || a.type === "verify") && a.status === "failed"),
  );
  if (notRevoked.length > 0) {
    const names = notRevoked
      .slice(0, 5)
      .map(
        (i) =>
          `${i.finding.credential?.kind ?? "credential"} ${i.finding.credential?.nativeId ?? i.finding.id}`,
      );
    const more = notRevoked.length > names.length ? ` and ${notRevoked.length - names.length} more` : "";
    return {
      code: EXIT.runtimeError,
      reasons: withFindings([
        `${notRevoked.length} revocation(s) failed or could not be verified: ${names.join(", ")}${more}`,
      ]),
    };
  }
  if (findingsReason) return { code: EXIT.findings, reasons: [findingsReason] };
  return { code: EXIT.ok, reasons: [] };
}
