/**
 * The scan Lambda: on a schedule, when HR posts a departure (targeted), and when a new
 * departures file lands in the bucket. Thin: parse the event, run the one use case, publish
 * metrics, keep the report.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { countCredentials, METRIC_NAMESPACE, revokedAndVerified } from "../observability.ts";
import type { ScanReport, ScanRequest } from "../scan.ts";
import { lambdaScanner } from "./lambda-runtime.ts";
import { retriesWhenBusy, scanRequestFromEvent } from "./scan-events.ts";
import { publishScanMetrics } from "./scan-metrics.ts";

/** What the handler needs; tests pass their own. */
export interface ScanHandlerDeps {
  readonly scan: (request: ScanRequest) => Promise<ScanReport>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A short answer for the invoker (Scheduler, Step Functions, a person in the console). */
export interface ScanHandlerResult {
  readonly scanId: string;
  readonly status: ScanReport["status"];
  readonly findings: number;
  readonly critical: number;
  /** Credentials revoked and read back (one per credential, however many findings name it). */
  readonly revoked: number;
  readonly brakeEngaged: boolean;
}

/**
 * A one-off scan (webhook, new departures object) found another scan holding the lease and did
 * nothing. Thrown so the asynchronous invocation fails and Lambda retries it, then hands it to
 * the dead-letter queue: the event is kept, not answered "done".
 */
export class ScanBusyError extends Error {
  override readonly name = "ScanBusyError";
  constructor(
    readonly scanId: string,
    readonly trigger: string,
  ) {
    super(`scan ${scanId} (${trigger}) found another scan holding the lease and did nothing; retry it`);
  }
}

/** Builds the handler around its dependencies. */
export function makeHandler(deps: ScanHandlerDeps) {
  // No early timeout: middy's would answer the invocation while the scan runs on in the frozen
  // environment, acting (and holding the lease) in the next invocation's time. At its deadline
  // Lambda ends the invocation and resets the environment; the ScanErrors alarm hears it.
  return middy<unknown, ScanHandlerResult>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics, { captureColdStartMetric: true }))
    .handler(async (event) => {
      const request = scanRequestFromEvent(event);
      const report = await deps.scan(request);
      publishScanMetrics(deps.metrics, report);
      if (report.status === "busy" && retriesWhenBusy(request)) {
        deps.logger.warn("busy: failing the invocation so Lambda retries it", { scanId: report.scanId });
        throw new ScanBusyError(report.scanId, report.trigger);
      }
      return {
        scanId: report.scanId,
        status: report.status,
        findings: report.plan.items.length,
        critical: report.plan.counts.critical,
        revoked: countCredentials(report.plan.items, revokedAndVerified),
        brakeEngaged: report.plan.brake.engaged,
      };
    });
}

const logger = new Logger({ serviceName: "iam-hygiene" });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: "iam-hygiene" });

/** The deployed handler: configuration and clients are built once per cold start. */
export const handler = makeHandler({ scan: lambdaScanner(logger), logger, metrics });
