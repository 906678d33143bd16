/**
 * AWS SDK v3 clients, created once per cold start and shared (Powertools' pattern). They use
 * the SDK's standard settings only: region, credentials chain, `AWS_ENDPOINT_URL*`, so the
 * same code runs against AWS, the sandbox, or any AWS-compatible endpoint.
 *
 * This module imports no client package: a client's code is loaded only by a caller that
 * needs it, either statically (the caller passes the constructor in, see `AwsClientConstructors`)
 * or with `load()`. In the split Lambda build that keeps, say, Security Hub and Cognito out of
 * a scan that does not use them, and every client but its own three out of the HR webhook.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import type { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";

/**
 * How long one HTTP request to AWS may wait for its answer's headers, and then how long the
 * answer's body may go silent, before the SDK abandons the request and retries it (a
 * `TimeoutError` is retryable). The SDK's own default is no limit at all: an endpoint that
 * accepts the connection and never answers, or stops halfway through an answer (a stuck proxy,
 * a black-holed VPC endpoint), would hold a laptop scan forever, and a Lambda scan until its
 * deadline. A minute is far above any AWS answer the scan waits for (a 1,000-principal page of
 * `GetAccountAuthorizationDetails` included).
 */
export const AWS_REQUEST_TIMEOUT_MS = 60_000;
/** How long the TCP and TLS connection to an AWS endpoint may take to open. */
export const AWS_CONNECTION_TIMEOUT_MS = 5_000;

/**
 * The `requestHandler` settings every client of this project is made with: the connection
 * deadline; `requestTimeout`, up to the answer's headers, thrown as a `TimeoutError` (the SDK
 * only logs it otherwise, and waits on); and `socketTimeout`, the same span of silence on the
 * socket at any point, which is what ends an answer that stalls after its headers (the request
 * timer stops when the headers arrive).
 */
export function awsRequestHandler(
  settings: Pick<ClientSettings, "requestTimeoutMs" | "connectionTimeoutMs"> = {},
) {
  const requestTimeout = settings.requestTimeoutMs ?? AWS_REQUEST_TIMEOUT_MS;
  return {
    connectionTimeout: settings.connectionTimeoutMs ?? AWS_CONNECTION_TIMEOUT_MS,
    requestTimeout,
    socketTimeout: requestTimeout,
    throwOnRequestTimeout: true,
  };
}

/** Settings shared by every client. */
export interface ClientSettings {
  /** Adaptive retry: client-side rate limiting when AWS throttles. @default 8 attempts */
  readonly maxAttempts?: number;
  readonly region?: string;
  /** Explicit credentials (e.g. an assumed role for an org-wide scan). @default the standard chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default AWS_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  /** @default AWS_CONNECTION_TIMEOUT_MS */
  readonly connectionTimeoutMs?: number;
}

type ClientCtor<C> = new (config: Record<string, unknown>) => C;

/** The client classes, by the name of their `AwsClients` getter. */
interface ClientTypes {
  iam: IAMClient;
  sts: STSClient;
  cloudTrail: CloudTrailClient;
  cognito: CognitoIdentityProviderClient;
  s3: S3Client;
  dynamoDb: DynamoDBClient;
  secretsManager: SecretsManagerClient;
  lambda: LambdaClient;
  securityHub: SecurityHubClient;
}

/** The name of a client, as its `AwsClients` getter is named. */
export type AwsClientName = keyof ClientTypes;

/** Client constructors a caller already imported statically, e.g. `{ iam: IAMClient }`. */
export type AwsClientConstructors = { readonly [K in AwsClientName]?: ClientCtor<ClientTypes[K]> };

/**
 * How each client's class is loaded on demand. Each goes through a one-line module re-exporting
 * the class alone: `import()` of the package itself keeps all its exports alive (every command
 * of IAM, S3, ...), which the bundler would then put in the shared, statically loaded chunk.
 */
const LOADERS: { readonly [K in AwsClientName]: () => Promise<ClientCtor<ClientTypes[K]>> } = {
  iam: async () => (await import("./aws-clients/iam.ts")).IAMClient,
  sts: async () => (await import("./aws-clients/sts.ts")).STSClient,
  cloudTrail: async () => (await import("./aws-clients/cloud-trail.ts")).CloudTrailClient,
  cognito: async () => (await import("./aws-clients/cognito.ts")).CognitoIdentityProviderClient,
  s3: async () => (await import("./aws-clients/s3.ts")).S3Client,
  dynamoDb: async () => (await import("./aws-clients/dynamo-db.ts")).DynamoDBClient,
  secretsManager: async () => (await import("./aws-clients/secrets-manager.ts")).SecretsManagerClient,
  lambda: async () => (await import("./aws-clients/lambda.ts")).LambdaClient,
  securityHub: async () => (await import("./aws-clients/security-hub.ts")).SecurityHubClient,
};

/** A getter was called for a client whose package was neither passed in nor loaded: a wiring bug. */
export class AwsClientNotLoadedError extends Error {
  override readonly name = "AwsClientNotLoadedError";
  constructor(client: AwsClientName) {
    super(`the ${client} client is not loaded: pass its constructor in or await load("${client}") first`);
  }
}

/** Lazily built, cached clients. One instance per process (or per assumed role). */
export class AwsClients {
  readonly #cache = new Map<string, unknown>();
  readonly #constructors: Map<AwsClientName, ClientCtor<unknown>>;

  /**
   * @param settings shared by every client.
   * @param constructors client classes the caller imported statically; the others need `load()`.
   */
  constructor(
    private readonly settings: ClientSettings = {},
    constructors: AwsClientConstructors = {},
  ) {
    this.#constructors = new Map(Object.entries(constructors) as Array<[AwsClientName, ClientCtor<unknown>]>);
  }

  /** Imports the packages of `names` not passed in yet, so their getters work. Idempotent. */
  async load(...names: AwsClientName[]): Promise<this> {
    await Promise.all(names.map((name) => this.#load(name)));
    return this;
  }

  async #load(name: AwsClientName): Promise<void> {
    if (!this.#constructors.has(name)) this.#constructors.set(name, await LOADERS[name]());
  }

  #get<K extends AwsClientName>(name: K, region?: string): ClientTypes[K] {
    const cacheKey = `${name}:${region ?? ""}`;
    let client = this.#cache.get(cacheKey) as ClientTypes[K] | undefined;
    if (!client) {
      const Ctor = this.#constructors.get(name) as ClientCtor<ClientTypes[K]> | undefined;
      if (!Ctor) throw new AwsClientNotLoadedError(name);
      client = new Ctor({
        retryMode: "adaptive",
        maxAttempts: this.settings.maxAttempts ?? 8,
        requestHandler: awsRequestHandler(this.settings),
        ...((region ?? this.settings.region) ? { region: region ?? this.settings.region } : {}),
        ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
      });
      this.#cache.set(cacheKey, client);
    }
    return client;
  }

  iam(): IAMClient {
    return this.#get("iam");
  }
  sts(): STSClient {
    return this.#get("sts");
  }
  cloudTrail(): CloudTrailClient {
    return this.#get("cloudTrail");
  }
  cognito(region?: string): CognitoIdentityProviderClient {
    return this.#get("cognito", region);
  }
  s3(): S3Client {
    return this.#get("s3");
  }
  dynamoDb(): DynamoDBClient {
    return this.#get("dynamoDb");
  }
  secretsManager(): SecretsManagerClient {
    return this.#get("secretsManager");
  }
  lambda(): LambdaClient {
    return this.#get("lambda");
  }
  securityHub(): SecurityHubClient {
    return this.#get("securityHub");
  }
}
