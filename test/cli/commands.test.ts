import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, runCli, startCli, workDir } from "./support.ts";

const SLOW = { timeout: 120_000 };

describe.concurrent("iam-hygiene --help", SLOW, () => {
  it("every command has help with examples, exit 0", async () => {
    const cwd = await workDir();
    const runs = await Promise.all(
      [[], ["scan"], ["validate"], ["sandbox"], ["demo"], ["check"]].map((command) =>
        runCli([...command, "--help"], { cwd, env: childEnv() }),
      ),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Examples:\n\s+\$ /);
    }
    expect(runs[1]?.stdout).toMatch(/--fail-on <severity>[\s\S]*Exit codes:/);
    expect(runs[1]?.stdout).toMatch(
      /AWS_PROFILE=prod iam-hygiene scan --config iam-hygiene.json --departures hr.csv/,
    );
    expect(runs[0]?.stdout).toMatch(/^\s+check /m);
    expect(runs[5]?.stdout).toMatch(/Nothing is written, sent or revoked/);
  });
});

describe.concurrent("iam-hygiene validate", SLOW, () => {
  it("exits 0 for a valid config and departure list, naming what it checked", async () => {
    const cwd = await workDir({
      "iam-hygiene.jsonc":
        '// ours\n{ "mode": "enforce", "departures": { "source": { "type": "file", "path": "hr.csv" } } }\n',
      "hr.csv": "email,departed_at\nalice@corp.example,2026-01-31\nbob@corp.example,2026-02-01T17:00:00Z\n",
    });
    const run = await runCli(["validate"], { cwd, env: childEnv() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`config ${join(cwd, "iam-hygiene.jsonc")}: ok (mode enforce)`);
    expect(run.stdout).toContain(`departures ${join(cwd, "hr.csv")}: ok (2 people from 2 rows)`);
    expect(run.stderr).toBe("");
  });

  it("exits 2 and prints every problem with file, line and field", async () => {
    const cwd = await workDir({
      "bad.json":
        '{\n  "mode": "enforce",\n  "departures": { "timeZone": "Mars/Olympus" },\n  "brake": { "maxRevocationFraction": 2 }\n}\n',
      "hr.csv": "email,name,departed_at\nalice@corp.example,Alice,2026-01-31\nnot-an-email,Bob,yesterday\n",
    });
    const run = await runCli(["validate", "--config", "bad.json", "--departures", "hr.csv"], {
      cwd,
      env: childEnv(),
    });
    expect(run.code).toBe(2);
    const bad = join(cwd, "bad.json");
    const hr = join(cwd, "hr.csv");
    expect(run.stderr).toContain(`${bad}:3: departures.timeZone: unknown IANA time zone`);
    expect(run.stderr).toContain(`${bad}:4: brake.maxRevocationFraction:`);
    expect(run.stderr).toContain(`${hr}:3: email: not an email address`);
    expect(run.stderr).toContain(`${hr}:3: departed_at: not a date`);
    expect(run.stdout).toMatch(/departures .*hr\.csv: rejected: 1 invalid row of 2/);
  });

  it("exits 2 on a file that cannot be read", async () => {
    const cwd = await workDir();
    const run = await runCli(["validate", "--departures", "nope.csv"], { cwd, env: childEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(cwd, "nope.csv")}: (file): cannot be read (ENOENT)`);
  });
});

describe.concurrent("iam-hygiene sandbox", SLOW, () => {
  it("starts, prints the endpoint and export lines, answers, and stops on Ctrl-C", async () => {
    // Prepare
    const cwd = await workDir({
      "scenario.json": JSON.stringify({
        iam: { users: [{ userName: "alice", accessKeys: [{ id: "AKIAALICE00000000000" }] }] },
      }),
    });
    // Act
    const sandbox = await startCli(["sandbox", "--port", "0", "--scenario", "scenario.json"], {
      cwd,
      env: childEnv(),
      ready: /Press Ctrl-C to stop/,
    });
    // Assess
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(sandbox.output())?.[1];
    expect(endpoint).toBeDefined();
    expect(sandbox.output()).toContain(`export AWS_ENDPOINT_URL=${endpoint}`);
    expect(sandbox.output()).toMatch(/IAM users: 1, access keys: 1/);
    const health = (await (await fetch(`${endpoint}/_sandbox/health`)).json()) as { ok: boolean };
    expect(health.ok).toBe(true);
    expect(await sandbox.stop("SIGINT")).toBe(0);
  });

  it("exits 2 on an invalid scenario, listing its problems", async () => {
    const cwd = await workDir({ "scenario.json": JSON.stringify({ accountId: "12", iam: { users: [{}] } }) });
    const run = await runCli(["sandbox", "--port", "0", "--scenario", "scenario.json"], {
      cwd,
      env: childEnv(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/scenario scenario\.json is invalid/);
    expect(run.stderr).toMatch(/accountId: must be 12 digits/);
    expect(run.stderr).toMatch(/iam\.users\.0\.userName/);
  });
});

describe("iam-hygiene demo", SLOW, () => {
  it("runs end to end with --quiet and writes the HTML and JSON reports and the story", async () => {
    // Prepare
    const cwd = await workDir();
    // Act
    const run = await runCli(["demo", "--quiet", "--out-dir", "out"], { cwd, env: childEnv() });
    // Assess
    expect(run.code, run.stderr).toBe(0);
    const out = join(cwd, "out");
    expect(run.stdout.trim().split("\n")).toEqual([
      join(out, "report.html"),
      join(out, "report.json"),
      join(out, "story.txt"),
    ]);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as {
      applied: boolean;
      totals: { revoked: number; ticketed: number; usedAfterDeparture: number };
      findings: { nativeId: string | null; outcome: string; principal: string | null }[];
    };
    expect(report.applied).toBe(true);
    expect(report.totals.revoked).toBeGreaterThanOrEqual(4);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nativeId: "AKIA4NWDW7K2Q9XR3E5L", outcome: "revoked" }),
        expect.objectContaining({ principal: "break-glass-admin", outcome: "protected" }),
        expect.objectContaining({ principal: "jsmith", outcome: "ticketed" }),
        expect.objectContaining({ principal: "svc-billing-export", outcome: "ticketed" }),
      ]),
    );
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toMatch(/<html/i);
    expect(html).toContain("AKIA4NWDW7K2Q9XR3E5L");

    const story = await readFile(join(out, "story.txt"), "utf8");
    expect(story).toMatch(/✔ aws-iam access-key AKIA4NWDW7K2Q9XR3E5L of dana\.whitfield \(Dana Whitfield\)/);
    expect(story).toMatch(/Dana Whitfield's key AKIA4NWDW7K2Q9XR3E5L: refused: InvalidClientTokenId/);
    expect(story).toMatch(/Marcus Oyelaran's Cognito refresh token: refused: NotAuthorizedException/);
    expect(story).toMatch(/Priya Raman's Cognito refresh token: works/);
    expect(story).toMatch(/SEC-\d+ \[To Do\] .*James Smith/);
    expect(story).toMatch(/→ DM to Elena Novak/);
    expect(story).toMatch(/185\.220\.101\.4/);
    expect(story).not.toMatch(/UNEXPECTED/);
  });
});
