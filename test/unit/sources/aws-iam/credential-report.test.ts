import { describe, expect, it } from "vitest";
import {
  CREDENTIAL_REPORT_COLUMNS,
  CredentialReportFormatError,
  decodeReportContent,
  parseCredentialReport,
  pathFromArn,
  readCredentialReport,
} from "../../../../lambdas/sources/aws-iam/credential-report.ts";

const HEADER = CREDENTIAL_REPORT_COLUMNS.join(",");

/** Rows as AWS writes them (values from the AWS documentation's column descriptions). */
const ROOT =
  "<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2026-05-30T08:00:00+00:00,not_supported,not_supported,true,true,2020-02-02T10:00:00+00:00,2026-05-01T09:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
const ALICE =
  "alice,arn:aws:iam::123456789012:user/people/eng/alice,2021-03-04T05:06:07+00:00,true,2026-05-31T12:00:00+00:00,2025-12-01T00:00:00+00:00,2026-06-30T00:00:00+00:00,false,true,2024-01-01T00:00:00+00:00,2026-05-30T11:22:33+00:00,eu-west-1,ec2,false,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,true,2023-03-03T03:03:03+00:00,false,2023-04-04T04:04:04+00:00";
const BOB =
  "bob,arn:aws:iam::123456789012:user/bob,2010-01-01T00:00:00+00:00,true,no_information,2012-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
const SVC =
  "svc-deploy,arn:aws:iam::123456789012:user/service/svc-deploy,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-02-02T00:00:00+00:00,N/A,N/A,N/A,true,2024-03-03T00:00:00+00:00,2026-05-29T00:00:00+00:00,us-west-2,sts,false,N/A,false,N/A";

const csv = [HEADER, ROOT, ALICE, BOB, SVC].join("\n");

describe("parseCredentialReport", () => {
  it("reads the root row as root credentials, with not_supported password fields", () => {
    // Act
    const root = parseCredentialReport(csv).rows[0]!;

    // Assess
    expect(root).toMatchObject({
      user: "<root_account>",
      isRoot: true,
      path: "/",
      passwordEnabled: "not_supported",
      passwordLastChanged: "not_supported",
      passwordNextRotation: "not_supported",
      mfaActive: true,
      certificates: [],
    });
    expect(root.passwordLastUsed).toEqual(new Date("2026-05-30T08:00:00Z"));
    expect(root.accessKeys).toEqual([
      {
        slot: 1,
        active: true,
        lastRotated: new Date("2020-02-02T10:00:00Z"),
        lastUsedDate: new Date("2026-05-01T09:00:00Z"),
        lastUsedRegion: "us-east-1",
        lastUsedService: "s3",
      },
    ]);
  });

  it("reads every column of a user row", () => {
    // Act
    const alice = parseCredentialReport(csv).rows[1]!;

    // Assess
    expect(alice).toEqual({
      user: "alice",
      arn: "arn:aws:iam::123456789012:user/people/eng/alice",
      isRoot: false,
      path: "/people/eng/",
      userCreationTime: new Date("2021-03-04T05:06:07Z"),
      passwordEnabled: true,
      passwordLastUsed: new Date("2026-05-31T12:00:00Z"),
      passwordLastChanged: new Date("2025-12-01T00:00:00Z"),
      passwordNextRotation: new Date("2026-06-30T00:00:00Z"),
      mfaActive: false,
      accessKeys: [
        {
          slot: 1,
          active: true,
          lastRotated: new Date("2024-01-01T00:00:00Z"),
          lastUsedDate: new Date("2026-05-30T11:22:33Z"),
          lastUsedRegion: "eu-west-1",
          lastUsedService: "ec2",
        },
        {
          slot: 2,
          active: false,
          lastRotated: new Date("2025-01-01T00:00:00Z"),
          lastUsedDate: "N/A",
          lastUsedRegion: undefined,
          lastUsedService: undefined,
        },
      ],
      certificates: [
        { slot: 1, active: true, lastRotated: new Date("2023-03-03T03:03:03Z") },
        { slot: 2, active: false, lastRotated: new Date("2023-04-04T04:04:04Z") },
      ],
    });
  });

  it("keeps no_information and N/A apart, and lists no key where last_rotated is N/A", () => {
    // Act
    const bob = parseCredentialReport(csv).rows[2]!;

    // Assess
    expect(bob.passwordLastUsed).toBe("no_information");
    expect(bob.passwordNextRotation).toBe("N/A");
    expect(bob.mfaActive).toBe(true);
    expect(bob.accessKeys).toEqual([]);
    expect(bob.certificates).toEqual([]);
  });

  it("reads a never-used key (N/A last use) and a used second slot", () => {
    // Act
    const svc = parseCredentialReport(csv).rows[3]!;

    // Assess
    expect(svc.passwordEnabled).toBe(false);
    expect(svc.passwordLastUsed).toBe("N/A");
    expect(svc.path).toBe("/service/");
    expect(svc.accessKeys.map((k) => [k.slot, k.active, k.lastUsedDate])).toEqual([
      [1, true, "N/A"],
      [2, true, new Date("2026-05-29T00:00:00Z")],
    ]);
  });

  it("reads columns by header name, whatever their order, and ignores unknown columns", () => {
    // Prepare: reverse the columns and add one AWS might add later.
    const names = [...CREDENTIAL_REPORT_COLUMNS, "future_column"];
    const cells = [...ALICE.split(","), "x"];
    const order = names.map((_, i) => names.length - 1 - i);
    const shuffled = [order.map((i) => names[i]).join(","), order.map((i) => cells[i]).join(",")].join(
      "\r\n",
    );

    // Act
    const [row] = parseCredentialReport(shuffled).rows;

    // Assess
    expect(row).toEqual(parseCredentialReport(csv).rows[1]);
  });

  it("honours RFC 4180 quoting and a trailing newline", () => {
    // Prepare
    const quoted = ALICE.replace("alice,", '"alice",');

    // Act
    const rows = parseCredentialReport(`${HEADER}\n${quoted}\n`).rows;

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]!.user).toBe("alice");
  });

  it("rejects a report missing a column, naming it", () => {
    // Prepare
    const header = CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== "mfa_active").join(",");

    // Act / Assess
    expect(() => parseCredentialReport(`${header}\n`)).toThrow(CredentialReportFormatError);
    expect(() => parseCredentialReport(`${header}\n`)).toThrow(/mfa_active/);
  });

  it("rejects a malformed time or boolean with its line and column", () => {
    // Act / Assess
    expect(() =>
      parseCredentialReport(`${HEADER}\n${ALICE.replace("2021-03-04T05:06:07+00:00", "yesterday")}`),
    ).toThrow(/line 2: user_creation_time/);
    expect(() =>
      parseCredentialReport(`${HEADER}\n${BOB.replace(",true,false,N/A", ",yes,false,N/A")}`),
    ).toThrow(/mfa_active is not a boolean/);
  });

  it("rejects an empty report", () => {
    expect(() => parseCredentialReport("")).toThrow(CredentialReportFormatError);
  });
});

describe("decodeReportContent", () => {
  it("reads the SDK's decoded bytes, base64 text, and base64 text handed over as bytes", () => {
    // Prepare
    const bytes = new TextEncoder().encode(csv);
    const base64 = Buffer.from(csv).toString("base64");

    // Act / Assess
    expect(decodeReportContent(bytes)).toBe(csv);
    expect(decodeReportContent(base64)).toBe(csv);
    expect(decodeReportContent(new TextEncoder().encode(base64))).toBe(csv);
  });

  it("rejects content that is not a report", () => {
    expect(() => decodeReportContent(new TextEncoder().encode("<html>nope</html>"))).toThrow(
      CredentialReportFormatError,
    );
  });

  it("keeps GeneratedTime with the parsed report", () => {
    // Prepare
    const at = new Date("2026-06-01T10:00:00Z");

    // Act
    const report = readCredentialReport(new TextEncoder().encode(csv), at);

    // Assess
    expect(report.generatedAt).toEqual(at);
    expect(report.rows).toHaveLength(4);
  });
});

describe("pathFromArn", () => {
  it("takes the path between the resource type and the name", () => {
    expect(pathFromArn("arn:aws:iam::123456789012:user/alice")).toBe("/");
    expect(pathFromArn("arn:aws:iam::123456789012:user/a/b/alice")).toBe("/a/b/");
    expect(pathFromArn("arn:aws-cn:iam::123456789012:user/division_abc/alice")).toBe("/division_abc/");
  });
});
