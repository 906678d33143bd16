/**
 * Gets one credential report: GenerateCredentialReport, poll until it is `COMPLETE`, then
 * GetCredentialReport. Generation is asynchronous and AWS hands back the existing report
 * if it is less than four hours old:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateCredentialReport.html
 */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import type { CallCounter } from "./aws-calls.ts";
import { isAwsError } from "./aws-calls.ts";
import {
  type CredentialReport,
  CredentialReportFormatError,
  readCredentialReport,
} from "./credential-report.ts";

/** How the report is polled. */
export interface ReportPolling {
  /** First wait between polls; doubles up to `maxPollMs`. */
  readonly pollMs: number;
  /** @default 10_000 */
  readonly maxPollMs?: number;
  /** Total time spent waiting before giving up. @default 300_000 */
  readonly timeoutMs?: number;
  /** Polls before giving up, whatever the waits (a zero `pollMs` must still end). @default 120 */
  readonly maxPolls?: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The report did not become available within the bounded wait. */
export class CredentialReportTimeoutError extends Error {
  override readonly name = "CredentialReportTimeoutError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Errors that mean "not yet": generation is running, or too many generations were asked for. */
const NOT_YET = [
  "LimitExceeded",
  "ReportGenerationLimitExceeded",
  "ReportInProgress",
  "CredentialReportNotReady",
  "ReportNotPresent",
  "CredentialReportNotPresent",
  "ReportExpired",
  "CredentialReportExpired",
];

/**
 * Generates (or reuses) and downloads the report, polling with exponential backoff inside a
 * bounded total wait. Throws `CredentialReportTimeoutError` when the wait runs out,
 * `CredentialReportFormatError` when the report cannot be read, and the SDK's error for
 * anything else (access denied, ...).
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  calls: CallCounter,
  polling: ReportPolling,
): Promise<CredentialReport> {
  const maxPollMs = polling.maxPollMs ?? 10_000;
  const timeoutMs = polling.timeoutMs ?? 300_000;
  const maxPolls = polling.maxPolls ?? 120;
  let delay = Math.max(0, polling.pollMs);
  let waited = 0;
  let lastError: unknown;
  for (let poll = 1; ; poll++) {
    let state: string | undefined;
    try {
      const generated = await calls.run("iam:GenerateCredentialReport", () =>
        iam.send(new GenerateCredentialReportCommand({})),
      );
      state = generated.State;
    } catch (error) {
      if (!isAwsError(error, ...NOT_YET)) throw error;
      lastError = error;
    }
    if (state === "COMPLETE") {
      try {
        const got = await calls.run("iam:GetCredentialReport", () =>
          iam.send(new GetCredentialReportCommand({})),
        );
        if (got.Content === undefined)
          throw new CredentialReportFormatError("GetCredentialReport returned no Content");
        return readCredentialReport(got.Content, got.GeneratedTime);
      } catch (error) {
        // A report that expired or is being regenerated between the two calls: poll again.
        if (!isAwsError(error, ...NOT_YET)) throw error;
        lastError = error;
      }
    }
    if (waited >= timeoutMs || poll >= maxPolls) {
      throw new CredentialReportTimeoutError(
        `credential report not ready after ${poll} polls and ${waited} ms (last state ${state ?? "unknown"})`,
        { cause: lastError },
      );
    }
    const wait = Math.min(delay, timeoutMs - waited);
    await polling.sleep(wait);
    waited += wait;
    delay = Math.min(Math.max(delay * 2, polling.pollMs), maxPollMs);
  }
}
