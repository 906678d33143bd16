/**
 * The audit trail: the JSON Lines file on disk, and one S3 object per record against the
 * project's sandbox (path-style S3 on 127.0.0.1).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { AuditRecordError, FileAuditLog, S3AuditLog } from "../../../lambdas/store/index.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const STARTED = new Date("2024-03-01T09:00:00.000Z");

describe("FileAuditLog", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "iam-hygiene-audit-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("appends one JSON line per record, dates as ISO strings", async () => {
    // Prepare
    const path = join(root, "nested", "audit.jsonl");
    const log = new FileAuditLog(path);

    // Act
    await log.append({ scanId: "scan-1", startedAt: STARTED, revoked: ["AKIA1"] });
    await log.append({ scanId: "scan-2", startedAt: new Date(STARTED.getTime() + 1000), revoked: [] });

    // Assess
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(JSON.parse(lines[0]!)).toEqual({
      scanId: "scan-1",
      startedAt: "2024-03-01T09:00:00.000Z",
      revoked: ["AKIA1"],
    });
    expect(await log.read()).toEqual([
      { scanId: "scan-1", startedAt: "2024-03-01T09:00:00.000Z", revoked: ["AKIA1"] },
      { scanId: "scan-2", startedAt: "2024-03-01T09:00:01.000Z", revoked: [] },
    ]);
  });

  it("keeps concurrent appends on separate lines", async () => {
    // Prepare
    const log = new FileAuditLog(join(root, "concurrent.jsonl"));

    // Act
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append({ i, padding: "x".repeat(5_000) })));

    // Assess
    const records = await log.read();
    expect(records.map((r) => r.i).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("refuses a record that does not serialise and reads nothing from a missing file", async () => {
    // Prepare
    const log = new FileAuditLog(join(root, "refused.jsonl"));
    const cyclic: Record<string, unknown> = { scanId: "scan-1" };
    cyclic.self = cyclic;

    // Act
    const appended = log.append(cyclic);

    // Assess
    await expect(appended).rejects.toBeInstanceOf(AuditRecordError);
    expect(await log.read()).toEqual([]);
  });
});

describe("S3AuditLog against the sandbox", () => {
  let sandbox: Sandbox;
  let s3: S3Client;
  beforeAll(async () => {
    sandbox = await startSandbox();
    s3 = new S3Client({ ...sandboxClientConfig(sandbox), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "audit-trail" }));
  });
  afterAll(async () => {
    s3?.destroy();
    await sandbox?.close();
  });

  it("writes one object per record under prefix/YYYY/MM/DD and reads them back in order", async () => {
    // Prepare
    const log = new S3AuditLog(s3, "audit-trail", "audit", { clock: fixedClock(STARTED) });
    const later = new S3AuditLog(s3, "audit-trail", "audit/", {
      clock: fixedClock(new Date("2024-03-02T00:00:00.000Z")),
    });

    // Act
    await log.append({ scanId: "scan/1", startedAt: STARTED, found: 3 });
    await later.append({ startedAt: new Date("2024-03-02T00:00:00.000Z"), found: 0 });

    // Assess
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "audit-trail", Prefix: "audit/" }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? "").sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^audit\/2024\/03\/01\/090000\.000Z-scan_1-[0-9a-f]{12}\.json$/);
    expect(keys[1]).toMatch(/^audit\/2024\/03\/02\/000000\.000Z-[0-9a-f]{12}\.json$/);
    expect(await log.read()).toEqual([
      { scanId: "scan/1", startedAt: "2024-03-01T09:00:00.000Z", found: 3 },
      { startedAt: "2024-03-02T00:00:00.000Z", found: 0 },
    ]);
  });

  it("keeps two records of the same millisecond apart", async () => {
    // Prepare
    const log = new S3AuditLog(s3, "audit-trail", "same-ms/", { clock: fixedClock(STARTED) });

    // Act
    await Promise.all([log.append({ scanId: "scan-1", n: 1 }), log.append({ scanId: "scan-1", n: 2 })]);

    // Assess
    expect((await log.read()).map((r) => r.n).sort()).toEqual([1, 2]);
  });
});
