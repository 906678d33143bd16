/**
 * What a holder of a credential would do with it, done with the real AWS SDK against the
 * sandbox: call AWS with an access key (optionally from an overseas IP), refresh a Cognito
 * session. The demo runs them before and after enforcement to prove what revocation changed.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { BuildMiddleware, MetadataBearer } from "@smithy/types";

/** The outcome of one probe: it worked (with what it got) or was refused (with AWS's error). */
export type ProbeResult =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly error: string; readonly message: string };

/** Where the probes call, and from which address. */
export interface ProbeTarget {
  readonly endpoint: string;
  readonly region: string;
}

function refused(error: unknown): ProbeResult {
  const err = error as { name?: string; message?: string };
  return { ok: false, error: err.name ?? "Error", message: err.message ?? String(error) };
}

/** Adds `X-Forwarded-For` to every request, as a proxy in front of AWS would (the sandbox logs it as the source IP). */
function fromAddress(ip: string): BuildMiddleware<object, MetadataBearer> {
  return (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers["x-forwarded-for"] = ip;
    return next(args);
  };
}

const SOURCE_ADDRESS = { step: "build", name: "demoSourceAddress" } as const;

/**
 * Calls `sts:GetCallerIdentity` and `s3:ListBuckets` with an access key, as someone holding it
 * would. Returns the caller ARN, or AWS's refusal (`InvalidClientTokenId` for a revoked key).
 */
export async function useAccessKey(
  target: ProbeTarget,
  key: { accessKeyId: string; secretAccessKey: string },
  ip?: string,
): Promise<ProbeResult> {
  const settings = { endpoint: target.endpoint, region: target.region, credentials: key, maxAttempts: 1 };
  const sts = new STSClient(settings);
  const s3 = new S3Client({ ...settings, forcePathStyle: true });
  if (ip) {
    sts.middlewareStack.add(fromAddress(ip), SOURCE_ADDRESS);
    s3.middlewareStack.add(fromAddress(ip), SOURCE_ADDRESS);
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    await s3.send(new ListBucketsCommand({}));
    return { ok: true, detail: identity.Arn ?? "unknown caller" };
  } catch (error) {
    return refused(error);
  } finally {
    sts.destroy();
    s3.destroy();
  }
}

/** Refreshes a Cognito session with its refresh token, as the person's app would. */
export async function refreshSession(
  target: ProbeTarget,
  clientId: string,
  refreshToken: string,
): Promise<ProbeResult> {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: target.endpoint,
    region: target.region,
    maxAttempts: 1,
  });
  try {
    const result = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: clientId,
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    const expires = result.AuthenticationResult?.ExpiresIn;
    return { ok: true, detail: `new access token, valid ${expires ?? "?"} s` };
  } catch (error) {
    return refused(error);
  } finally {
    cognito.destroy();
  }
}

/** `works (arn:...)` or `refused: InvalidClientTokenId (The security token ...)`. */
export function describeProbe(result: ProbeResult): string {
  return result.ok ? `works (${result.detail})` : `refused: ${result.error}: ${result.message}`;
}
