/**
 * AWS SDK v3 clients, created once per cold start and shared (Powertools' pattern). They use
 * the SDK's standard settings only: region, credentials chain, `AWS_ENDPOINT_URL*`, so the
 * same code runs against AWS, the sandbox, or any AWS-compatible endpoint.
 */
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";

/** Settings shared by every client. */
export interface ClientSettings {
  /** Adaptive retry: client-side rate limiting when AWS throttles. @default 8 attempts */
  readonly maxAttempts?: number;
  readonly region?: string;
  /** Explicit credentials (e.g. an assumed role for an org-wide scan). @default the standard chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

type ClientCtor<C> = new (config: Record<string, unknown>) => C;

/** Lazily built, cached clients. One instance per process (or per assumed role). */
export class AwsClients {
  readonly #cache = new Map<string, unknown>();

  constructor(private readonly settings: ClientSettings = {}) {}

  #get<C>(key: string, Ctor: ClientCtor<C>, region?: string): C {
    const cacheKey = `${key}:${region ?? ""}`;
    let client = this.#cache.get(cacheKey) as C | undefined;
    if (!client) {
      client = new Ctor({
        retryMode: "adaptive",
        maxAttempts: this.settings.maxAttempts ?? 8,
        ...((region ?? this.settings.region) ? { region: region ?? this.settings.region } : {}),
        ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
      });
      this.#cache.set(cacheKey, client);
    }
    return client;
  }

  iam(): IAMClient {
    return this.#get("iam", IAMClient as ClientCtor<IAMClient>);
  }
  sts(): STSClient {
    return this.#get("sts", STSClient as ClientCtor<STSClient>);
  }
  cloudTrail(): CloudTrailClient {
    return this.#get("cloudtrail", CloudTrailClient as ClientCtor<CloudTrailClient>);
  }
  cognito(region?: string): CognitoIdentityProviderClient {
    return this.#get(
      "cognito",
      CognitoIdentityProviderClient as ClientCtor<CognitoIdentityProviderClient>,
      region,
    );
  }
  s3(): S3Client {
    return this.#get("s3", S3Client as ClientCtor<S3Client>);
  }
  dynamoDb(): DynamoDBClient {
    return this.#get("dynamodb", DynamoDBClient as ClientCtor<DynamoDBClient>);
  }
  secretsManager(): SecretsManagerClient {
    return this.#get("secretsmanager", SecretsManagerClient as ClientCtor<SecretsManagerClient>);
  }
  lambda(): LambdaClient {
    return this.#get("lambda", LambdaClient as ClientCtor<LambdaClient>);
  }
  securityHub(): SecurityHubClient {
    return this.#get("securityhub", SecurityHubClient as ClientCtor<SecurityHubClient>);
  }
}
