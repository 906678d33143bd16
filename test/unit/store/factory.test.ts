/** Building the store and audit log from configuration. */
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import {
  auditLogFromConfig,
  DynamoDbStore,
  FileAuditLog,
  LocalDirectoryStore,
  S3AuditLog,
  StoreSetupError,
  storeFromConfig,
} from "../../../lambdas/store/index.ts";

describe("storeFromConfig", () => {
  it("puts the default local store next to the config", () => {
    // Prepare
    const config = parseConfig({});

    // Act
    const store = storeFromConfig(config.store, { baseDir: "/etc/iam-hygiene" });

    // Assess
    expect(store).toBeInstanceOf(LocalDirectoryStore);
    expect((store as LocalDirectoryStore).dir).toBe(join("/etc/iam-hygiene", ".iam-hygiene"));
  });

  it("builds the DynamoDB store with the caller's client, and refuses without one", () => {
    // Prepare
    const config = parseConfig({ store: { type: "dynamodb", table: "iam-hygiene" } });
    const client = new DynamoDBClient({ region: "us-east-1" });

    // Act
    const store = storeFromConfig(config.store, { dynamoDb: client });
    const missing = () => storeFromConfig(config.store, {});

    // Assess
    expect(store).toBeInstanceOf(DynamoDbStore);
    expect(missing).toThrow(StoreSetupError);
    client.destroy();
  });
});

describe("auditLogFromConfig", () => {
  it("answers undefined when no audit trail is configured", () => {
    expect(auditLogFromConfig(parseConfig({}).audit)).toBeUndefined();
  });

  it("builds a file log relative to the config and an S3 log with the caller's client", () => {
    // Prepare
    const file = parseConfig({ audit: { type: "file", path: "audit.jsonl" } }).audit;
    const s3Config = parseConfig({ audit: { type: "s3", bucket: "audit-trail" } }).audit;
    const s3 = new S3Client({ region: "us-east-1" });

    // Act
    const fileLog = auditLogFromConfig(file, { baseDir: "/srv" });
    const s3Log = auditLogFromConfig(s3Config, { s3 });

    // Assess
    expect(fileLog).toBeInstanceOf(FileAuditLog);
    expect((fileLog as FileAuditLog).path).toBe("/srv/audit.jsonl");
    expect(s3Log).toBeInstanceOf(S3AuditLog);
    expect((s3Log as S3AuditLog).prefix).toBe("audit/");
    expect(() => auditLogFromConfig(s3Config, {})).toThrow(StoreSetupError);
    s3.destroy();
  });
});
