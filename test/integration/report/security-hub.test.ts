import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { publishToSecurityHub, SECURITY_HUB_BATCH_SIZE } from "../../../lambdas/notify/security-hub.ts";
import { type AsffFinding, toAsffFindings } from "../../../lambdas/report/asff.ts";
import { SandboxCore } from "../../../sandbox/server.ts";
import { scanReportFixture } from "../../support/scan-report-fixture.ts";

// The sandbox core behind our own server, so the test reaches the Security Hub state directly.
const core = new SandboxCore({ region: "eu-west-1" });
let server: Server;
let client: SecurityHubClient;

function findings(count: number): AsffFinding[] {
  const base = toAsffFindings(scanReportFixture(), { region: "eu-west-1", accountId: "123456789012" });
  return Array.from({ length: count }, (_, i) => {
    const f = base[i % base.length]!;
    return { ...f, Id: `${f.Id}/${i}` };
  });
}

describe("publishToSecurityHub against the sandbox", () => {
  beforeAll(async () => {
    server = createServer((req, res) => void core.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = new SecurityHubClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIATESTTESTTESTTEST", secretAccessKey: "test-secret" },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => core.reset());

  it("imports a real report's findings, every one accepted by the service's validation", async () => {
    const asff = toAsffFindings(scanReportFixture(), { region: "eu-west-1", accountId: "123456789012" });

    const result = await publishToSecurityHub(client, asff);

    expect(result).toMatchObject({
      total: asff.length,
      imported: asff.length,
      failed: 0,
      retried: 0,
      requests: 1,
    });
    expect(core.securityHub.findings.size).toBe(asff.length);
  });

  it("sends batches of at most 100 and re-imports update rather than add", async () => {
    const many = findings(250);

    const first = await publishToSecurityHub(client, many);
    const again = await publishToSecurityHub(client, many);

    expect(first).toMatchObject({ imported: 250, requests: Math.ceil(250 / SECURITY_HUB_BATCH_SIZE) });
    expect(again.imported).toBe(250);
    expect(core.calls()["securityhub:BatchImportFindings"]).toBe(6);
    expect(core.securityHub.findings.size).toBe(250);
    expect([...core.securityHub.findings.values()].every((s) => s.imports === 2)).toBe(true);
  });

  it("retries findings that failed transiently, once", async () => {
    const batch = findings(5);
    core.securityHub.failFinding(batch[1]!.Id, 1);
    core.securityHub.failFinding(batch[3]!.Id, 2);

    const result = await publishToSecurityHub(client, batch);

    expect(result).toMatchObject({ imported: 4, failed: 1, retried: 2, requests: 2 });
    expect(result.failures).toEqual([
      { id: batch[3]!.Id, code: "InternalException", message: "Internal service failure" },
    ]);
  });

  it("does not retry findings the service rejects as invalid, and reports why", async () => {
    const [good, bad] = findings(2);
    const invalid = { ...bad!, Description: "" } as AsffFinding;
    const wrongAccount = { ...good!, Id: "other", AwsAccountId: "999999999999" } as AsffFinding;

    const result = await publishToSecurityHub(client, [good!, invalid, wrongAccount]);

    expect(result).toMatchObject({ imported: 1, failed: 2, retried: 0, requests: 1 });
    expect(result.failures.map((f) => f.code)).toEqual(["InvalidInput", "InvalidInput"]);
    expect(result.failures[0]?.message).toMatch(/Description/);
    expect(result.failures[1]?.message).toMatch(/AwsAccountId/);
  });

  it("records a request that fails whole against its findings, and carries on with the next batch", async () => {
    core.faults.set("securityhub:BatchImportFindings", { errorRate: 1 });

    const result = await publishToSecurityHub(client, findings(3));

    expect(result.imported).toBe(0);
    expect(result.failed).toBe(3);
    expect(result.failures[0]?.code).toBe("InternalFailure");
  });
});
