/**
 * The Lambda side of the composition root: configuration from `IAM_HYGIENE_CONFIG` (written
 * by the CDK construct), secrets from Secrets Manager, clients once per cold start.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { parseConfigText } from "../config.ts";
import { runScan, type ScanReport, type ScanRequest } from "../scan.ts";
import { createRuntime, type Runtime, scanDependencies } from "../wiring.ts";

let cached: Runtime | undefined;

/** The runtime of this cold start, built on first use so a bad config fails the first invoke loudly. */
export function lambdaRuntime(logger?: Logger, env: NodeJS.ProcessEnv = process.env): Runtime {
  if (!cached) {
    const config = parseConfigText(env.IAM_HYGIENE_CONFIG ?? "{}", "IAM_HYGIENE_CONFIG");
    cached = createRuntime({
      config,
      env,
      useSecretsManager: true,
      ...(logger ? { log: loggerAdapter(logger) } : {}),
    });
  }
  return cached;
}

/** Runs scans in this Lambda's account with its own role. */
export function lambdaScanner(logger: Logger): (request: ScanRequest) => Promise<ScanReport> {
  return async (request) => {
    const runtime = lambdaRuntime(logger);
    // A targeted scan acts on the people in the event, not on the whole list.
    const deps = await scanDependencies(runtime, request.people ? { departures: undefined } : {});
    return runScan(deps, request);
  };
}

/** Powertools' Logger as the scan's logger port. */
export function loggerAdapter(logger: Logger) {
  return {
    info: (message: string, extra?: Record<string, unknown>) => logger.info(message, extra ?? {}),
    warn: (message: string, extra?: Record<string, unknown>) => logger.warn(message, extra ?? {}),
    error: (message: string, extra?: Record<string, unknown>) => logger.error(message, extra ?? {}),
  };
}
