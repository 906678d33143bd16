import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import type { IdGenerator } from "../ids.ts";

/** One version of a secret. */
export interface SecretVersion {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdAt: Date;
  stages: string[];
}

/** A Secrets Manager secret and its versions (newest last). */
export interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly versions: SecretVersion[];
}

function notFound(): SandboxServiceError {
  return new SandboxServiceError(
    "ResourceNotFoundException",
    "Secrets Manager can't find the specified secret.",
  );
}

/** Secrets Manager: `CreateSecret`, `GetSecretValue`, `PutSecretValue`, `DescribeSecret`. */
export class SecretsService {
  /** Secrets by name. */
  readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly ids: IdGenerator,
    private readonly arnPrefix: () => string,
  ) {}

  /** Forgets every secret. */
  reset(): void {
    this.secrets.clear();
  }

  /** Loads `scenario.secrets` (name -> secret string). */
  load(secrets: Record<string, string> | undefined): void {
    for (const [name, value] of Object.entries(secrets ?? {})) this.#create(name, value, undefined);
  }

  /** Runs one Secrets Manager action. */
  handle(action: string, input: Record<string, unknown>): unknown {
    switch (action) {
      case "CreateSecret": {
        const name = String(input.Name ?? "");
        if (!name) throw new SandboxServiceError("InvalidParameterException", "Name is required.");
        if (this.secrets.has(name)) {
          throw new SandboxServiceError(
            "ResourceExistsException",
            `The operation failed because the secret ${name} already exists.`,
          );
        }
        const secret = this.#create(name, String(input.SecretString ?? ""), input.ClientRequestToken);
        return { ARN: secret.arn, Name: secret.name, VersionId: secret.versions[0]!.versionId };
      }
      case "GetSecretValue": {
        const secret = this.#find(input.SecretId);
        const version =
          typeof input.VersionId === "string"
            ? secret.versions.find((v) => v.versionId === input.VersionId)
            : secret.versions.find((v) => v.stages.includes(String(input.VersionStage ?? "AWSCURRENT")));
        if (!version) throw notFound();
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          SecretString: version.secretString,
          VersionStages: version.stages,
          CreatedDate: version.createdAt,
        };
      }
      case "PutSecretValue": {
        const secret = this.#find(input.SecretId);
        const version = this.#addVersion(secret, String(input.SecretString ?? ""), input.ClientRequestToken);
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          VersionStages: version.stages,
        };
      }
      case "DescribeSecret": {
        const secret = this.#find(input.SecretId);
        return {
          ARN: secret.arn,
          Name: secret.name,
          CreatedDate: secret.createdAt,
          VersionIdsToStages: Object.fromEntries(secret.versions.map((v) => [v.versionId, v.stages])),
        };
      }
      default:
        throw new SandboxServiceError("UnknownOperationException", `Unknown operation ${action}`);
    }
  }

  #find(id: unknown): Secret {
    if (typeof id !== "string") throw notFound();
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw notFound();
    return secret;
  }

  #create(name: string, value: string, token: unknown): Secret {
    const secret: Secret = {
      name,
      arn: `${this.arnPrefix()}:secret:${name}-${this.ids.next("", 6).toLowerCase()}`,
      createdAt: this.clock.now(),
      versions: [],
    };
    this.secrets.set(name, secret);
    this.#addVersion(secret, value, token);
    return secret;
  }

  #addVersion(secret: Secret, value: string, token: unknown): SecretVersion {
    const versionId = typeof token === "string" && token ? token : this.#uuid();
    const existing = secret.versions.find((v) => v.versionId === versionId);
    if (existing) return existing; // idempotent retry with the same ClientRequestToken
    for (const v of secret.versions) {
      v.stages = v.stages.includes("AWSCURRENT")
        ? ["AWSPREVIOUS"]
        : v.stages.filter((s) => s !== "AWSPREVIOUS");
    }
    const version: SecretVersion = {
      versionId,
      secretString: value,
      createdAt: this.clock.now(),
      stages: ["AWSCURRENT"],
    };
    secret.versions.push(version);
    return version;
  }

  #uuid(): string {
    const h = this.ids.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}
