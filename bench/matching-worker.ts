/**
 * B3's measured process: builds an `IdentityIndex` of `departures` people, then runs
 * `evaluateCredentials` (the function the scan calls) over `credentials` credentials one page at
 * a time, as a source hands them over, and reports times and memory. Run by `matching.ts` in a
 * fresh Node.js process so the memory figures are this work's alone; prints one JSON line.
 *
 *   node --import tsx bench/matching-worker.ts <credentials> <departures> [--page-size 100] [--keep-findings]
 *
 * By default each page's findings are counted (per rule, and how many carry a match) and then
 * dropped with the page, so the process holds the departure list, the index and one page. With
 * `--keep-findings` every finding is kept to the end, as the scan keeps them for its plan (and
 * with them the credentials they point at).
 */
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseConfig } from "../lambdas/config.ts";
import { evaluateCredentials } from "../lambdas/core/evaluate.ts";
import { IdentityIndex } from "../lambdas/core/identity.ts";
import type { Credential, Finding, Person } from "../lambdas/core/model.ts";
import { rules } from "../lambdas/core/rules/index.ts";

/** The instant B3's departures and credentials are dated against. */
export const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
/**
 * Credentials per page: GitHub's page (the Okta source asks for 200, Cognito gives at most 60,
 * the IAM source asks for 1,000). The size matters to the figure: with pages of 1,000 a page
 * lives long enough to be promoted out of V8's young generation, and the time was about twice
 * as long on this machine (`--page-size` to try).
 */
const DEFAULT_PAGE_SIZE = 100;

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
export function people(departures: number): Person[] {
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

const KINDS = ["access-key", "console-password", "ssh-key"] as const;

/**
 * Credential `i` of a mix of what sources produce: a third carry an employee id tag, a third an
 * owner email, a third only a user name (the email local part). Staff is ten times the list.
 */
export function credential(i: number, staff: number): Credential {
  const owner = (i * 7919) % staff;
  const how = i % 3;
  const name = `person${owner}`;
  const kind = KINDS[i % KINDS.length]!;
  return {
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
  };
}

/** Credentials `from` to `to` (exclusive): one page, made when the source would hand it over. */
function page(from: number, to: number, staff: number): Credential[] {
  const out: Credential[] = [];
  for (let i = from; i < to; i++) out.push(credential(i, staff));
  return out;
}

/** How B3's process runs. */
export interface MatchingOptions {
  /** @default 100 */
  readonly pageSize?: number;
  /** Keep every finding to the end instead of counting and dropping each page's. @default false */
  readonly keepFindings?: boolean;
}

/** Runs the measurement and returns the figures. */
export function measureMatching(
  credentialCount: number,
  departureCount: number,
  options: MatchingOptions = {},
) {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const keepFindings = options.keepFindings ?? false;
  const samples: MemorySample[] = [sample("start")];
  const config = parseConfig({});
  const list = people(departureCount);
  const staff = departureCount * 10;
  globalThis.gc?.();
  samples.push(sample("departures generated"));

  const t0 = performance.now();
  const index = new IdentityIndex(list, {
    domainAliases: config.ownership.domainAliases,
    usernameConventions: config.ownership.usernameConventions,
  });
  const t1 = performance.now();
  samples.push(sample("index built"));

  // Only `evaluateCredentials` is timed: making a page is the source's work, counting the bench's.
  const kept: Finding[] = [];
  const counts = new Map<string, number>();
  let findings = 0;
  let matchedFindings = 0;
  let evaluateMs = 0;
  let generateMs = 0;
  let peakHeapUsedMiB = 0;
  for (let from = 0, pages = 0; from < credentialCount; from += pageSize, pages++) {
    const g0 = performance.now();
    const credentials = page(from, Math.min(from + pageSize, credentialCount), staff);
    const e0 = performance.now();
    const pageFindings = evaluateCredentials(credentials, index, config.rules, NOW);
    const e1 = performance.now();
    generateMs += e0 - g0;
    evaluateMs += e1 - e0;
    for (const finding of pageFindings) {
      counts.set(finding.ruleId, (counts.get(finding.ruleId) ?? 0) + 1);
      if (finding.match) matchedFindings++;
      if (keepFindings) kept.push(finding);
    }
    findings += pageFindings.length;
    if (pages % 100 === 0) peakHeapUsedMiB = Math.max(peakHeapUsedMiB, sample("").heapUsedMiB);
  }
  samples.push(sample("evaluated"));

  // Findings per rule, in the order the rules run.
  const byRule = Object.fromEntries(
    rules.filter((rule) => counts.has(rule.id)).map((rule) => [rule.id, counts.get(rule.id)!]),
  );
  return {
    credentials: credentialCount,
    departures: list.length,
    pageSize,
    keptFindings: keepFindings ? kept.length : 0,
    indexMs: t1 - t0,
    evaluateMs,
    totalMs: t1 - t0 + evaluateMs,
    /** Making the credential pages, not part of `totalMs`. */
    generateMs,
    findings,
    matchedFindings,
    byRule,
    samples,
    /** Peak resident set of the whole process (inputs included), from the OS. */
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    /** The largest heap seen between phases and every 100 pages. */
    peakHeapUsedMiB: Math.max(peakHeapUsedMiB, ...samples.map((s) => s.heapUsedMiB)),
    maxOldSpaceSizeMiB: Number(/--max-old-space-size=(\d+)/.exec(process.execArgv.join(" "))?.[1] ?? 0),
  };
}

/** Runs `measureMatching` with the command line's arguments and prints its figures. */
function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { "page-size": { type: "string" }, "keep-findings": { type: "boolean" } },
  });
  const [count, departures] = positionals.map(Number);
  if (count === undefined || departures === undefined) throw new Error("usage: <credentials> <departures>");
  const figures = measureMatching(count, departures, {
    ...(values["page-size"] !== undefined ? { pageSize: Number(values["page-size"]) } : {}),
    keepFindings: values["keep-findings"] === true,
  });
  console.log(JSON.stringify(figures));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
