import { CloudTrailClient, LookupEventsCommand, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../../sandbox/index.ts";
import { startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2025-06-01T12:00:00Z");

describe("sandbox CloudTrail, S3 and Secrets Manager over the real SDK", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(() => {
    sb.seed({
      now: NOW,
      iam: { users: [{ userName: "mallory", accessKeys: [{ id: "AKIAMALLORY000000001" }] }] },
      cloudtrail: {
        events: Array.from({ length: 60 }, (_, i) => ({
          eventName: i % 2 === 0 ? "ListBuckets" : "GetObject",
          eventSource: "s3.amazonaws.com",
          eventTime: new Date(NOW.getTime() - (i + 1) * 60_000),
          username: i < 30 ? "alice" : "bob",
          accessKeyId: i < 30 ? "AKIAALICE00000000001" : "AKIABOB0000000000001",
        })),
      },
      s3: { buckets: { hr: { "departures.csv": "email,departedAt\nbob@example.com,2025-05-01\n" } } },
      secrets: { "slack/token": "xoxb-123" },
    });
  });

  describe("CloudTrail LookupEvents", () => {
    it("filters by access key, pages with NextToken, newest first", async () => {
      // Prepare
      const trail = new CloudTrailClient(sandboxClientConfig(sb));
      // Act
      const events = [];
      for await (const page of paginateLookupEvents(
        { client: trail, pageSize: 7 },
        { LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAALICE00000000001" }] },
      )) {
        events.push(...(page.Events ?? []));
      }
      // Assess
      expect(events).toHaveLength(30);
      expect(events[0]?.EventTime).toEqual(new Date(NOW.getTime() - 60_000));
      expect(events.every((e) => e.Username === "alice")).toBe(true);
      expect(JSON.parse(events[0]!.CloudTrailEvent!)).toMatchObject({
        eventSource: "s3.amazonaws.com",
        sourceIPAddress: "127.0.0.1",
        awsRegion: "us-east-1",
      });
      trail.destroy();
    });

    it("filters by user name, event name and time range, and rejects MaxResults over 50", async () => {
      const trail = new CloudTrailClient(sandboxClientConfig(sb));
      const bob = await trail.send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "Username", AttributeValue: "bob" }] }),
      );
      const named = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetObject" }],
          StartTime: new Date(NOW.getTime() - 10 * 60_000),
          EndTime: NOW,
        }),
      );
      const tooMany = await trail.send(new LookupEventsCommand({ MaxResults: 51 })).catch((e: Error) => e);
      expect(bob.Events).toHaveLength(30);
      expect(named.Events?.map((e) => e.EventName)).toEqual(Array(5).fill("GetObject"));
      expect(tooMany).toMatchObject({ name: "InvalidMaxResultsException" });
      trail.destroy();
    });

    it("records calls signed with a sandbox key, with the caller's IP and user agent", async () => {
      // Prepare
      const asMallory = new IAMClient({
        ...sandboxClientConfig(sb, { accessKeyId: "AKIAMALLORY000000001", region: "ap-south-1" }),
        customUserAgent: "exfil-tool/1.0",
      });
      asMallory.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers["x-forwarded-for"] = "203.0.113.9";
          return next(args);
        },
        { step: "build" },
      );
      const trail = new CloudTrailClient(sandboxClientConfig(sb));
      // Act
      await asMallory.send(new ListUsersCommand({}));
      const found = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAMALLORY000000001" }],
        }),
      );
      // Assess
      expect(found.Events).toHaveLength(1);
      const event = found.Events![0]!;
      expect(event).toMatchObject({
        EventName: "ListUsers",
        EventSource: "iam.amazonaws.com",
        Username: "mallory",
        EventTime: NOW,
      });
      expect(JSON.parse(event.CloudTrailEvent!)).toMatchObject({
        sourceIPAddress: "203.0.113.9",
        awsRegion: "ap-south-1",
        userIdentity: { type: "IAMUser", userName: "mallory", accessKeyId: "AKIAMALLORY000000001" },
      });
      expect(JSON.parse(event.CloudTrailEvent!).userAgent).toContain("exfil-tool/1.0");
      asMallory.destroy();
      trail.destroy();
    });
  });

  describe("S3", () => {
    it("creates buckets, puts, gets, heads, lists and deletes objects", async () => {
      // Prepare
      const s3 = new S3Client({ ...sandboxClientConfig(sb), forcePathStyle: true });
      // Act
      await s3.send(new CreateBucketCommand({ Bucket: "audit" }));
      const put = await s3.send(
        new PutObjectCommand({ Bucket: "audit", Key: "2025/06/01/run.json", Body: '{"ok":true}' }),
      );
      await s3.send(new PutObjectCommand({ Bucket: "audit", Key: "2025/06/02/run.json", Body: "{}" }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "audit", Key: "2025/06/01/run.json" }));
      const body = await got.Body!.transformToString();
      const head = await s3.send(new HeadObjectCommand({ Bucket: "hr", Key: "departures.csv" }));
      const page1 = await s3.send(new ListObjectsV2Command({ Bucket: "audit", Prefix: "2025/", MaxKeys: 1 }));
      const page2 = await s3.send(
        new ListObjectsV2Command({
          Bucket: "audit",
          Prefix: "2025/",
          ContinuationToken: page1.NextContinuationToken,
        }),
      );
      await s3.send(new DeleteObjectCommand({ Bucket: "audit", Key: "2025/06/02/run.json" }));
      const missing = await s3
        .send(new GetObjectCommand({ Bucket: "audit", Key: "2025/06/02/run.json" }))
        .catch((e: Error) => e);
      const noBucket = await s3
        .send(new GetObjectCommand({ Bucket: "nope", Key: "x" }))
        .catch((e: Error) => e);
      // Assess
      expect(body).toBe('{"ok":true}');
      expect(got.ETag).toBe(put.ETag);
      expect(got.VersionId).toBe(put.VersionId);
      expect(got.VersionId).toBeTruthy();
      expect(head.ContentLength).toBe("email,departedAt\nbob@example.com,2025-05-01\n".length);
      expect(page1.Contents?.map((c) => c.Key)).toEqual(["2025/06/01/run.json"]);
      expect(page1.IsTruncated).toBe(true);
      expect(page2.Contents?.map((c) => c.Key)).toEqual(["2025/06/02/run.json"]);
      expect(missing).toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
      expect(noBucket).toMatchObject({ name: "NoSuchBucket" });
      s3.destroy();
    });
  });

  describe("Secrets Manager", () => {
    it("creates, reads and rotates secret values", async () => {
      // Prepare
      const sm = new SecretsManagerClient(sandboxClientConfig(sb));
      // Act
      const seeded = await sm.send(new GetSecretValueCommand({ SecretId: "slack/token" }));
      const created = await sm.send(new CreateSecretCommand({ Name: "jira/token", SecretString: "v1" }));
      await sm.send(new PutSecretValueCommand({ SecretId: "jira/token", SecretString: "v2" }));
      const current = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
      const previous = await sm.send(
        new GetSecretValueCommand({ SecretId: "jira/token", VersionStage: "AWSPREVIOUS" }),
      );
      const missing = await sm.send(new GetSecretValueCommand({ SecretId: "nope" })).catch((e: Error) => e);
      const duplicate = await sm
        .send(new CreateSecretCommand({ Name: "jira/token", SecretString: "x" }))
        .catch((e: Error) => e);
      // Assess
      expect(seeded).toMatchObject({ Name: "slack/token", SecretString: "xoxb-123", CreatedDate: NOW });
      expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:jira\/token-/);
      expect(current).toMatchObject({ SecretString: "v2", VersionStages: ["AWSCURRENT"] });
      expect(previous).toMatchObject({ SecretString: "v1", VersionStages: ["AWSPREVIOUS"] });
      expect(missing).toMatchObject({
        name: "ResourceNotFoundException",
        $metadata: { httpStatusCode: 400 },
      });
      expect(duplicate).toMatchObject({ name: "ResourceExistsException" });
      sm.destroy();
    });
  });
});
