import type { Sandbox } from "../../sandbox/index.ts";

/** Static credentials for an SDK client; the default key is the sandbox's admin caller. */
export function sandboxCredentials(accessKeyId = "AKIATESTTESTTESTTEST", secretAccessKey = "test-secret") {
  return { accessKeyId, secretAccessKey };
}

/** The options every SDK client needs to talk to a sandbox. */
export function sandboxClientConfig(
  sb: Sandbox,
  extra: { accessKeyId?: string; secretAccessKey?: string; maxAttempts?: number; region?: string } = {},
) {
  return {
    endpoint: sb.endpoint,
    region: extra.region ?? "us-east-1",
    credentials: sandboxCredentials(extra.accessKeyId, extra.secretAccessKey),
    maxAttempts: extra.maxAttempts ?? 1,
  };
}
