/**
 * Error paths of report fetching the sandbox cannot produce (LimitExceeded from
 * GenerateCredentialReport, a report expiring between the two calls, access denied), with
 * aws-sdk-client-mock. The happy path and polling run against the sandbox in test/integration.
 */
import {
  CredentialReportExpiredException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CallCounter } from "../../../../lambdas/sources/aws-iam/aws-calls.ts";
import { CREDENTIAL_REPORT_COLUMNS } from "../../../../lambdas/sources/aws-iam/credential-report.ts";
import {
  CredentialReportTimeoutError,
  fetchCredentialReport,
} from "../../../../lambdas/sources/aws-iam/fetch-report.ts";

const iamMock = mockClient(IAMClient);
const meta = { $metadata: {} };
const csv = `${CREDENTIAL_REPORT_COLUMNS.join(",")}\n`;

describe("fetchCredentialReport error paths", () => {
  afterEach(() => iamMock.reset());

  it("retries LimitExceeded and an expired report, then reads the report", async () => {
    // Prepare
    iamMock
      .on(GenerateCredentialReportCommand)
      .rejectsOnce(new LimitExceededException({ message: "slow down", ...meta }))
      .resolves({ State: "COMPLETE" });
    iamMock
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportExpiredException({ message: "expired", ...meta }))
      .resolves({ Content: new TextEncoder().encode(csv), GeneratedTime: new Date("2026-06-01T00:00:00Z") });
    const sleeps: number[] = [];

    // Act
    const report = await fetchCredentialReport(new IAMClient({}), new CallCounter(), {
      pollMs: 100,
      sleep: async (ms) => void sleeps.push(ms),
    });

    // Assess
    expect(report).toEqual({ rows: [], generatedAt: new Date("2026-06-01T00:00:00Z") });
    expect(sleeps).toEqual([100, 200]);
  });

  it("gives up after the bounded wait with a timeout error that keeps the last cause", async () => {
    // Prepare
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: "INPROGRESS" });

    // Act
    const error = await fetchCredentialReport(new IAMClient({}), new CallCounter(), {
      pollMs: 1000,
      maxPollMs: 4000,
      timeoutMs: 10_000,
      sleep: async () => {},
    }).catch((e: unknown) => e);

    // Assess: waits 1 + 2 + 4 + 3 s (the rest of the budget), then stops.
    expect(error).toBeInstanceOf(CredentialReportTimeoutError);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(5);
  });

  it("lets access denied through at once", async () => {
    // Prepare
    iamMock
      .on(GenerateCredentialReportCommand)
      .rejects(new IAMServiceException({ name: "AccessDenied", $fault: "client", message: "no", ...meta }));

    // Act / Assess
    await expect(
      fetchCredentialReport(new IAMClient({}), new CallCounter(), { pollMs: 0, sleep: async () => {} }),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
  });
});
