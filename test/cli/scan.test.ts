import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.ts";
import { childEnv, runCli, sandboxEnv, smallCompany, workDir } from "./support.ts";

const ENFORCE = JSON.stringify({ mode: "enforce", sources: { "aws-iam": { reportPollMs: 10 } } });

// Each test runs the real executable (about a second of loading each, more on a busy machine).
const SLOW = { timeout: 120_000 };

describe.concurrent("iam-hygiene scan, read-only against one sandbox", SLOW, () => {
  let sandbox: Sandbox;
  const company = smallCompany();

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, scenario: company.scenario });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it("prints a table of findings when piped and exits 3 on a critical finding (the default --fail-on)", async () => {
    // Prepare
    const cwd = await workDir({ "hr.csv": company.departures });
    // Act
    const run = await runCli(["scan", "--departures", "hr.csv"], { cwd, env: sandboxEnv(sandbox) });
    // Assess
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/used-after-departure/);
    expect(run.stdout).toMatch(/alice/);
    expect(run.stderr).toMatch(/findings at or above critical: 1 critical/);
    // Piped: no progress line, no stack trace.
    expect(run.stderr).not.toMatch(/\r|at .*\.ts:\d+/);
  });

  it("check: exits 0 with one ok line per check, and calls nothing that writes", async () => {
    // Prepare: a sandbox of its own, so the calls counted are this command's alone (the other
    // tests here scan the shared one concurrently).
    const own = await startSandbox({ port: 0, scenario: company.scenario });
    try {
      const cwd = await workDir({ "hr.csv": company.departures });

      // Act
      const run = await runCli(["check", "--departures", "hr.csv"], { cwd, env: sandboxEnv(own) });

      // Assess
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /^ok {4}departures: 1 people from .*hr\.csv; the share of known identities is checked at scan time$/m,
      );
      expect(run.stdout).toMatch(/^ok {4}store: directory \.iam-hygiene: readable; no list accepted yet$/m);
      expect(run.stdout).toMatch(/^ok {4}aws-iam: identity: account 111122223333/m);
      expect(run.stdout).toMatch(/^ok {4}aws-iam: read users: GetAccountAuthorizationDetails answers$/m);
      expect(run.stdout).toMatch(/4 check\(s\) passed; nothing was written, sent or revoked/);
      expect(Object.keys(own.calls()).sort()).toEqual([
        "iam:GetAccountAuthorizationDetails",
        "sts:GetCallerIdentity",
      ]);
      expect(existsSync(join(cwd, ".iam-hygiene"))).toBe(false);
    } finally {
      await own.close();
    }
  });

  it("check: exits 1 naming the line of a departure list a scan would reject", async () => {
    // Prepare
    const cwd = await workDir({ "hr.csv": "email,name,departed_at\nalice@corp.example,Alice,yesterday\n" });

    // Act
    const run = await runCli(["check", "-d", "hr.csv"], { cwd, env: sandboxEnv(sandbox) });

    // Assess
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL {2}departures: .*hr\.csv would be rejected: .*\(line 2, field departed_at: /m,
    );
    expect(run.stdout).toMatch(/1 of 4 check\(s\) failed/);
  });

  it("--format json prints a report that parses and names the findings; --quiet keeps stderr to the verdict", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(
      ["scan", "-d", "hr.csv", "--format", "json", "--quiet", "--fail-on", "critical"],
      {
        cwd,
        env: sandboxEnv(sandbox),
      },
    );
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as {
      applied: boolean;
      sources: { source: string }[];
      findings: { rule: string; principal: string | null; outcome: string }[];
    };
    expect(report.applied).toBe(false);
    expect(report.sources.map((source) => source.source)).toEqual(["aws-iam"]);
    expect(report.findings.map((f) => `${f.rule}:${f.principal}`)).toEqual(
      expect.arrayContaining(["used-after-departure:alice", "departed-owner-active-credential:alice"]),
    );
    expect(report.findings.find((f) => f.rule === "used-after-departure")?.outcome).toBe("revoke-pending");
  });

  it("--out writes the report to a file (html) and nothing to stdout", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(
      ["scan", "-d", "hr.csv", "-f", "html", "--out", "out/report.html", "--fail-on", "high"],
      {
        cwd,
        env: sandboxEnv(sandbox),
      },
    );
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`report written to ${join(cwd, "out/report.html")}`);
    const html = await readFile(join(cwd, "out/report.html"), "utf8");
    expect(html).toMatch(/<html/i);
    expect(html).toContain("AKIAALICE00000000000");
  });

  it("--format asff names the scanned account", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(["scan", "-d", "hr.csv", "-f", "asff", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(3);
    const findings = JSON.parse(run.stdout) as { SchemaVersion: string; AwsAccountId: string }[];
    expect(findings[0]).toMatchObject({ SchemaVersion: "2018-10-08", AwsAccountId: "111122223333" });
  });

  it("--format ocsf prints Detection Findings, the incident's with its owner", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(["scan", "-d", "hr.csv", "-f", "ocsf", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(3);
    const findings = JSON.parse(run.stdout) as Array<{
      class_uid: number;
      category_uid: number;
      finding_info: { types: string[] };
      resources: Array<{ name?: string; owner?: { email_addr?: string } }>;
    }>;
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.class_uid === 2004 && f.category_uid === 2)).toBe(true);
    const incident = findings.find((f) => f.finding_info.types.includes("used-after-departure"));
    expect(incident?.resources[0]?.name).toMatch(/alice/);
    expect(incident?.resources[0]?.owner?.email_addr).toMatch(/@/);
  });

  it("exits 0 when nothing reaches --fail-on (no departure list: hygiene only); --format csv", async () => {
    const cwd = await workDir();
    const run = await runCli(["scan", "-f", "csv", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(/severity/i);
    expect(run.stdout).not.toMatch(/used-after-departure/);
  });

  it("--only limits the scan to the named sources, and says when one is not enabled", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(["scan", "-d", "hr.csv", "--only", "github", "-f", "json"], {
      cwd,
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { sources: unknown[] }).sources).toEqual([]);
    expect(run.stderr).toMatch(/--only github: not enabled in the config/);
  });

  it("--apply with a report-mode config says so and revokes nothing", async () => {
    const cwd = await workDir({ "hr.csv": company.departures });
    const run = await runCli(["scan", "-d", "hr.csv", "--apply", "-f", "json"], {
      cwd,
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /--apply given but the config has mode "report": report mode, nothing will be revoked/,
    );
    expect((JSON.parse(run.stdout) as { applied: boolean }).applied).toBe(false);
    expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Active");
  });

  it("exits 2 on a departure list with an invalid row, naming line and field; nothing departure-driven happens", async () => {
    const cwd = await workDir({ "hr.csv": "email,departed_at\nalice@corp.example,last tuesday\n" });
    const run = await runCli(["scan", "-d", "hr.csv", "-f", "json", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /departure list \S*hr\.csv rejected: 1 invalid row of 1 \(first: line 2, field departed_at/,
    );
    const report = JSON.parse(run.stdout) as {
      departures: { rejected: boolean };
      findings: { rule: string }[];
    };
    expect(report.departures.rejected).toBe(true);
    expect(report.findings.some((f) => f.rule === "used-after-departure")).toBe(false);
  });

  it("exits 2 on a departure file that cannot be read", async () => {
    const cwd = await workDir();
    const run = await runCli(["scan", "-d", "missing.csv", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /departure list rejected: the departure list could not be read: departure list \S*missing\.csv: cannot be read \(ENOENT/,
    );
  });

  it("exits 2 on an invalid config, listing every problem with file, line and field, before any scan", async () => {
    const cwd = await workDir({
      "iam-hygiene.json": [
        "{",
        "  // comments are allowed",
        '  "mode": "sometimes",',
        '  "brake": { "maxRevocationsPerRun": "lots" },',
        '  "sources": { "github": { "enabled": true } }',
        "}",
      ].join("\n"),
    });
    const run = await runCli(["scan"], { cwd, env: childEnv() });
    expect(run.code).toBe(2);
    const file = join(cwd, "iam-hygiene.json");
    expect(run.stderr).toContain(`${file} is invalid (3 problems); nothing was changed`);
    expect(run.stderr).toContain(`${file}:3: mode: Invalid option`);
    expect(run.stderr).toContain(`${file}:4: brake.maxRevocationsPerRun: Invalid input: expected number`);
    // (`token` or `app` is checked once the section's fields parse: see test/integration/sources/github-app.test.ts.)
    expect(run.stderr).toContain(`${file}:5: sources.github.org:`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on JSON that does not parse, with the line", async () => {
    const cwd = await workDir({ "broken.json": '{\n  "mode": "report",\n}\n' });
    const run = await runCli(["scan", "--config", "broken.json"], { cwd, env: childEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/broken\.json:3: \(file\): not valid JSON/);
  });

  it("exits 2 on unknown flags and values", async () => {
    const cwd = await workDir();
    const [format, only, flag] = await Promise.all([
      runCli(["scan", "--format", "pdf"], { cwd, env: childEnv() }),
      runCli(["scan", "--only", "azure"], { cwd, env: childEnv() }),
      runCli(["scan", "--frobnicate"], { cwd, env: childEnv() }),
    ]);
    expect([format.code, only.code, flag.code]).toEqual([2, 2, 2]);
    expect(format.stderr).toMatch(/pdf.*Allowed choices are table, json, csv, html, asff, ocsf/);
    expect(only.stderr).toMatch(/--only azure: unknown source/);
    expect(flag.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it("exits 1 on a runtime failure with one line, and the stack only with DEBUG=iam-hygiene", async () => {
    // A store directory under a file cannot be created: a setup failure, not a finding.
    const cwd = await workDir({
      blocker: "",
      "iam-hygiene.json": '{ "store": { "type": "local", "dir": "blocker/store" } }',
    });
    const run = await runCli(["scan", "-q"], { cwd, env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^iam-hygiene: error: .*(ENOTDIR|EEXIST|not a directory)/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(["scan", "-q"], { cwd, env: sandboxEnv(sandbox, { DEBUG: "iam-hygiene" }) });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe.concurrent("iam-hygiene scan --apply (each with its own sandbox)", SLOW, () => {
  it("revokes in enforce mode, verified in the sandbox; findings still exit 3", async () => {
    const company = smallCompany();
    const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
    try {
      const cwd = await workDir({ "hr.csv": company.departures, "iam-hygiene.json": ENFORCE });
      const run = await runCli(["scan", "-d", "hr.csv", "--apply", "-f", "json", "-q"], {
        cwd,
        env: sandboxEnv(sandbox),
      });
      expect(run.code, run.stderr).toBe(3);
      const report = JSON.parse(run.stdout) as { applied: boolean; totals: { revoked: number } };
      expect(report.applied).toBe(true);
      expect(report.totals.revoked).toBeGreaterThanOrEqual(1);
      expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Inactive");
      expect(sandbox.iam.accessKeys.get("AKIABOB0000000000000")?.status).toBe("Active");
    } finally {
      await sandbox.close();
    }
  });

  it("exits 4 when the brake stops the revocations, and revokes nothing", async () => {
    const company = smallCompany();
    const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
    try {
      const config = JSON.stringify({ ...JSON.parse(ENFORCE), brake: { maxRevocationsPerRun: 0 } });
      const cwd = await workDir({ "hr.csv": company.departures, "iam-hygiene.json": config });
      const run = await runCli(["scan", "-d", "hr.csv", "--apply", "-q"], { cwd, env: sandboxEnv(sandbox) });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(
        /revocation brake: the run would revoke \d+ credential\(s\), above the limit of 0/,
      );
      expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Active");
    } finally {
      await sandbox.close();
    }
  });

  it("exits 2 before scanning when --out cannot be written: nothing is revoked, the reason is named", async () => {
    // Prepare: the report's directory would have to be created where a regular file is.
    const company = smallCompany();
    const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
    try {
      const cwd = await workDir({ "hr.csv": company.departures, "iam-hygiene.json": ENFORCE, afile: "x" });

      // Act
      const run = await runCli(
        ["scan", "-d", "hr.csv", "--apply", "-f", "json", "--out", "afile/report.json", "-q"],
        { cwd, env: sandboxEnv(sandbox) },
      );

      // Assess
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `--out afile/report.json: cannot write ${join(cwd, "afile/report.json")} (EEXIST`,
      );
      expect(run.stderr).toMatch(/nothing was scanned or changed/);
      expect(Object.keys(sandbox.calls()).filter((call) => call.startsWith("iam:"))).toEqual([]);
      expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Active");
    } finally {
      await sandbox.close();
    }
  });

  it.skipIf(!existsSync("/dev/full"))(
    "still names the incident on stderr when the report cannot be written after the scan acted",
    async () => {
      // Prepare: /dev/full opens for writing (the check passes) but every write fails (ENOSPC).
      const company = smallCompany();
      const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
      try {
        const cwd = await workDir({ "hr.csv": company.departures, "iam-hygiene.json": ENFORCE });

        // Act
        const run = await runCli(
          ["scan", "-d", "hr.csv", "--apply", "-f", "json", "--out", "/dev/full", "-q"],
          {
            cwd,
            env: sandboxEnv(sandbox),
          },
        );

        // Assess: a runtime error, and the verdict's reason (the critical finding) is still there.
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(
          /^iam-hygiene: the json report could not be written to \/dev\/full: ENOSPC/m,
        );
        expect(run.stderr).toMatch(/^iam-hygiene: findings at or above critical: 1 critical$/m);
        expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Inactive");
      } finally {
        await sandbox.close();
      }
    },
  );

  it("counts and names a failed revocation once per credential, however many findings name it", async () => {
    // Prepare: Alice's key carries two revoke findings (used after departure, departed owner);
    // IAM refuses every UpdateAccessKey.
    const company = smallCompany();
    const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
    sandbox.faults.set("iam:UpdateAccessKey", { errorRate: 1 });
    try {
      const cwd = await workDir({ "hr.csv": company.departures, "iam-hygiene.json": ENFORCE });

      // Act
      const run = await runCli(["scan", "-d", "hr.csv", "--apply", "-f", "json", "-q"], {
        cwd,
        env: sandboxEnv(sandbox),
      });

      // Assess
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /^iam-hygiene: 1 revocation\(s\) failed or could not be verified: access-key AKIAALICE00000000000$/m,
      );
      const report = JSON.parse(run.stdout) as {
        totals: { revokeFailed: number };
        findings: { nativeId: string | null; outcome: string }[];
      };
      const alice = report.findings.filter((f) => f.nativeId === "AKIAALICE00000000000");
      expect(alice.map((f) => f.outcome)).toEqual(["revoke-failed", "revoke-failed"]);
      expect(report.totals.revokeFailed).toBe(1);
      expect(sandbox.iam.accessKeys.get("AKIAALICE00000000000")?.status).toBe("Active");
    } finally {
      await sandbox.close();
    }
  });

  it("with a rejected list, revokes nothing, not even what a hygiene rule set to revoke would, and exits 2", async () => {
    // Prepare: a hygiene rule set to revoke an old key; the departure list cannot be read.
    const company = smallCompany();
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
    company.scenario.iam?.users?.push({
      userName: "olduser",
      path: "/staff/",
      tags: { email: "olduser@corp.example", "principal-type": "human" },
      createdAt: at(900),
      accessKeys: [
        {
          id: "AKIAOLDUSER000000000",
          status: "Active",
          createdAt: at(800),
          lastUsedAt: at(2),
          lastUsedService: "s3",
        },
      ],
    });
    const sandbox = await startSandbox({ port: 0, scenario: company.scenario });
    try {
      const config = JSON.stringify({
        ...JSON.parse(ENFORCE),
        rules: { actions: { "unrotated-access-key": "revoke" } },
      });
      const cwd = await workDir({ "iam-hygiene.json": config });

      // Act
      const run = await runCli(["scan", "-d", "missing.csv", "--apply", "-q", "-f", "json"], {
        cwd,
        env: sandboxEnv(sandbox),
      });

      // Assess: exit 2, the key untouched and never written, the finding reported as planned.
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/departure list rejected: .*missing\.csv.*nothing was revoked$/m);
      expect(sandbox.iam.accessKeys.get("AKIAOLDUSER000000000")?.status).toBe("Active");
      expect(sandbox.calls()["iam:UpdateAccessKey"]).toBeUndefined();
      const report = JSON.parse(run.stdout) as { mode: string; notes: string[] };
      expect(report.mode).toBe("report");
      expect(report.notes.join(" ")).toContain("the departure list was rejected: nothing was revoked");
    } finally {
      await sandbox.close();
    }
  });
});
