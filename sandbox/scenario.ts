import { z } from "zod";

/** A point in time: an ISO-8601 string (in JSON files) or a `Date` (in-process). */
export type Instant = string | Date;

/** One IAM access key to create for a user (or for the root account). */
export interface ScenarioAccessKey {
  /** @default a deterministic `AKIA...` id */
  id?: string;
  /** @default a deterministic 40-character secret */
  secret?: string;
  /** @default "Active" */
  status?: "Active" | "Inactive";
  /** @default the user's `createdAt` */
  createdAt?: Instant;
  /** Absent means "never used": AWS then reports `N/A`. */
  lastUsedAt?: Instant;
  /** @default "iam" when `lastUsedAt` is set */
  lastUsedService?: string;
  /** @default "us-east-1" when `lastUsedAt` is set */
  lastUsedRegion?: string;
}

/** An SSH public key for CodeCommit. */
export interface ScenarioSshKey {
  id?: string;
  body?: string;
  status?: "Active" | "Inactive";
  uploadedAt?: Instant;
}

/** A service-specific credential (CodeCommit, Keyspaces, Bedrock ...). */
export interface ScenarioServiceSpecificCredential {
  serviceName: string;
  id?: string;
  status?: "Active" | "Inactive";
  createdAt?: Instant;
}

/** An X.509 signing certificate. */
export interface ScenarioSigningCertificate {
  id?: string;
  body?: string;
  status?: "Active" | "Inactive";
  uploadedAt?: Instant;
}

/** One IAM user and every credential it holds. */
export interface ScenarioUser {
  userName: string;
  /** @default "/" */
  path?: string;
  tags?: Record<string, string>;
  /** @default the scenario's `now` */
  createdAt?: Instant;
  /** A console password (login profile); absent means none. */
  password?: { createdAt?: Instant; lastUsedAt?: Instant };
  /** `true` gives the user one virtual MFA device. */
  mfa?: boolean;
  /** At most two, as in AWS. */
  accessKeys?: ScenarioAccessKey[];
  sshKeys?: ScenarioSshKey[];
  serviceSpecificCredentials?: ScenarioServiceSpecificCredential[];
  signingCertificates?: ScenarioSigningCertificate[];
  /**
   * Inline policies by name: the JSON document, as a string or an object. IAM's aggregate
   * size quota (2,048 non-whitespace characters per user) is not enforced when seeding.
   */
  inlinePolicies?: Record<string, string | Record<string, unknown>>;
  /**
   * ARNs of AWS managed policies to attach, e.g. `arn:aws:iam::aws:policy/AWSDenyAll`; each
   * must be one the sandbox knows (`AWS_MANAGED_POLICIES`). At most ten, as in AWS.
   */
  attachedPolicies?: string[];
}

/** One IAM role. */
export interface ScenarioRole {
  roleName: string;
  /** @default "/" */
  path?: string;
  tags?: Record<string, string>;
  /** The trust policy, as a string or an object. @default trusts the account root */
  assumeRolePolicy?: string | Record<string, unknown>;
  createdAt?: Instant;
  /** As for users; IAM's 10,240-character quota per role is not enforced when seeding. */
  inlinePolicies?: Record<string, string | Record<string, unknown>>;
}

/** A CloudTrail management event to preload. */
export interface ScenarioCloudTrailEvent {
  eventName: string;
  eventTime: Instant;
  /** @default "iam.amazonaws.com" */
  eventSource?: string;
  username?: string;
  accessKeyId?: string;
  /** @default "us-east-1" */
  awsRegion?: string;
  /** @default "127.0.0.1" */
  sourceIPAddress?: string;
  userAgent?: string;
  eventId?: string;
  readOnly?: boolean;
}

/**
 * The state to load into the sandbox: an AWS account with IAM users and roles, Cognito
 * pools (opaque here, handed to the Cognito service), CloudTrail history, S3 objects and
 * Secrets Manager secrets. Every part is optional.
 */
export interface Scenario {
  /** @default "123456789012" */
  accountId?: string;
  /** Pins the sandbox clock to this time before loading. */
  now?: Instant;
  iam?: {
    users?: ScenarioUser[];
    roles?: ScenarioRole[];
    /** Access keys of the root user: they show up in the credential report's first row. */
    rootAccessKeys?: ScenarioAccessKey[];
    /** When the account (and so its root user) was created. @default the scenario's `now` */
    accountCreatedAt?: Instant;
  };
  /** Passed as-is to `CognitoService.seed`. */
  cognito?: unknown;
  cloudtrail?: { events?: ScenarioCloudTrailEvent[] };
  /** `buckets[name][key] = body` */
  s3?: { buckets?: Record<string, Record<string, string>> };
  /** `secrets[name] = secretString` */
  secrets?: Record<string, string>;
}

const instant = z.union([z.string().datetime({ offset: true }), z.date()]);
const status = z.enum(["Active", "Inactive"]);
const tags = z.record(z.string(), z.string());
const policy = z.union([z.string(), z.record(z.string(), z.unknown())]);

const accessKey = z
  .object({
    id: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/)
      .optional(),
    secret: z.string().min(1).optional(),
    status: status.optional(),
    createdAt: instant.optional(),
    lastUsedAt: instant.optional(),
    lastUsedService: z.string().optional(),
    lastUsedRegion: z.string().optional(),
  })
  .strict();

const user = z
  .object({
    userName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9+=,.@_-]"),
    path: z
      .string()
      .regex(/^\/(.*\/)?$/, "must start and end with /")
      .optional(),
    tags: tags.optional(),
    createdAt: instant.optional(),
    password: z.object({ createdAt: instant.optional(), lastUsedAt: instant.optional() }).strict().optional(),
    mfa: z.boolean().optional(),
    accessKeys: z.array(accessKey).max(2, "AWS allows at most two access keys per user").optional(),
    sshKeys: z
      .array(
        z
          .object({
            id: z.string().optional(),
            body: z.string().optional(),
            status: status.optional(),
            uploadedAt: instant.optional(),
          })
          .strict(),
      )
      .optional(),
    serviceSpecificCredentials: z
      .array(
        z
          .object({
            serviceName: z.string().min(1),
            id: z.string().optional(),
            status: status.optional(),
            createdAt: instant.optional(),
          })
          .strict(),
      )
      .optional(),
    signingCertificates: z
      .array(
        z
          .object({
            id: z.string().optional(),
            body: z.string().optional(),
            status: status.optional(),
            uploadedAt: instant.optional(),
          })
          .strict(),
      )
      .optional(),
    inlinePolicies: z.record(z.string(), policy).optional(),
    attachedPolicies: z
      .array(z.string())
      .max(10, "AWS allows at most 10 managed policies per user")
      .optional(),
  })
  .strict();

const role = z
  .object({
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9+=,.@_-]"),
    path: z.string().optional(),
    tags: tags.optional(),
    assumeRolePolicy: policy.optional(),
    createdAt: instant.optional(),
    inlinePolicies: z.record(z.string(), policy).optional(),
  })
  .strict();

const event = z
  .object({
    eventName: z.string().min(1),
    eventTime: instant,
    eventSource: z.string().optional(),
    username: z.string().optional(),
    accessKeyId: z.string().optional(),
    awsRegion: z.string().optional(),
    sourceIPAddress: z.string().optional(),
    userAgent: z.string().optional(),
    eventId: z.string().optional(),
    readOnly: z.boolean().optional(),
  })
  .strict();

const scenarioSchema = z
  .object({
    accountId: z
      .string()
      .regex(/^\d{12}$/, "must be 12 digits")
      .optional(),
    now: instant.optional(),
    iam: z
      .object({
        users: z.array(user).optional(),
        roles: z.array(role).optional(),
        rootAccessKeys: z.array(accessKey).max(2).optional(),
        accountCreatedAt: instant.optional(),
      })
      .strict()
      .optional(),
    cognito: z.unknown().optional(),
    cloudtrail: z
      .object({ events: z.array(event).optional() })
      .strict()
      .optional(),
    s3: z
      .object({ buckets: z.record(z.string(), z.record(z.string(), z.string())).optional() })
      .strict()
      .optional(),
    secrets: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** Thrown when a scenario does not validate; the message lists every problem with its path. */
export class InvalidScenarioError extends Error {
  override readonly name = "InvalidScenarioError";
  constructor(
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid sandbox scenario:\n  ${issues.join("\n  ")}`, options);
  }
}

/** Validates untrusted input (a JSON file, an admin request) as a `Scenario`. */
export function parseScenario(input: unknown): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new InvalidScenarioError(issues, { cause: result.error });
  }
  const scenario: Scenario = result.data;
  return scenario;
}

/** Converts an `Instant` to a `Date`, or returns `fallback` when absent. */
export function toDate(value: Instant | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  return value instanceof Date ? value : new Date(value);
}
