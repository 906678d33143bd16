/**
 * Publishes ASFF findings to Security Hub with `BatchImportFindings`: at most 100 findings a
 * request (the API's limit), findings the service reports in `FailedFindings` retried once
 * unless the failure is a validation one (which would fail the same way again). A request
 * that fails whole (after the SDK's own retries) is recorded against its findings, and the
 * other batches still go: one bad batch never hides the rest.
 */
import { BatchImportFindingsCommand, type SecurityHubClient } from "@aws-sdk/client-securityhub";
import type { AsffFinding } from "../report/asff.ts";

/** `BatchImportFindings` takes at most this many findings per request. */
export const SECURITY_HUB_BATCH_SIZE = 100;

/** Failure codes that a second attempt cannot fix. */
const PERMANENT = new Set([
  "InvalidInput",
  "InvalidInputException",
  "FindingSizeExceeded",
  "AccessDeniedException",
]);

/** One finding Security Hub did not take. */
export interface SecurityHubFailure {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** What a publish did. */
export interface SecurityHubPublishResult {
  /** Findings given. */
  readonly total: number;
  /** Findings Security Hub took (first attempt or retry). */
  readonly imported: number;
  /** Findings that still failed after the retry. */
  readonly failed: number;
  /** Findings sent a second time. */
  readonly retried: number;
  /** Requests made. */
  readonly requests: number;
  readonly failures: readonly SecurityHubFailure[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Imports one batch; a request that throws counts as every finding in it failing. */
async function importBatch(
  client: SecurityHubClient,
  batch: readonly AsffFinding[],
): Promise<SecurityHubFailure[]> {
  try {
    const out = await client.send(new BatchImportFindingsCommand({ Findings: [...batch] }));
    return (out.FailedFindings ?? []).map((f) => ({
      id: f.Id ?? "",
      code: f.ErrorCode ?? "Unknown",
      message: f.ErrorMessage ?? "",
    }));
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return batch.map((f) => ({ id: f.Id, code: err.name, message: err.message }));
  }
}

/**
 * Sends `findings` to Security Hub in batches of 100 and retries, once, those it reports as
 * failed for a reason other than validation. Never throws for a service answer: failures are
 * counted and listed in the result.
 */
export async function publishToSecurityHub(
  client: SecurityHubClient,
  findings: readonly AsffFinding[],
): Promise<SecurityHubPublishResult> {
  let requests = 0;
  const first: SecurityHubFailure[] = [];
  for (const batch of chunks(findings, SECURITY_HUB_BATCH_SIZE)) {
    requests++;
    first.push(...(await importBatch(client, batch)));
  }

  const byId = new Map(findings.map((f) => [f.Id, f] as const));
  const retryable = first.filter((f) => !PERMANENT.has(f.code) && byId.has(f.id));
  const final: SecurityHubFailure[] = first.filter((f) => !retryable.includes(f));
  for (const batch of chunks(
    retryable.map((f) => byId.get(f.id)!),
    SECURITY_HUB_BATCH_SIZE,
  )) {
    requests++;
    final.push(...(await importBatch(client, batch)));
  }
  return {
    total: findings.length,
    imported: findings.length - final.length,
    failed: final.length,
    retried: retryable.length,
    requests,
    failures: final,
  };
}
