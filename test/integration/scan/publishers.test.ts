/**
 * A finished scan is published where the config says: ASFF findings to Security Hub, and the
 * JSON and HTML reports to an S3 bucket; a publisher that fails is a note, not a failed scan.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { runScan } from "../../../lambdas/scan.ts";
import { createRuntime, scanDependencies } from "../../../lambdas/wiring.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
let sb: Sandbox;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({
    scenario: {
      now: NOW.toISOString(),
      iam: {
        users: [
          {
            userName: "legacy-etl",
            createdAt: "2025-01-01T00:00:00Z",
            accessKeys: [{ createdAt: "2025-01-01T00:00:00Z" }],
          },
        ],
        rootAccessKeys: [{ createdAt: "2024-01-01T00:00:00Z" }],
      },
      s3: { buckets: { "hygiene-reports": {} } },
    },
  });
  Object.assign(process.env, sb.env());
});

afterAll(async () => {
  process.env = savedEnv;
  await sb.close();
});

async function scan(reportsBucket: string) {
  const config = parseConfig({
    store: { type: "local", dir: mkdtempSync(join(tmpdir(), "pub-")) },
    sources: { "aws-iam": { reportPollMs: 0 } },
    notifications: { securityHub: { enabled: true } },
    reports: { bucket: reportsBucket },
  });
  const runtime = createRuntime({ config, env: process.env, clock: fixedClock(NOW) });
  return runScan(await scanDependencies(runtime), { apply: false, trigger: "test" });
}

describe("publishing a scan", () => {
  it("imports the findings into Security Hub and writes both reports to S3", async () => {
    const report = await scan("hygiene-reports");
    expect(sb.securityHub.findings.size).toBe(report.plan.items.length);
    expect([...sb.securityHub.findings.values()].map((f) => f.finding.GeneratorId)).toContain(
      "iam-hygiene/root-access-key",
    );
    const keys = [...(sb.s3.buckets.get("hygiene-reports")?.keys() ?? [])];
    expect(report.notes.join("\n")).toContain("reports written to s3://hygiene-reports/reports/2026-06-01/");
    expect(report.notes.join("\n")).toMatch(/Security Hub: \d+ of \d+ finding\(s\) imported/);
    expect(keys).toEqual([
      `reports/2026-06-01/${report.scanId}.json`,
      `reports/2026-06-01/${report.scanId}.html`,
    ]);
    const json = JSON.parse(sb.s3.buckets.get("hygiene-reports")?.get(keys[0]!)?.body.toString() ?? "{}");
    expect(json.scanId).toBe(report.scanId);
  });

  it("records a publisher failure as a note and still completes the scan", async () => {
    const report = await scan("no-such-bucket");
    expect(report.status).toBe("completed");
    expect(report.notes.some((n) => n.startsWith("publishing failed"))).toBe(true);
  });
});
