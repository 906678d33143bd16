/**
 * The HR webhook Lambda (API Gateway HTTP API v2, `POST /departures`). Thin: the raw body
 * must reach the signature check untouched, so no body-parsing middleware; everything is in
 * `lambdas/departures/webhook.ts`. Unexpected errors become a JSON 500.
 */
import middy from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { handleDepartureWebhook, type WebhookDeps } from "../departures/webhook.ts";

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
