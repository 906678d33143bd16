import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../sandbox/index.ts";
import { CREDENTIAL_REPORT_COLUMNS, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2025-06-01T12:00:00Z");

function parseCsv(content: Uint8Array): Record<string, string>[] {
  const [header, ...rows] = new TextDecoder().decode(content).split("\n");
  const columns = header!.split(",");
  return rows.map((row) => Object.fromEntries(row.split(",").map((v, i) => [columns[i]!, v])));
}

describe("sandbox credential report", () => {
  let sb: Sandbox;
  let iam: IAMClient;

  beforeAll(async () => {
    sb = await startSandbox();
    iam = new IAMClient(sandboxClientConfig(sb));
  });
  afterAll(async () => {
    iam.destroy();
    await sb.close();
  });
  beforeEach(() => {
    sb.seed({
      now: NOW,
      iam: {
        accountCreatedAt: "2020-01-01T00:00:00Z",
        rootAccessKeys: [{ id: "AKIAROOT000000000001", createdAt: "2020-02-01T00:00:00Z" }],
        users: [
          {
            userName: "alice",
            createdAt: "2024-01-01T00:00:00Z",
            password: { createdAt: "2024-01-02T00:00:00Z" },
            mfa: true,
            accessKeys: [
              {
                id: "AKIAALICE00000000002",
                createdAt: "2024-03-01T00:00:00Z",
                lastUsedAt: "2025-05-31T10:00:00Z",
                lastUsedService: "s3",
                lastUsedRegion: "eu-west-1",
              },
              { id: "AKIAALICE00000000001", createdAt: "2024-02-01T00:00:00Z", status: "Inactive" },
            ],
            signingCertificates: [{ uploadedAt: "2024-04-01T00:00:00Z" }],
          },
          { userName: "bob", createdAt: "2024-05-01T00:00:00Z" },
        ],
      },
    });
  });

  it("answers ReportNotPresent (410) before any generation", async () => {
    const err = await iam.send(new GetCredentialReportCommand({})).catch((e: Error) => e);
    expect(err).toMatchObject({
      name: "CredentialReportNotPresentException",
      $metadata: { httpStatusCode: 410 },
    });
  });

  it("goes STARTED then COMPLETE, and builds AWS's 22 columns with the root row first", async () => {
    // Act
    const started = await iam.send(new GenerateCredentialReportCommand({}));
    const complete = await iam.send(new GenerateCredentialReportCommand({}));
    const report = await iam.send(new GetCredentialReportCommand({}));
    const rows = parseCsv(report.Content!);
    // Assess
    expect(started.State).toBe("STARTED");
    expect(complete.State).toBe("COMPLETE");
    expect(report.ReportFormat).toBe("text/csv");
    expect(report.GeneratedTime).toEqual(NOW);
    const header = new TextDecoder().decode(report.Content!).split("\n")[0]!.split(",");
    expect(header).toEqual([...CREDENTIAL_REPORT_COLUMNS]);
    expect(header).toHaveLength(22);
    expect(rows.map((r) => r.user)).toEqual(["<root_account>", "alice", "bob"]);
    expect(rows[0]).toMatchObject({
      arn: "arn:aws:iam::123456789012:root",
      user_creation_time: "2020-01-01T00:00:00+00:00",
      password_enabled: "not_supported",
      password_last_changed: "not_supported",
      password_next_rotation: "not_supported",
      access_key_1_active: "true",
      access_key_1_last_rotated: "2020-02-01T00:00:00+00:00",
      access_key_1_last_used_date: "N/A",
      access_key_2_active: "false",
    });
    // Keys are ordered by creation: the older (inactive) key is key 1.
    expect(rows[1]).toMatchObject({
      password_enabled: "true",
      password_last_used: "no_information",
      password_last_changed: "2024-01-02T00:00:00+00:00",
      mfa_active: "true",
      access_key_1_active: "false",
      access_key_1_last_rotated: "2024-02-01T00:00:00+00:00",
      access_key_1_last_used_date: "N/A",
      access_key_1_last_used_region: "N/A",
      access_key_1_last_used_service: "N/A",
      access_key_2_active: "true",
      access_key_2_last_used_date: "2025-05-31T10:00:00+00:00",
      access_key_2_last_used_region: "eu-west-1",
      access_key_2_last_used_service: "s3",
      cert_1_active: "true",
      cert_1_last_rotated: "2024-04-01T00:00:00+00:00",
      cert_2_active: "false",
      cert_2_last_rotated: "N/A",
    });
    expect(rows[2]).toMatchObject({
      password_enabled: "false",
      password_last_used: "N/A",
      password_last_changed: "N/A",
      mfa_active: "false",
      access_key_1_active: "false",
      access_key_1_last_rotated: "N/A",
    });
  });

  it("reuses a report younger than four hours and rebuilds an older one", async () => {
    // Prepare
    await iam.send(new GenerateCredentialReportCommand({}));
    sb.iam.createUser("late-joiner", "/", sb.clock.now());
    // Act
    sb.clock.advance(3 * 3600_000);
    const reused = await iam.send(new GenerateCredentialReportCommand({}));
    const reusedReport = parseCsv((await iam.send(new GetCredentialReportCommand({}))).Content!);
    sb.clock.advance(3600_000);
    const expired = await iam.send(new GetCredentialReportCommand({})).catch((e: Error) => e);
    const rebuilt = await iam.send(new GenerateCredentialReportCommand({}));
    const fresh = await iam.send(new GetCredentialReportCommand({}));
    // Assess
    expect(reused.State).toBe("COMPLETE");
    expect(reusedReport.map((r) => r.user)).not.toContain("late-joiner");
    expect(expired).toMatchObject({
      name: "CredentialReportExpiredException",
      $metadata: { httpStatusCode: 410 },
    });
    expect(rebuilt.State).toBe("STARTED");
    expect(fresh.GeneratedTime).toEqual(new Date(NOW.getTime() + 4 * 3600_000));
    expect(parseCsv(fresh.Content!).map((r) => r.user)).toContain("late-joiner");
  });

  it("answers ReportInProgress (404) and INPROGRESS while a slow report is generated", async () => {
    // Prepare
    const slow = await startSandbox({ credentialReportDelayMs: 300, scenario: { iam: { users: [] } } });
    const client = new IAMClient(sandboxClientConfig(slow));
    // Act
    const started = await client.send(new GenerateCredentialReportCommand({}));
    const inProgress = await client.send(new GenerateCredentialReportCommand({}));
    const early = await client.send(new GetCredentialReportCommand({})).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 350));
    const done = await client.send(new GenerateCredentialReportCommand({}));
    const report = await client.send(new GetCredentialReportCommand({}));
    // Assess
    expect(started.State).toBe("STARTED");
    expect(inProgress.State).toBe("INPROGRESS");
    expect(early).toMatchObject({
      name: "CredentialReportNotReadyException",
      $metadata: { httpStatusCode: 404 },
    });
    expect(done.State).toBe("COMPLETE");
    expect(parseCsv(report.Content!)).toHaveLength(1);
    client.destroy();
    await slow.close();
  });
});
