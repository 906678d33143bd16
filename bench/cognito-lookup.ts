/**
 * Targeted Cognito lookup versus a full pool enumeration, side by side in one run.
 *
 *   npx tsx bench/cognito-lookup.ts [--users 1000000 --departures 1000]
 *
 * Seeds a pool of `users` generated customers in the local sandbox, draws `departures` people
 * (a tenth of them not in the pool), then finds them twice: with `AwsCognitoSource.discover`
 * (one `ListUsers` filter per person) and by paging through the whole pool 60 users at a time,
 * as a scanner without filters would. Both sides run without a rate limit so wall time is the
 * work itself; the projected time at iam-hygiene's default 10 requests/second shows what a
 * rate limit that spares the account's Cognito quota makes of each.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { parseConfig } from "../lambdas/config.ts";
import type { Person } from "../lambdas/core/model.ts";
import { AwsCognitoSource } from "../lambdas/sources/aws-cognito/index.ts";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, startSandbox } from "../sandbox/index.ts";

const POOL_ID = "us-east-1_BenchPool1";
const DOMAIN = "customer.example";
/** iam-hygiene's default `requestsPerSecond`, for the projected times. */
const DEFAULT_RPS = 10;

/** What `runCognitoBench` measures. */
export interface CognitoBenchOptions {
  /** Generated users in the pool. */
  readonly users: number;
  /** Departed people to look up; a tenth (rounded down) are not in the pool. */
  readonly departures: number;
}

/** One side of the comparison. */
export interface CognitoBenchSide {
  /** Cognito requests the sandbox received. */
  readonly calls: number;
  readonly listUsersCalls: number;
  readonly wallMs: number;
  /** Departed people found in the pool. */
  readonly found: number;
  /** Seconds the calls would take at the default 10 requests/second. */
  readonly projectedSecondsAtDefaultRps: number;
}

/** The figures of one run. */
export interface CognitoBenchFigures {
  readonly users: number;
  readonly departures: number;
  /** Departures that are in the pool. */
  readonly inPool: number;
  readonly targeted: CognitoBenchSide;
  readonly enumeration: CognitoBenchSide;
  /** enumeration calls / targeted calls. */
  readonly callsRatio: number;
  /** enumeration wall time / targeted wall time. */
  readonly wallRatio: number;
  /** Targeted ListUsers calls per departure per filtered attribute (one attribute: email). */
  readonly callsPerDeparturePerAttribute: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly os: string;
  };
}

/** Deterministic, distinct pool indices, so two runs look the same people up. */
function pickIndices(count: number, users: number): number[] {
  const picked = new Set<number>();
  let state = 0x9e3779b9;
  while (picked.size < Math.min(count, users)) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    picked.add(state % users);
  }
  return [...picked];
}

function cognitoCalls(calls: Record<string, number>): { total: number; listUsers: number } {
  let total = 0;
  for (const [key, n] of Object.entries(calls)) if (key.startsWith("cognito-idp:")) total += n;
  return { total, listUsers: calls["cognito-idp:ListUsers"] ?? 0 };
}

/** Runs both lookups against a fresh sandbox and returns the figures. */
export async function runCognitoBench(options: CognitoBenchOptions): Promise<CognitoBenchFigures> {
  const { users, departures } = options;
  const sb = await startSandbox({
    scenario: {
      cognito: {
        pools: [
          {
            id: POOL_ID,
            name: "customers",
            clients: [{ name: "shop" }],
            generated: { count: users, prefix: "customer", emailDomain: DOMAIN },
          },
        ],
      },
    },
  });
  const clientConfig = {
    endpoint: sb.endpoint,
    region: sb.region,
    credentials: { accessKeyId: DEFAULT_ACCESS_KEY_ID, secretAccessKey: DEFAULT_SECRET_ACCESS_KEY },
    retryMode: "adaptive",
    maxAttempts: 3,
  };
  const client = new CognitoIdentityProviderClient(clientConfig);
  try {
    const outside = Math.floor(departures / 10);
    const inPool = pickIndices(departures - outside, users);
    const emails = [
      ...inPool.map((i) => `customer-${String(i).padStart(6, "0")}@${DOMAIN}`),
      ...Array.from({ length: outside }, (_, i) => `former-${i}@corp.example`),
    ];
    const people: Person[] = emails.map((email) => ({
      emails: [email],
      aliases: [],
      departedAt: new Date("2026-05-01T00:00:00Z"),
    }));

    // Targeted: the source itself, its rate limit lifted so wall time is the work.
    const base = parseConfig({
      sources: {
        "aws-cognito": { concurrency: 8, pools: [{ userPoolId: POOL_ID, matchAttributes: ["email"] }] },
      },
    }).sources["aws-cognito"];
    const source = new AwsCognitoSource({
      cognito: () => client,
      config: { ...base, requestsPerSecond: Number.MAX_SAFE_INTEGER },
    });
    sb.resetCalls();
    let started = performance.now();
    const discovery = await source.discover({
      now: new Date(),
      people,
      resolver: { resolve: () => undefined },
    });
    const targetedMs = performance.now() - started;
    const targetedCalls = cognitoCalls(sb.calls());

    // Enumeration: every page of 60, comparing each user's email with the departure list.
    const wanted = new Set(emails);
    let enumerationFound = 0;
    sb.resetCalls();
    started = performance.now();
    let PaginationToken: string | undefined;
    do {
      const page = await client.send(
        new ListUsersCommand({ UserPoolId: POOL_ID, Limit: 60, PaginationToken }),
      );
      for (const user of page.Users ?? []) {
        const email = user.Attributes?.find((a) => a.Name === "email")?.Value;
        if (email !== undefined && wanted.has(email)) enumerationFound++;
      }
      PaginationToken = page.PaginationToken;
    } while (PaginationToken);
    const enumerationMs = performance.now() - started;
    const enumerationCalls = cognitoCalls(sb.calls());

    const targeted: CognitoBenchSide = {
      calls: targetedCalls.total,
      listUsersCalls: targetedCalls.listUsers,
      wallMs: targetedMs,
      found: discovery.credentials.length,
      projectedSecondsAtDefaultRps: targetedCalls.total / DEFAULT_RPS,
    };
    const enumeration: CognitoBenchSide = {
      calls: enumerationCalls.total,
      listUsersCalls: enumerationCalls.listUsers,
      wallMs: enumerationMs,
      found: enumerationFound,
      projectedSecondsAtDefaultRps: enumerationCalls.total / DEFAULT_RPS,
    };
    const cpu = os.cpus()[0];
    return {
      users,
      departures,
      inPool: inPool.length,
      targeted,
      enumeration,
      callsRatio: enumeration.calls / Math.max(1, targeted.calls),
      wallRatio: enumeration.wallMs / Math.max(0.001, targeted.wallMs),
      callsPerDeparturePerAttribute: targeted.listUsersCalls / Math.max(1, departures),
      machine: {
        cpu: cpu?.model.trim() ?? "unknown",
        cores: os.cpus().length,
        node: process.version,
        os: `${os.platform()} ${os.release()}`,
      },
    };
  } finally {
    client.destroy();
    await sb.close();
  }
}

/** The figures as a markdown table. */
export function formatCognitoBench(f: CognitoBenchFigures): string {
  const n = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 2 });
  const row = (name: string, side: CognitoBenchSide) =>
    `| ${name} | ${n(side.calls)} | ${n(side.listUsersCalls)} | ${n(side.wallMs)} | ${n(side.projectedSecondsAtDefaultRps)} | ${n(side.found)} |`;
  return [
    `### Cognito lookup: ${n(f.departures)} departures (${n(f.inPool)} in the pool) in a ${n(f.users)}-user pool`,
    "",
    `| approach | Cognito calls | ListUsers calls | wall ms (no rate limit) | s at ${DEFAULT_RPS} req/s | found |`,
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    row("targeted lookup (one filter per person)", f.targeted),
    row("full enumeration (Limit 60)", f.enumeration),
    "",
    `- calls ratio (enumeration / targeted): **${n(f.callsRatio)}x**`,
    `- wall time ratio (enumeration / targeted): **${n(f.wallRatio)}x**`,
    `- targeted ListUsers calls per departure per filtered attribute: **${n(f.callsPerDeparturePerAttribute)}**`,
    `- machine: ${f.machine.cpu}, ${f.machine.cores} cores, Node ${f.machine.node}, ${f.machine.os}`,
  ].join("\n");
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name} must be a positive integer`);
  return value;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runCognitoBench({
    users: argument("users", 1_000_000),
    departures: argument("departures", 1_000),
  });
  console.log(formatCognitoBench(figures));
}
