/**
 * The audit trail shows every run: a "started" record before a scan reads or acts on anything
 * (so a killed scan still shows; the reliability suite kills real ones), the final record, and a
 * record for a scan that found the lease busy. A laptop scan with the local store and no `audit`
 * configured writes its trail to `<store dir>/audit.jsonl`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConfiguredScan } from "../../../cli/run.ts";
import { parseConfig } from "../../../lambdas/config.ts";
import { LocalDirectoryStore } from "../../../lambdas/store/index.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";

const NOW = "2026-06-01T12:00:00Z";
let sb: Sandbox;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({
    scenario: {
      now: NOW,
      iam: {
        users: [
          {
            userName: "jane.doe",
            tags: { email: "jane.doe@corp.example" },
            createdAt: "2025-01-01T00:00:00Z",
            accessKeys: [
              {
                id: "AKIAJANEKEY000000001",
                createdAt: "2026-01-01T00:00:00Z",
                lastUsedAt: "2026-05-20T00:00:00Z",
              },
            ],
          },
        ],
      },
    },
  });
  Object.assign(process.env, sb.env());
});
afterAll(async () => {
  process.env = savedEnv;
  await sb.close();
});

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-audit-default-"));
  writeFileSync(join(dir, "departures.csv"), "email,departed_at\njane.doe@corp.example,2026-05-25\n");
  const config = parseConfig({
    mode: "enforce",
    departures: { source: { type: "file", path: "departures.csv" } },
    store: { type: "local", dir: "state" },
    sources: { "aws-iam": { reportPollMs: 0 } },
  });
  const read = (): Array<Record<string, unknown>> => {
    try {
      return readFileSync(join(dir, "state", "audit.jsonl"), "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  return { dir, config, configPath: join(dir, "iam-hygiene.json"), read };
}

describe("the audit trail of a laptop scan", () => {
  it("defaults to <store dir>/audit.jsonl and records the start, then the end, of each scan", async () => {
    // Prepare: no `audit` in the configuration.
    const w = workspace();
    expect(w.config.audit).toBeUndefined();

    // Act: a plan, then an applying scan.
    const plan = await runConfiguredScan({
      config: w.config,
      configPath: w.configPath,
      env: process.env,
      apply: false,
    });
    const applied = await runConfiguredScan({
      config: w.config,
      configPath: w.configPath,
      env: process.env,
      apply: true,
      trigger: "cli:jane@laptop",
    });

    // Assess
    const trail = w.read();
    expect(trail.map((r) => `${r.type} ${r.scanId}`)).toEqual([
      `scan-started ${plan.scanId}`,
      `scan ${plan.scanId}`,
      `scan-started ${applied.scanId}`,
      `scan ${applied.scanId}`,
    ]);
    expect(trail[0]).toMatchObject({ trigger: "cli", mode: "enforce", apply: false, applied: false });
    expect(trail[2]).toMatchObject({
      trigger: "cli:jane@laptop",
      mode: "enforce",
      apply: true,
      applied: true,
      startedAt: applied.startedAt.toISOString(),
    });
    expect(trail[3]).toMatchObject({ status: "completed", applied: true });
    expect(sb.iam.accessKeys.get("AKIAJANEKEY000000001")?.status).toBe("Inactive");
  });

  it("records a scan that found the lease busy, which did nothing else", async () => {
    const w = workspace();
    const store = new LocalDirectoryStore(join(w.dir, "state"));
    await store.acquireLease("scan", "another-scan", 60_000, new Date());

    const report = await runConfiguredScan({
      config: w.config,
      configPath: w.configPath,
      env: process.env,
      apply: true,
    });

    expect(report.status).toBe("busy");
    expect(w.read()).toEqual([
      expect.objectContaining({
        type: "scan",
        scanId: report.scanId,
        status: "busy",
        trigger: "cli",
        applied: false,
      }),
    ]);
  });
});
