/**
 * The HR webhook Lambda (API Gateway HTTP API v2, `POST /departures`). Thin: the raw body
 * must reach the signature check untouched, so no body-parsing middleware; everything is in
 * `lambdas/departures/webhook.ts`. Unexpected errors become a JSON 500.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import middy from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AwsClients } from "../aws-clients.ts";
import { type Config, parseConfigText } from "../config.ts";
import type { Store } from "../core/ports/store.ts";
import { handleDepartureWebhook, type WebhookDeps } from "../departures/webhook.ts";
import { SecretResolver } from "../secrets.ts";
import { storeFromConfig } from "../store/store-from-config.ts";
import { targetedScanEvent } from "./scan-events.ts";

export type { ScanTriggerRequest, WebhookDeps } from "../departures/webhook.ts";
export { signWebhookBody } from "../departures/webhook.ts";

const INTERNAL_ERROR = JSON.stringify({
  error: { code: "internal", message: "unexpected error; retry with the same eventId" },
});

/** Builds the handler around its dependencies (created once per cold start by the caller). */
export function makeHandler(deps: WebhookDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(
      httpErrorHandler({
        fallbackMessage: INTERNAL_ERROR,
        logger: (e: unknown) => deps.logger?.warn("HR webhook failed", e),
      }),
    )
    .handler(async (event) =>
      handleDepartureWebhook(
        {
          method: event.requestContext.http.method,
          headers: event.headers ?? {},
          body: event.body ?? null,
          isBase64Encoded: event.isBase64Encoded,
        },
        deps,
      ),
    );
}

const logger = new Logger({ serviceName: "iam-hygiene-webhook" });

interface WebhookRuntime {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretResolver;
  readonly lambda: LambdaClient;
}

let runtime: WebhookRuntime | undefined;

/**
 * What the webhook needs, built once per cold start: only the store, the secret and a Lambda
 * client. It deliberately does not load the scan's wiring (every source's client library), nor
 * `store/index.ts` (the S3 audit log), so the function that answers HR stays small and starts
 * fast. Its three clients are imported statically: every accepted call uses all of them.
 */
function webhookRuntime(): WebhookRuntime {
  if (!runtime) {
    const config = parseConfigText(process.env.IAM_HYGIENE_CONFIG ?? "{}", "IAM_HYGIENE_CONFIG");
    const clients = new AwsClients(
      {},
      { dynamoDb: DynamoDBClient, secretsManager: SecretsManagerClient, lambda: LambdaClient },
    );
    runtime = {
      config,
      store: storeFromConfig(
        config.store,
        config.store.type === "dynamodb" ? { dynamoDb: clients.dynamoDb() } : {},
      ),
      secrets: new SecretResolver({ env: process.env, secretsManager: () => clients.secretsManager() }),
      lambda: clients.lambda(),
    };
  }
  return runtime;
}

/**
 * The deployed handler. The HMAC secret comes from `WEBHOOK_SECRET_ARN`, held at most 5 minutes
 * (`SecretResolver`'s default maximum age) and read again at once, at most every 30 seconds,
 * when a signature does not match it: after a `put-secret-value` the new secret works at once
 * and the old one stops working within 5 minutes. Accepted departures start a targeted scan by
 * an asynchronous invoke of `SCAN_FUNCTION_NAME`, so HR's click reaches revocation in seconds.
 */
export const handler = makeHandler({
  get store() {
    return webhookRuntime().store;
  },
  secret: () => webhookSecret((secrets, ref) => secrets.resolve(ref)),
  refreshSecret: () => webhookSecret((secrets, ref) => secrets.refresh(ref)),
  triggerScan: async ({ people, eventId }) => {
    const functionName = process.env.SCAN_FUNCTION_NAME;
    if (!functionName) throw new Error("SCAN_FUNCTION_NAME is not set");
    await webhookRuntime().lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(
          JSON.stringify(targetedScanEvent(`hr-webhook:${eventId}`, eventId, people)),
        ),
      }),
    );
  },
  clock: { now: () => new Date() },
  get timeZone() {
    return webhookRuntime().config.departures.timeZone;
  },
  logger: { warn: (message: string, ...extra: unknown[]) => logger.warn(message, { extra }) },
});

function webhookSecret(
  read: (secrets: SecretResolver, ref: { secretArn: string }) => Promise<string>,
): Promise<string> {
  const arn = process.env.WEBHOOK_SECRET_ARN;
  if (!arn) return Promise.reject(new Error("WEBHOOK_SECRET_ARN is not set"));
  return read(webhookRuntime().secrets, { secretArn: arn });
}
