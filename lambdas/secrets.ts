/**
 * Secrets: Secrets Manager in Lambda, an environment variable on a laptop. A secret's value
 * never appears in a log, a report or an error message; only its reference does.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecretRef } from "./config.ts";

/** A secret that could not be read. Names the reference, never the value. */
export class SecretUnavailableError extends Error {
  override readonly name = "SecretUnavailableError";
  constructor(what: string, options?: { cause?: unknown }) {
    super(`secret ${what} is not available`, options);
  }
}

/** Resolves secret references to values, caching each for the life of the process (one cold start). */
export class SecretResolver {
  readonly #cache = new Map<string, Promise<string>>();

  constructor(
    private readonly options: {
      readonly env: Readonly<Record<string, string | undefined>>;
      /** The Secrets Manager client, built (and its package loaded) on the first secret read. */
      readonly secretsManager?: () => SecretsManagerClient | Promise<SecretsManagerClient>;
    },
  ) {}

  /** The value of `ref`: Secrets Manager first when an ARN is given and a client is available, else the env var. */
  resolve(ref: SecretRef): Promise<string> {
    const key = `${ref.secretArn ?? ""}|${ref.env ?? ""}`;
    let value = this.#cache.get(key);
    if (!value) {
      value = this.#read(ref);
      // A failed read is not cached, so a later call can retry.
      value.catch(() => this.#cache.delete(key));
      this.#cache.set(key, value);
    }
    return value;
  }

  async #read(ref: SecretRef): Promise<string> {
    if (ref.secretArn && this.options.secretsManager) {
      try {
        // Loaded here, not at import: a config without secrets never loads the package.
        const [client, { GetSecretValueCommand }] = await Promise.all([
          this.options.secretsManager(),
          import("./aws-clients/secrets-manager.ts"),
        ]);
        const out = await client.send(new GetSecretValueCommand({ SecretId: ref.secretArn }));
        const value =
          out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString("utf8") : "");
        if (value) return value;
      } catch (error) {
        if (!ref.env) throw new SecretUnavailableError(ref.secretArn, { cause: safeCause(error) });
      }
    }
    const fromEnv = ref.env ? this.options.env[ref.env] : undefined;
    if (fromEnv) return fromEnv;
    throw new SecretUnavailableError(ref.env ? `env ${ref.env}` : (ref.secretArn ?? "(unnamed)"));
  }
}

function safeCause(error: unknown): { name: string; message: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  return { name: err.name, message: err.message };
}
