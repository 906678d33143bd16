import { z } from "zod";

/**
 * The `cognito` part of a sandbox scenario: the user pools that exist when the sandbox starts.
 *
 * ```json
 * { "pools": [{
 *     "name": "customers",
 *     "advancedSecurityMode": "AUDIT",
 *     "clients": [{ "name": "web", "explicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }],
 *     "users": [{ "username": "jane", "attributes": { "email": "jane@corp.example" }, "password": "Passw0rd!" }],
 *     "generated": { "count": 1000000, "prefix": "customer", "emailDomain": "customer.example" }
 * }] }
 * ```
 */
export interface CognitoScenario {
  readonly pools?: readonly CognitoPoolScenario[];
}

/** One user pool of a scenario. */
export interface CognitoPoolScenario {
  /** The pool id; must look like `us-east-1_AbCdEf123`. @default derived from the name, deterministically */
  readonly id?: string;
  readonly name: string;
  /** ISO 8601 time or epoch milliseconds. @default the sandbox clock's time at `seed` */
  readonly createdAt?: string | number;
  /** `UserPoolAddOns.AdvancedSecurityMode`; auth events are served only when not `OFF`. @default "OFF" */
  readonly advancedSecurityMode?: "OFF" | "AUDIT" | "ENFORCED";
  readonly clients?: readonly CognitoClientScenario[];
  /** Users listed after the generated ones, in this order. */
  readonly users?: readonly CognitoUserScenario[];
  /** Users synthesised on demand from their index, for pools too large to list one by one. */
  readonly generated?: CognitoGeneratedUsersScenario;
}

/** One app client of a pool. Validity values and units mean what they mean in CreateUserPoolClient. */
export interface CognitoClientScenario {
  /** 26 lowercase alphanumerics. @default derived from the pool id and name, deterministically */
  readonly id?: string;
  readonly name: string;
  /** The client secret; `true` derives one. @default no secret */
  readonly secret?: string | boolean;
  /** @default ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] (the sandbox serves no SRP) */
  readonly explicitAuthFlows?: readonly string[];
  /** @default 60 (minutes) */
  readonly accessTokenValidity?: number;
  /** @default 60 (minutes) */
  readonly idTokenValidity?: number;
  /** @default 30 (days) */
  readonly refreshTokenValidity?: number;
  /** @default minutes for access and ID tokens, days for refresh tokens */
  readonly tokenValidityUnits?: {
    readonly AccessToken?: TimeUnit;
    readonly IdToken?: TimeUnit;
    readonly RefreshToken?: TimeUnit;
  };
  /** @default true */
  readonly enableTokenRevocation?: boolean;
  /** @default "LEGACY" */
  readonly preventUserExistenceErrors?: "LEGACY" | "ENABLED";
}

/** A token validity unit, as in `TokenValidityUnits`. */
export type TimeUnit = "seconds" | "minutes" | "hours" | "days";

/** The Cognito user statuses (`UserStatus`). */
export type UserStatus =
  | "UNCONFIRMED"
  | "CONFIRMED"
  | "ARCHIVED"
  | "COMPROMISED"
  | "UNKNOWN"
  | "RESET_REQUIRED"
  | "FORCE_CHANGE_PASSWORD"
  | "EXTERNAL_PROVIDER";

/** One explicitly listed user. */
export interface CognitoUserScenario {
  /** Federated users are named `<provider>_<id>`, e.g. `Google_1234` or `okta_jane@corp.example`. */
  readonly username: string;
  /** Standard and `custom:` attributes. @default a `sub` derived from the pool id and username */
  readonly attributes?: Readonly<Record<string, string>>;
  /** @default none: the user cannot sign in with a password */
  readonly password?: string;
  /** @default true */
  readonly enabled?: boolean;
  /**
   * @default "EXTERNAL_PROVIDER" when `provider` is set or the username starts with `Google_`,
   *   `Facebook_`, `LoginWithAmazon_` or `SignInWithApple_`; otherwise "CONFIRMED"
   */
  readonly status?: UserStatus;
  /** The external identity provider's name; adds the `identities` attribute Cognito keeps for such users. */
  readonly provider?: string;
  /** ISO 8601 time or epoch milliseconds. @default the pool's creation time */
  readonly createdAt?: string | number;
  /** @default `createdAt` */
  readonly lastModifiedAt?: string | number;
  /** Remembered devices. */
  readonly devices?: readonly CognitoDeviceScenario[];
  /** Past auth events, served by AdminListUserAuthEvents when the pool has advanced security. */
  readonly authEvents?: readonly CognitoAuthEventScenario[];
  /** How many live refresh tokens to issue at seed time, through the pool's first client. @default 0 */
  readonly refreshTokens?: number;
}

/** A remembered device. */
export interface CognitoDeviceScenario {
  /** @default a new `<region>_<uuid>` */
  readonly key?: string;
  readonly name?: string;
  readonly createdAt?: string | number;
  readonly lastUsedAt?: string | number;
  readonly lastIp?: string;
}

/** A past auth event (`AuthEventType`). */
export interface CognitoAuthEventScenario {
  /** @default a new UUID */
  readonly id?: string;
  /** @default "SignIn" */
  readonly type?: "SignIn" | "SignUp" | "ForgotPassword" | "PasswordChange" | "ResendCode";
  readonly createdAt: string | number;
  /** @default "Pass" */
  readonly response?: "Pass" | "Fail" | "InProgress";
  /** @default "NoRisk" */
  readonly riskDecision?: "NoRisk" | "AccountTakeover" | "Block";
  /** @default "Low" */
  readonly riskLevel?: "Low" | "Medium" | "High";
  readonly compromisedCredentialsDetected?: boolean;
  readonly ipAddress?: string;
  readonly deviceName?: string;
  readonly city?: string;
  readonly country?: string;
}

/** Users synthesised from their index `i` (0-based, zero-padded to at least 6 digits). */
export interface CognitoGeneratedUsersScenario {
  readonly count: number;
  /** Usernames are `<prefix>-<i>`, e.g. `customer-000123`. @default "user" */
  readonly prefix?: string;
  /** Emails are `<prefix>-<i>@<emailDomain>`. @default "example.com" */
  readonly emailDomain?: string;
  /** The password every generated user signs in with. @default none */
  readonly password?: string;
  /** @default "CONFIRMED" */
  readonly status?: UserStatus;
  /** @default true */
  readonly enabled?: boolean;
  /** @default the pool's creation time */
  readonly createdAt?: string | number;
}

const time = z.union([z.string(), z.number()]).refine((value) => !Number.isNaN(new Date(value).getTime()), {
  message: "not a date: use ISO 8601 or epoch milliseconds",
});
const timeUnit = z.enum(["seconds", "minutes", "hours", "days"]);
const userStatus = z.enum([
  "UNCONFIRMED",
  "CONFIRMED",
  "ARCHIVED",
  "COMPROMISED",
  "UNKNOWN",
  "RESET_REQUIRED",
  "FORCE_CHANGE_PASSWORD",
  "EXTERNAL_PROVIDER",
]);

const clientSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9]{1,128}$/)
    .optional(),
  name: z.string().min(1),
  secret: z.union([z.string().min(1), z.boolean()]).optional(),
  explicitAuthFlows: z.array(z.string()).optional(),
  accessTokenValidity: z.number().int().positive().optional(),
  idTokenValidity: z.number().int().positive().optional(),
  refreshTokenValidity: z.number().int().positive().optional(),
  tokenValidityUnits: z
    .strictObject({
      AccessToken: timeUnit.optional(),
      IdToken: timeUnit.optional(),
      RefreshToken: timeUnit.optional(),
    })
    .optional(),
  enableTokenRevocation: z.boolean().optional(),
  preventUserExistenceErrors: z.enum(["LEGACY", "ENABLED"]).optional(),
});

const userSchema = z.strictObject({
  username: z.string().min(1).max(128),
  attributes: z.record(z.string(), z.string()).optional(),
  password: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
  status: userStatus.optional(),
  provider: z.string().min(1).optional(),
  createdAt: time.optional(),
  lastModifiedAt: time.optional(),
  devices: z
    .array(
      z.strictObject({
        key: z.string().min(1).optional(),
        name: z.string().optional(),
        createdAt: time.optional(),
        lastUsedAt: time.optional(),
        lastIp: z.string().optional(),
      }),
    )
    .optional(),
  authEvents: z
    .array(
      z.strictObject({
        id: z.string().min(1).optional(),
        type: z.enum(["SignIn", "SignUp", "ForgotPassword", "PasswordChange", "ResendCode"]).optional(),
        createdAt: time,
        response: z.enum(["Pass", "Fail", "InProgress"]).optional(),
        riskDecision: z.enum(["NoRisk", "AccountTakeover", "Block"]).optional(),
        riskLevel: z.enum(["Low", "Medium", "High"]).optional(),
        compromisedCredentialsDetected: z.boolean().optional(),
        ipAddress: z.string().optional(),
        deviceName: z.string().optional(),
        city: z.string().optional(),
        country: z.string().optional(),
      }),
    )
    .optional(),
  refreshTokens: z.number().int().min(0).max(1000).optional(),
});

const poolSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, "must look like us-east-1_AbCdEf123")
    .optional(),
  name: z.string().min(1).max(128),
  createdAt: time.optional(),
  advancedSecurityMode: z.enum(["OFF", "AUDIT", "ENFORCED"]).optional(),
  clients: z.array(clientSchema).optional(),
  users: z.array(userSchema).optional(),
  generated: z
    .strictObject({
      count: z.number().int().min(0).max(100_000_000),
      prefix: z
        .string()
        .regex(/^[\w.+-]+$/)
        .optional(),
      emailDomain: z
        .string()
        .regex(/^[\w.-]+$/)
        .optional(),
      password: z.string().min(1).optional(),
      status: userStatus.optional(),
      enabled: z.boolean().optional(),
      createdAt: time.optional(),
    })
    .optional(),
});

const scenarioSchema = z.strictObject({ pools: z.array(poolSchema).optional() });

/** A scenario's `cognito` part that does not have the documented shape; lists every problem with its path. */
export class CognitoScenarioError extends Error {
  override readonly name = "CognitoScenarioError";
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid cognito scenario:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`, options);
  }
}

/**
 * Checks `scenario` against the documented shape and returns it typed.
 *
 * @throws CognitoScenarioError listing every problem at once, each with its path.
 */
export function parseCognitoScenario(scenario: unknown): CognitoScenario {
  if (scenario === undefined || scenario === null) return {};
  const result = scenarioSchema.safeParse(scenario);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) =>
        `cognito${issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")}: ${issue.message}`,
    );
    throw new CognitoScenarioError(problems, { cause: result.error });
  }
  const problems: string[] = [];
  const poolIds = new Set<string>();
  result.data.pools?.forEach((pool, p) => {
    if (pool.id !== undefined) {
      if (poolIds.has(pool.id)) problems.push(`cognito.pools[${p}].id: duplicate pool id ${pool.id}`);
      poolIds.add(pool.id);
    }
    const usernames = new Set<string>();
    pool.users?.forEach((user, u) => {
      if (usernames.has(user.username)) {
        problems.push(`cognito.pools[${p}].users[${u}].username: duplicate username ${user.username}`);
      }
      usernames.add(user.username);
      if ((user.refreshTokens ?? 0) > 0 && (pool.clients ?? []).length === 0) {
        problems.push(`cognito.pools[${p}].users[${u}].refreshTokens: the pool has no client to issue them`);
      }
    });
  });
  if (problems.length > 0) throw new CognitoScenarioError(problems);
  return result.data;
}
