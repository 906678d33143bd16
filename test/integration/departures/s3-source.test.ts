import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DepartureSourceError } from "../../../lambdas/departures/errors.ts";
import { S3DepartureSource } from "../../../lambdas/departures/sources.ts";
import { type Sandbox, startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

let sandbox: Sandbox;
let s3: S3Client;

beforeAll(async () => {
  sandbox = await startSandbox();
  s3 = new S3Client({ ...sandboxClientConfig(sandbox), forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.reset();
});

describe("S3DepartureSource against the sandbox", () => {
  it("reads the object, records its version in the origin and detects the format from the key", async () => {
    // Prepare
    const object = sandbox.s3.putObject(
      "hr-exports",
      "departures/2024-05.jsonl",
      '{"email":"ada@example.com","departed_at":"2024-03-10"}\r\n\r\n{"employee_id":"E2","departed_at":"2024-03-11"}\r\n',
    );

    // Act
    const list = await new S3DepartureSource(s3, "s3://hr-exports/departures/2024-05.jsonl", {
      timeZone: "America/New_York",
    }).load();

    // Assess
    expect(object.versionId).toBeTruthy();
    expect(list.origin).toBe(`s3://hr-exports/departures/2024-05.jsonl#${object.versionId}`);
    expect(list.rejected).toBe(false);
    expect(list.people.map((p) => p.departedAt.toISOString())).toEqual([
      "2024-03-10T05:00:00.000Z",
      "2024-03-11T04:00:00.000Z",
    ]);
  });

  it("rejects an invalid CSV object whole in strict mode", async () => {
    sandbox.s3.putObject(
      "hr-exports",
      "departures.csv",
      "\uFEFFemail,departed_at\r\nada@example.com,yesterday\r\n",
    );
    const list = await new S3DepartureSource(s3, "s3://hr-exports/departures.csv", {
      timeZone: "UTC",
    }).load();
    expect(list.rejected).toBe(true);
    expect(list.errors).toEqual([
      { line: 2, field: "departed_at", message: expect.stringMatching(/^not a date/) },
    ]);
  });

  it("throws DepartureSourceError naming the object when it is missing", async () => {
    sandbox.s3.putObject("hr-exports", "other.csv", "email,departed_at\n");
    const load = new S3DepartureSource(s3, "s3://hr-exports/departures.csv", { timeZone: "UTC" }).load();
    await expect(load).rejects.toBeInstanceOf(DepartureSourceError);
    await expect(load).rejects.toThrow(
      /^departure list s3:\/\/hr-exports\/departures\.csv: cannot be read \(NoSuchKey/,
    );
  });

  it("refuses an address that is not s3://bucket/key", () => {
    expect(() => new S3DepartureSource(s3, "s3://bucket-only", { timeZone: "UTC" })).toThrow(
      DepartureSourceError,
    );
  });
});
