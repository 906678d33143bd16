/**
 * Secrets: Secrets Manager in Lambda, an environment variable on a laptop. A secret's value
 * never appears in a log, a report or an error message; only its reference does.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecretRef } from "./config.ts";
import type { Clock } from "./core/clock.ts";

/** How long a secret read is used before it is read again: 5 minutes. */
export const DEFAULT_SECRET_MAX_AGE_MS = 5 * 60_000;
/** The least time between two reads `SecretResolver.refresh` makes of one secret: 30 seconds. */
export const DEFAULT_SECRET_REFRESH_INTERVAL_MS = 30_000;

/** A secret that could not be read. Names the reference, never the value. */
export class SecretUnavailableError extends Error {
  override readonly name = "SecretUnavailableError";
  constructor(what: string, options?: { cause?: unknown }) {
    super(`secret ${what} is not available`, options);
  }
}

/** Options of `SecretResolver`. */
export interface SecretResolverOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The Secrets Manager client, built (and its package loaded) on the first secret read. */
  readonly secretsManager?: () => SecretsManagerClient | Promise<SecretsManagerClient>;
  /**
   * How long a value read is used before `resolve` reads it again, so a rotated secret
   * (`put-secret-value`) replaces the old one in a warm container within this time.
   * @default 300_000 (5 minutes)
   */
  readonly maxAgeMs?: number;
  /**
   * The least time between two reads of one secret by `refresh`, so that many calls asking for
   * a re-read (forged webhook signatures, say) cost at most one read per interval.
   * @default 30_000 (30 seconds)
   */
  readonly refreshIntervalMs?: number;
  /** Where the time comes from. @default the system clock */
  readonly clock?: Clock;
}

interface CachedSecret {
  readonly value: Promise<string>;
  /** When the read began (ms since the epoch). */
  readonly readAt: number;
  /** Set once the read has succeeded. */
  fulfilled?: boolean;
}

/**
 * Resolves secret references to values. Each value is cached for `maxAgeMs` (5 minutes by
 * default) and then read again; a failed read is not cached.
 */
export class SecretResolver {
  readonly #cache = new Map<string, CachedSecret>();
  /** When each secret was last asked of its store, successfully or not (ms since the epoch). */
  readonly #lastRead = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #refreshIntervalMs: number;
  readonly #clock: Clock;

  constructor(private readonly options: SecretResolverOptions) {
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_SECRET_MAX_AGE_MS;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_SECRET_REFRESH_INTERVAL_MS;
    this.#clock = options.clock ?? { now: () => new Date() };
  }

  /**
   * The value of `ref`: Secrets Manager first when an ARN is given and a client is available, else
   * the env var. A value read less than `maxAgeMs` ago is answered from the cache.
   */
  resolve(ref: SecretRef): Promise<string> {
    const key = cacheKey(ref);
    const cached = this.#cache.get(key);
    if (cached && this.#now() - cached.readAt < this.#maxAgeMs) return cached.value;
    return this.#load(key, ref);
  }

  /**
   * Reads `ref` again, now, unless it was read less than `refreshIntervalMs` ago (then the
   * cached value, as `resolve` would answer). For a caller that has a reason to think the secret
   * changed: the webhook, when a signature does not match the secret it holds.
   */
  refresh(ref: SecretRef): Promise<string> {
    const key = cacheKey(ref);
    const last = this.#lastRead.get(key);
    if (last !== undefined && this.#now() - last < this.#refreshIntervalMs) return this.resolve(ref);
    return this.#load(key, ref);
  }

  #load(key: string, ref: SecretRef): Promise<string> {
    const previous = this.#cache.get(key);
    const now = this.#now();
    const entry: CachedSecret = { value: this.#read(ref), readAt: now };
    this.#lastRead.set(key, now);
    this.#cache.set(key, entry);
    entry.value.then(
      () => {
        entry.fulfilled = true;
      },
      () => {
        if (this.#cache.get(key) !== entry) return; // a newer read has taken its place
        // A failed read is not cached, so a later call reads again. The value read before (a
        // failed refresh) stays, until its own maximum age.
        if (previous?.fulfilled) this.#cache.set(key, previous);
        else this.#cache.delete(key);
      },
    );
    return entry.value;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  async #read(ref: SecretRef): Promise<string> {
    // Why Secrets Manager did not answer (a KMS or IAM denial, say): the cause if the env var cannot either.
    let refusal: { name: string; message: string } | undefined;
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
        refusal = safeCause(error);
        if (!ref.env) throw new SecretUnavailableError(ref.secretArn, { cause: refusal });
      }
    }
    const fromEnv = ref.env ? this.options.env[ref.env] : undefined;
    if (fromEnv) return fromEnv;
    // A `secretArn` alone, in a process that does not read Secrets Manager (the CLI): say so.
    const where =
      ref.secretArn && !ref.env && !this.options.secretsManager
        ? `${ref.secretArn} (this process does not read Secrets Manager: add "env" to the reference, or use check --secrets-manager)`
        : undefined;
    throw new SecretUnavailableError(
      where ?? (ref.env ? `env ${ref.env}` : (ref.secretArn ?? "(unnamed)")),
      refusal ? { cause: refusal } : undefined,
    );
  }
}

function cacheKey(ref: SecretRef): string {
  return `${ref.secretArn ?? ""}|${ref.env ?? ""}`;
}

/**
 * The name and message of `error`'s cause, if it has one: all a log line may carry of it (the
 * cause itself could hold a request). A `SecretUnavailableError`'s cause is already just these.
 */
export function causeOf(error: unknown): { name: string; message: string } | undefined {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause !== "object") return { name: "Error", message: String(cause) };
  const { name, message } = cause as { name?: unknown; message?: unknown };
  return {
    name: typeof name === "string" ? name : "Error",
    message: typeof message === "string" ? message : "",
  };
}

function safeCause(error: unknown): { name: string; message: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  return { name: err.name, message: err.message };
}
