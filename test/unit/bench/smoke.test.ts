/**
 * Every benchmark at a tiny size: the harness runs and produces figures. Never a speed or
 * memory assertion (CONVENTIONS rule 13): those live in bench/RESULTS.md.
 */
import { describe, expect, it } from "vitest";
import { runCognitoBench } from "../../../bench/cognito-lookup.ts";
import { runColdStartBench } from "../../../bench/cold-start.ts";
import { runIamBench } from "../../../bench/iam-discovery.ts";
import { runMatchingBench } from "../../../bench/matching.ts";
import { runNotificationBench } from "../../../bench/notifications.ts";
import { markdownTable, resultsMarkdown, rowsOf } from "../../../bench/run.ts";
import { runScanScaleBench } from "../../../bench/scan-scale.ts";
import { percentile } from "../../../bench/support.ts";
import { runRevokeBench } from "../../../bench/time-to-revoke.ts";

describe("benchmark harness at tiny sizes", () => {
  it("B1 counts the scan's and the naive enumeration's calls", async () => {
    const f = await runIamBench({ users: 200, departed: 4, latencyMs: 0 });
    expect(f.scanCalls).toBeGreaterThan(0);
    expect(f.naiveCalls).toBeGreaterThan(0);
    expect(f.discoverMs).toBeGreaterThan(0);
    expect(f.naiveKeysSeen).toBe(400);
    // "all" re-reads what "targeted" takes from the report: more calls, on the same account.
    expect(f.allReads.scanCalls).toBeGreaterThan(f.scanCalls);
    expect(f.allReads.scanCallsByAction["iam:GetAccessKeyLastUsed"]).toBe(8);
    expect(f.scanCallsByAction["iam:GetAccessKeyLastUsed"]).toBeUndefined();
    expect(rowsOf({ b1: f, wallSeconds: {} }).length).toBeGreaterThan(0);
  }, 60_000);

  it("B2 runs the Cognito comparison", async () => {
    const f = await runCognitoBench({ users: 600, departures: 10 });
    expect(f.targeted.calls).toBeGreaterThan(0);
    expect(f.enumeration.calls).toBeGreaterThan(0);
  }, 60_000);

  it("B3 matches in a child process and reports memory", async () => {
    const f = await runMatchingBench({ credentials: 10_000, departures: 1_000, runs: 3 });
    expect(f.credentials).toBe(10_000);
    // The figures are the median of three fresh runs, and every run's total is kept.
    expect(f.runTotalsMs).toHaveLength(3);
    expect([...f.runTotalsMs].sort((a, b) => a - b)[1]).toBe(f.totalMs);
    expect(f.findings).toBeGreaterThan(0);
    expect(f.totalMs).toBeGreaterThan(0);
    expect(f.peakRssMiB).toBeGreaterThan(0);
  }, 60_000);

  it("B3's whole scan runs runScan in a child process and reports its findings and memory", async () => {
    const f = await runScanScaleBench({ credentials: 3_000, departures: 300, heapMiB: 512 });
    expect(f.credentials).toBe(3_000);
    // The same credentials as B3's matching: a third unowned, a tenth departed owners, and so on.
    expect(f.findings).toBeGreaterThan(1_000);
    expect(f.scanMs).toBeGreaterThan(0);
    expect(f.totalMs).toBeGreaterThanOrEqual(f.scanMs);
    expect(f.peakRssMiB).toBeGreaterThan(0);
    expect(f.maxOldSpaceSizeMiB).toBe(512);
  }, 60_000);

  it("B4 bundles one handler and imports it once", async () => {
    const f = await runColdStartBench({ runs: 1, entries: ["hrWebhook"] });
    expect(f.bundles).toHaveLength(1);
    expect(f.bundles[0]!.bytes).toBeGreaterThan(0);
    expect(f.bundles[0]!.importMedianMs).toBeGreaterThan(0);
  }, 120_000);

  it("B5 revokes after each webhook and reports percentiles", async () => {
    const f = await runRevokeBench({ departures: 3 });
    expect(f.samplesMs).toHaveLength(3);
    expect(f.p50Ms).toBeGreaterThan(0);
    expect(f.inactive).toBe(3);
  }, 60_000);

  it("B6 counts Slack and Jira requests at the fakes", async () => {
    const f = await runNotificationBench({ findings: 20, people: 4 });
    expect(f.slackPosts).toBeGreaterThan(0);
    expect(f.jiraRequests).toBeGreaterThan(0);
    expect(f.baselineMessages).toBe(20);
    const text = resultsMarkdown({ b6: f, wallSeconds: { B6: 1 } }, new Date());
    expect(text).toContain("| B6 |");
    expect(markdownTable([])).toContain("| # |");
  }, 60_000);

  it("percentile uses the nearest rank", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});
