import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePolicyDocument,
  formatIssueTime,
  mergeSessionRevocation,
  PolicyDocumentError,
  revokedBefore,
  sessionRevocationPolicy,
} from "../../../../lambdas/sources/aws-iam/session-policy.ts";

describe("sessionRevocationPolicy", () => {
  it("denies everything to tokens issued before the instant, like the console's Revoke active sessions", () => {
    // Act
    const doc = sessionRevocationPolicy(new Date("2026-06-01T12:00:00Z"));

    // Assess
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "IamHygieneRevokeOlderSessions",
          Effect: "Deny",
          Action: ["*"],
          Resource: ["*"],
          Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-06-01T12:00:00Z" } },
        },
      ],
    });
  });

  it("rounds the cut-off up to the second, so a token issued in the departure's second is denied", () => {
    expect(formatIssueTime(new Date("2026-06-01T12:00:00.001Z"))).toBe("2026-06-01T12:00:01Z");
    expect(formatIssueTime(new Date("2026-06-01T12:00:00.000Z"))).toBe("2026-06-01T12:00:00Z");
  });
});

describe("decodePolicyDocument", () => {
  it("decodes the URL-encoded JSON GetUserPolicy returns", () => {
    // Prepare
    const raw = encodeURIComponent(JSON.stringify(sessionRevocationPolicy(new Date("2026-01-01T00:00:00Z"))));

    // Act
    const doc = decodePolicyDocument(raw);

    // Assess
    expect(revokedBefore(doc)).toEqual(new Date("2026-01-01T00:00:00Z"));
  });

  it("accepts plain JSON and a single statement object", () => {
    // Prepare
    const raw = JSON.stringify({
      Version: "2012-10-17",
      Statement: {
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { DateLessThan: { "aws:TokenIssueTime": "2025-05-05T05:05:05Z" } },
      },
    });

    // Act / Assess
    expect(revokedBefore(decodePolicyDocument(raw))).toEqual(new Date("2025-05-05T05:05:05Z"));
  });

  it("rejects text that is not a policy", () => {
    expect(() => decodePolicyDocument("%E0%A4%A")).toThrow(PolicyDocumentError);
    expect(() => decodePolicyDocument("not json")).toThrow(PolicyDocumentError);
    expect(() => decodePolicyDocument("{}")).toThrow(/no Statement/);
  });
});

describe("revokedBefore", () => {
  it("ignores denies narrower than everything, and allows", () => {
    // Prepare
    const doc = decodePolicyDocument(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Action: "s3:*",
            Resource: "*",
            Condition: { DateLessThan: { "aws:TokenIssueTime": "2030-01-01T00:00:00Z" } },
          },
          {
            Effect: "Allow",
            Action: "*",
            Resource: "*",
            Condition: { DateLessThan: { "aws:TokenIssueTime": "2030-01-01T00:00:00Z" } },
          },
        ],
      }),
    );

    // Act / Assess
    expect(revokedBefore(doc)).toBeUndefined();
  });

  it("takes the latest cut-off of several statements", () => {
    // Prepare
    const statement = (at: string) => ({
      Effect: "Deny",
      Action: ["*"],
      Resource: ["*"],
      Condition: { DateLessThan: { "aws:TokenIssueTime": at } },
    });
    const doc = decodePolicyDocument(
      JSON.stringify({ Statement: [statement("2024-01-01T00:00:00Z"), statement("2025-01-01T00:00:00Z")] }),
    );

    // Act / Assess
    expect(revokedBefore(doc)).toEqual(new Date("2025-01-01T00:00:00Z"));
  });
});

describe("mergeSessionRevocation", () => {
  const encoded = (at: string) => encodeURIComponent(JSON.stringify(sessionRevocationPolicy(new Date(at))));

  it("writes the requested cut-off when there is no policy", () => {
    // Act
    const merge = mergeSessionRevocation(undefined, new Date("2026-06-01T12:00:00Z"));

    // Assess
    expect(merge.unchanged).toBe(false);
    expect(merge.issuedBefore).toEqual(new Date("2026-06-01T12:00:00Z"));
  });

  it("never moves the cut-off earlier", () => {
    // Act
    const merge = mergeSessionRevocation(encoded("2026-06-02T00:00:00Z"), new Date("2026-06-01T00:00:00Z"));

    // Assess
    expect(merge.unchanged).toBe(true);
    expect(merge.issuedBefore).toEqual(new Date("2026-06-02T00:00:00Z"));
    expect(revokedBefore(merge.document)).toEqual(new Date("2026-06-02T00:00:00Z"));
  });

  it("moves the cut-off later", () => {
    // Act
    const merge = mergeSessionRevocation(encoded("2026-05-01T00:00:00Z"), new Date("2026-06-01T00:00:00Z"));

    // Assess
    expect(merge.unchanged).toBe(false);
    expect(revokedBefore(merge.document)).toEqual(new Date("2026-06-01T00:00:00Z"));
  });

  it("always enforces the later of the existing and requested cut-offs (property)", () => {
    const instant = fc.date({
      min: new Date("2015-01-01"),
      max: new Date("2035-01-01"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, instant, (existing, requested) => {
        const merge = mergeSessionRevocation(
          encodeURIComponent(JSON.stringify(sessionRevocationPolicy(existing))),
          requested,
        );
        const enforced = revokedBefore(merge.document)!;
        return enforced >= requested && enforced >= new Date(formatIssueTime(existing));
      }),
    );
  });
});
