/**
 * B3's measured process: generates `credentials` credentials and `departures` people, then
 * times `IdentityIndex` + `evaluateCredentials` and reports memory. Run by `matching.ts` in a
 * fresh Node.js process so the memory figures are this work's alone; prints one JSON line.
 *
 *   node --import tsx bench/matching-worker.ts <credentials> <departures>
 */
import { performance } from "node:perf_hooks";
import { parseConfig } from "../lambdas/config.ts";
import { evaluateCredentials } from "../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../lambdas/core/identity.ts";
import type { Credential, Person } from "../lambdas/core/model.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;

/** Memory at one point, in MiB. */
interface MemorySample {
  readonly at: string;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
}

const mib = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 10) / 10;

function sample(at: string): MemorySample {
  const m = process.memoryUsage();
  return { at, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
}

/**
 * People on the departure list: `departures` of a staff of `staff`. Credentials point at staff
 * members; those whose owner index is below `departures` belong to someone who left.
 */
function people(departures: number): Person[] {
  const out: Person[] = [];
  for (let i = 0; i < departures; i++) {
    out.push({
      employeeId: `E${i}`,
      emails: [`person${i}@corp.example`],
      aliases: [],
      displayName: `First${i} Last${i}`,
      departedAt: new Date(NOW.getTime() - (i % 90) * DAY),
      managerEmail: `manager${i % 500}@corp.example`,
    });
  }
  return out;
}

/**
 * A mix of what sources produce: a third carry an employee id tag, a third an owner email, a
 * third only a user name (the email local part). Staff is ten times the departure list.
 */
function credentials(count: number, staff: number): Credential[] {
  const out: Credential[] = [];
  for (let i = 0; i < count; i++) {
    const owner = (i * 7919) % staff;
    const how = i % 3;
    const name = `person${owner}`;
    const kinds = ["access-key", "console-password", "ssh-key"] as const;
    const kind = kinds[i % kinds.length]!;
    out.push({
      id: `aws-iam:123456789012:${kind}:${i.toString(36).padStart(8, "0")}`,
      source: "aws-iam",
      kind,
      nativeId: `AKIA${i.toString(36).toUpperCase().padStart(16, "0")}`,
      account: "123456789012",
      principal: name,
      principalType: "human",
      ownerHints: {
        employeeIds: how === 0 ? [`E${owner}`] : [],
        emails: how === 1 ? [`${name}@corp.example`] : [],
        usernames: [],
        tags: how === 0 ? { "employee-id": `E${owner}` } : how === 1 ? { email: `${name}@corp.example` } : {},
      },
      createdAt: new Date(NOW.getTime() - (10 + (i % 80)) * DAY),
      lastUsed: { at: new Date(NOW.getTime() - (1 + (i % 30)) * DAY), service: "s3" },
      active: true,
      mfaEnabled: true,
      observedAt: NOW,
    });
  }
  return out;
}

/** Runs the measurement and returns the figures. */
export function measureMatching(credentialCount: number, departureCount: number) {
  const samples: MemorySample[] = [sample("start")];
  const config = parseConfig({});
  const list = people(departureCount);
  const creds = credentials(credentialCount, departureCount * 10);
  globalThis.gc?.();
  samples.push(sample("inputs generated"));

  const t0 = performance.now();
  const index = new IdentityIndex(list, {
    domainAliases: config.ownership.domainAliases,
    usernameConventions: config.ownership.usernameConventions,
  });
  const t1 = performance.now();
  samples.push(sample("index built"));
  const findings = evaluateCredentials(creds, index, config.rules, NOW);
  const t2 = performance.now();
  samples.push(sample("evaluated"));

  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const matched = findings.filter((f) => f.match !== undefined).length;
  return {
    credentials: creds.length,
    departures: list.length,
    indexMs: t1 - t0,
    evaluateMs: t2 - t1,
    totalMs: t2 - t0,
    findings: findings.length,
    matchedFindings: matched,
    byRule,
    samples,
    /** Peak resident set of the whole process (inputs included), from the OS. */
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    peakHeapUsedMiB: Math.max(...samples.map((s) => s.heapUsedMiB)),
    maxOldSpaceSizeMiB: Number(/--max-old-space-size=(\d+)/.exec(process.execArgv.join(" "))?.[1] ?? 0),
  };
}

const [countArg, departuresArg] = process.argv.slice(2);
if (countArg !== undefined && departuresArg !== undefined) {
  console.log(JSON.stringify(measureMatching(Number(countArg), Number(departuresArg))));
}
