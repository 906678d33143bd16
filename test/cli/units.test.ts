import { describe, expect, it } from "vitest";
import { checkConfigText, formatConfigProblem } from "../../cli/config-file.ts";
import { indexJsonLines, lineOf, syntaxErrorLine } from "../../cli/json-locate.ts";
import { TerminalProgress } from "../../cli/progress.ts";
import { verdict } from "../../cli/run.ts";
import { adfToText, slackBlocksToText } from "../../demo/story.ts";
import { stripComments } from "../../lambdas/config.ts";
import type { ScanReport } from "../../lambdas/scan.ts";
import { scanReportFixture } from "../support/scan-report-fixture.ts";
import { minimalScanReport } from "./report-fixture.ts";

describe("json-locate", () => {
  it("finds the line of members, array items, and the nearest ancestor of a missing member", () => {
    const text = stripComments(
      '{\n  // c\n  "a": {\n    "b": [1,\n      { "c": "x\\"y" }]\n  },\n  "d": true\n}',
    );
    const index = indexJsonLines(text);
    expect(lineOf(index, "a")).toBe(3);
    expect(lineOf(index, "a.b.1.c")).toBe(5);
    expect(lineOf(index, "a.b.1.missing")).toBe(5);
    expect(lineOf(index, "d")).toBe(7);
    expect(lineOf(index, "")).toBeUndefined();
  });

  it("reads the line of a syntax error from V8's position", () => {
    const text = '{\n  "a": 1,\n}';
    let message = "";
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(syntaxErrorLine(text, message)).toBe(3);
  });

  it("formats every config problem as file:line: field: message", () => {
    const checked = checkConfigText(
      '{\n  "mode": "x",\n  "brake": { "maxRevocationsPerRun": -1 }\n}',
      "c.json",
    );
    expect(checked.problems.map(formatConfigProblem)).toEqual([
      'c.json:2: mode: Invalid option: expected one of "report"|"enforce"',
      "c.json:3: brake.maxRevocationsPerRun: Too small: expected number to be >=0",
    ]);
  });
});

describe("TerminalProgress", () => {
  it("rewrites one status line with the phase, each source's phase and counts, and clears it", () => {
    const writes: string[] = [];
    const progress = new TerminalProgress({ write: (t) => writes.push(t), columns: 200 }, 0);
    progress.update("reading departures");
    progress.update("discovering aws-iam");
    progress.update("aws-iam: aws-iam: credential report", { users: 3 });
    progress.update("discovered aws-iam", { credentials: 42 });
    progress.done();
    const last = writes.at(-2) ?? "";
    const clear = "\r\u001b[K";
    expect(last.startsWith(clear)).toBe(true);
    expect(last.slice(clear.length)).toMatch(
      /^\[\d+\.\ds\] discovering \| aws-iam: done \(users 3, credentials 42\)$/,
    );
    expect(writes.at(-1)).toBe("\r\u001b[K");
  });
});

describe("verdict", () => {
  const base = minimalScanReport();
  it("orders exit codes: rejected list 2, brake 4, findings 3, else 0", () => {
    expect(verdict(base, "critical").code).toBe(0);
    const critical: ScanReport = {
      ...base,
      plan: {
        ...base.plan,
        items: [
          { ...base.plan.items[0]!, finding: { ...base.plan.items[0]!.finding, severity: "critical" } },
        ],
      },
    };
    expect(verdict(critical, "critical")).toEqual({
      code: 3,
      reasons: ["findings at or above critical: 1 critical"],
    });
    expect(verdict(base, "low").code).toBe(3);
    const braked: ScanReport = {
      ...critical,
      plan: { ...critical.plan, brake: { ...critical.plan.brake, engaged: true, reason: "too many" } },
    };
    expect(verdict(braked, "critical").code).toBe(4);
    const rejected: ScanReport = {
      ...braked,
      departures: { ...braked.departures, rejected: true, rejectionReason: "bad" },
    };
    expect(verdict(rejected, "critical").code).toBe(2);
  });

  it("exits 1 when an applied revocation failed, and still names the findings", () => {
    const item = base.plan.items[0]!;
    const failed: ScanReport = {
      ...base,
      plan: {
        ...base.plan,
        items: [
          {
            ...item,
            finding: { ...item.finding, severity: "critical" },
            decision: { ...item.decision, action: "revoke" },
            actions: [{ type: "revoke", status: "failed", detail: "UpdateAccessKey AKIA1 Inactive" }],
          },
        ],
      },
    };
    const result = verdict(failed, "critical");
    expect(result.code).toBe(1);
    expect(result.reasons[0]).toMatch(/^1 revocation\(s\) failed or could not be verified: /);
    expect(result.reasons[1]).toBe("findings at or above critical: 1 critical");
    // The same plan with the revocation done and verified: only the findings count.
    const done: ScanReport = {
      ...failed,
      plan: {
        ...failed.plan,
        items: failed.plan.items.map((i) => ({
          ...i,
          actions: [
            { type: "revoke", status: "done", detail: "UpdateAccessKey AKIA1 Inactive" },
            { type: "verify", status: "verified", detail: "Inactive" },
          ],
        })),
      },
    };
    expect(verdict(done, "critical").code).toBe(3);
  });
});

describe("verdict, per credential", () => {
  /** The fixture's enforce run with every revocation failed: six revoke findings, five credentials. */
  function everyRevocationFailed(): ScanReport {
    const report = scanReportFixture();
    const items = report.plan.items.map((i) =>
      i.decision.action === "revoke"
        ? {
            ...i,
            actions: [{ type: "revoke" as const, status: "failed" as const, detail: "UpdateAccessKey" }],
          }
        : i,
    );
    return { ...report, plan: { ...report.plan, items } };
  }

  it("counts and names each credential once, however many findings name it", () => {
    // Prepare: Bob's key carries two revoke findings.
    const report = everyRevocationFailed();

    // Act
    const result = verdict(report, "critical");

    // Assess
    expect(result.code).toBe(1);
    const [head, names] = (result.reasons[0] ?? "").split(": ");
    expect(head).toBe("5 revocation(s) failed or could not be verified");
    expect(names?.split(", ").sort()).toEqual([
      "access-key AKIABOB0000000000002",
      "access-key AKIAJANE000000000001",
      "console-password bsmith",
      "oauth-grant bob.smith@corp.example:slack",
      "web-sessions 00u1jane",
    ]);
  });

  it("exits 2 for a rejected list, saying nothing was revoked, and still names the findings", () => {
    // Prepare: a run whose list was rejected (so it revoked nothing: its plan is a report).
    const fixture = scanReportFixture();
    const rejected: ScanReport = {
      ...fixture,
      departures: { ...fixture.departures, rejected: true, rejectionReason: "quarantined" },
      plan: {
        ...fixture.plan,
        mode: "report",
        items: fixture.plan.items.map((i) => ({
          ...i,
          actions: i.actions.filter((a) => a.status === "planned"),
        })),
      },
    };

    // Act
    const result = verdict(rejected, "critical");

    // Assess: the list's reason first; an incident is never hidden behind it.
    expect(result.code).toBe(2);
    expect(result.reasons[0]).toMatch(/^departure list \S+ rejected: quarantined.*; nothing was revoked$/);
    expect(result.reasons.at(-1)).toBe("findings at or above critical: 2 critical");
  });
});

describe("story rendering", () => {
  it("turns Slack blocks into readable lines", () => {
    const lines = slackBlocksToText({
      channel: "D1",
      ts: "1",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Incident: Dana" } },
        { type: "section", text: { type: "mrkdwn", text: "Key <https://x|AKIA1> &amp; more" } },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: "*Severity*\n:red_circle: critical" },
            { type: "mrkdwn", text: "*Account*\n1234" },
          ],
        },
        { type: "divider" },
        { type: "section", text: { type: "mrkdwn", text: "*What was done*\n• Revoked AKIA1" } },
        { type: "context", elements: [{ type: "mrkdwn", text: "iam-hygiene · enforce mode" }] },
      ],
    });
    expect(lines).toEqual([
      "== Incident: Dana ==",
      "Key AKIA1 & more",
      "Severity: critical",
      "What was done",
      "  • Revoked AKIA1",
      "(iam-hygiene · enforce mode)",
    ]);
  });

  it("turns an ADF body into paragraphs", () => {
    const doc = {
      type: "doc",
      content: [
        {
          type: "paragraph",
          content: [
            { type: "text", text: "One " },
            { type: "text", text: "line" },
          ],
        },
        {
          type: "bulletList",
          content: [
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "item" }] }] },
          ],
        },
      ],
    };
    expect(adfToText(doc)).toEqual(["One line", "item"]);
  });
});
