import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import { parseUserFilter } from "./filter.ts";
import {
  deriveClientId,
  deriveClientSecret,
  deriveGeneratedSubPrefix,
  derivePoolId,
  deriveUuid,
  newDeviceKey,
  newTemporaryPassword,
} from "./ids.ts";
import {
  type ActionInput,
  decodePageToken,
  encodePageToken,
  invalidParameter,
  optionalAttributes,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStringMap,
  optionalStrings,
  requiredString,
} from "./input.ts";
import {
  type CognitoClientScenario,
  type CognitoPoolScenario,
  CognitoScenarioError,
  type CognitoUserScenario,
  parseCognitoScenario,
  type TimeUnit,
} from "./scenario.ts";
import { type JwtClaims, newRefreshToken, newSession, signingJwks, signJwt, verifyJwt } from "./tokens.ts";
import { type StoredAuthEvent, type StoredDevice, type StoredUser, UserStore } from "./user-store.ts";

type AdvancedSecurityMode = "OFF" | "AUDIT" | "ENFORCED";

interface PasswordPolicy {
  MinimumLength: number;
  RequireUppercase: boolean;
  RequireLowercase: boolean;
  RequireNumbers: boolean;
  RequireSymbols: boolean;
  TemporaryPasswordValidityDays: number;
}

interface Pool {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly lastModifiedAt: Date;
  readonly advancedSecurityMode: AdvancedSecurityMode;
  readonly passwordPolicy: PasswordPolicy;
  readonly users: UserStore;
  readonly clientIds: string[];
}

interface TokenValidity {
  readonly value: number;
  readonly unit: TimeUnit;
}

interface Client {
  readonly id: string;
  readonly name: string;
  readonly poolId: string;
  readonly secret: string | undefined;
  readonly createdAt: Date;
  readonly explicitAuthFlows: readonly string[];
  readonly accessToken: TokenValidity;
  readonly idToken: TokenValidity;
  readonly refreshToken: TokenValidity;
  readonly enableTokenRevocation: boolean;
  readonly preventUserExistenceErrors: "LEGACY" | "ENABLED";
  readonly authSessionValidity: number;
}

interface RefreshRecord {
  readonly token: string;
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  /** The `origin_jti` every token issued from this refresh token carries. */
  readonly originJti: string;
  readonly authTime: number;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly deviceKey: string | undefined;
  revokedAt: Date | undefined;
}

interface AccessRecord {
  readonly originJti: string;
  revoked: boolean;
}

interface PendingChallenge {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly expiresAt: number;
}

/** A refresh token as `CognitoService.listRefreshTokens` reports it. */
export interface RefreshTokenInfo {
  readonly token: string;
  readonly clientId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly revoked: boolean;
}

/** What `CognitoService.inspectAccessToken` finds about a token. */
export type AccessTokenInspection =
  | { readonly active: true; readonly claims: JwtClaims }
  | { readonly active: false; readonly reason: string; readonly claims?: JwtClaims };

const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const AUTH_FLOWS = [
  "USER_SRP_AUTH",
  "REFRESH_TOKEN_AUTH",
  "REFRESH_TOKEN",
  "CUSTOM_AUTH",
  "ADMIN_NO_SRP_AUTH",
  "USER_PASSWORD_AUTH",
  "ADMIN_USER_PASSWORD_AUTH",
  "USER_AUTH",
];
const EXPLICIT_AUTH_FLOWS = [
  "ADMIN_NO_SRP_AUTH",
  "CUSTOM_AUTH_FLOW_ONLY",
  "USER_PASSWORD_AUTH",
  "ALLOW_ADMIN_USER_PASSWORD_AUTH",
  "ALLOW_CUSTOM_AUTH",
  "ALLOW_USER_PASSWORD_AUTH",
  "ALLOW_USER_SRP_AUTH",
  "ALLOW_REFRESH_TOKEN_AUTH",
  "ALLOW_USER_AUTH",
];
// What Cognito gives a client created without ExplicitAuthFlows.
const API_DEFAULT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"];
// Scenario clients default to what the sandbox can actually serve.
const SCENARIO_DEFAULT_AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];

const STANDARD_ATTRIBUTES = new Set([
  "address",
  "birthdate",
  "email",
  "email_verified",
  "family_name",
  "gender",
  "given_name",
  "locale",
  "middle_name",
  "name",
  "nickname",
  "phone_number",
  "phone_number_verified",
  "picture",
  "preferred_username",
  "profile",
  "sub",
  "updated_at",
  "website",
  "zoneinfo",
  "identities",
]);

const SOCIAL_PROVIDERS = ["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"];
const SECONDS: Record<TimeUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };
const PASSWORD_SYMBOLS = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

function notAuthorized(message: string): SandboxServiceError {
  return new SandboxServiceError("NotAuthorizedException", message);
}

function userNotFound(): SandboxServiceError {
  return new SandboxServiceError("UserNotFoundException", "User does not exist.");
}

function toDate(value: string | number | undefined, fallback: Date): Date {
  return value === undefined ? fallback : new Date(value);
}

function seconds(validity: TokenValidity): number {
  return validity.value * SECONDS[validity.unit];
}

/**
 * The Amazon Cognito user pools emulation of the sandbox: pools, app clients, users (including
 * pools of a million generated users), password sign-in with RS256 JWTs, refresh tokens with
 * revocation and global sign-out, remembered devices and advanced-security auth events.
 *
 * The HTTP layer calls `handle` with the `X-Amz-Target` action name and the decoded JSON body; the
 * returned object is the JSON response and a thrown `SandboxServiceError` is the error response.
 */
export class CognitoService {
  readonly #clock: SandboxClock;
  readonly #accountId: string;
  readonly #region: string;
  readonly #pools = new Map<string, Pool>();
  readonly #clients = new Map<string, Client>();
  readonly #refreshTokens = new Map<string, RefreshRecord>();
  readonly #refreshTokensByUser = new Map<string, Set<string>>();
  readonly #accessTokens = new Map<string, AccessRecord>();
  readonly #accessTokensByUser = new Map<string, Set<string>>();
  readonly #revokedOrigins = new Set<string>();
  readonly #challenges = new Map<string, PendingChallenge>();
  #poolSequence = 0;

  /**
   * @param clock the sandbox clock every timestamp and token lifetime is read from
   * @param opts.accountId the account in pool ARNs @default "000000000000"
   * @param opts.region the region in pool ids and token issuers @default "us-east-1"
   */
  constructor(clock: SandboxClock, opts: { accountId?: string; region?: string } = {}) {
    this.#clock = clock;
    this.#accountId = opts.accountId ?? "000000000000";
    this.#region = opts.region ?? "us-east-1";
  }

  /** Forgets every pool, client, user and token. */
  reset(): void {
    this.#pools.clear();
    this.#clients.clear();
    this.#refreshTokens.clear();
    this.#refreshTokensByUser.clear();
    this.#accessTokens.clear();
    this.#accessTokensByUser.clear();
    this.#revokedOrigins.clear();
    this.#challenges.clear();
    this.#poolSequence = 0;
  }

  /**
   * Replaces the state with the `cognito` part of a sandbox scenario (see `CognitoScenario`).
   *
   * @throws CognitoScenarioError listing every problem, each with its path; the state is then empty.
   */
  seed(scenario: unknown): void {
    this.reset();
    const parsed = parseCognitoScenario(scenario);
    try {
      parsed.pools?.forEach((pool, index) => {
        this.#seedPool(pool, index);
      });
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /**
   * Runs one Cognito user pools action.
   *
   * @returns the JSON response body (Dates are epoch-second timestamps on the wire)
   * @throws SandboxServiceError with Cognito's error code, message and status
   */
  handle(action: string, input: Record<string, unknown>): unknown {
    switch (action) {
      case "CreateUserPool":
        return this.#createUserPool(input);
      case "DescribeUserPool":
        return { UserPool: this.#poolType(this.#pool(input)) };
      case "ListUserPools":
        return this.#listUserPools(input);
      case "CreateUserPoolClient":
        return this.#createUserPoolClient(input);
      case "DescribeUserPoolClient":
        return this.#describeUserPoolClient(input);
      case "ListUserPoolClients":
        return this.#listUserPoolClients(input);
      case "AdminCreateUser":
        return this.#adminCreateUser(input);
      case "AdminGetUser":
        return this.#adminGetUser(input);
      case "AdminDeleteUser":
        return this.#adminDeleteUser(input);
      case "AdminUpdateUserAttributes":
        return this.#adminUpdateUserAttributes(input);
      case "AdminSetUserPassword":
        return this.#adminSetUserPassword(input);
      case "AdminDisableUser":
        return this.#setEnabled(input, false);
      case "AdminEnableUser":
        return this.#setEnabled(input, true);
      case "ListUsers":
        return this.#listUsers(input);
      case "InitiateAuth":
        return this.#initiateAuth(input, false);
      case "AdminInitiateAuth":
        return this.#initiateAuth(input, true);
      case "RespondToAuthChallenge":
        return this.#respondToAuthChallenge(input);
      case "GetUser":
        return this.#getUser(input);
      case "AdminUserGlobalSignOut":
        return this.#adminUserGlobalSignOut(input);
      case "RevokeToken":
        return this.#revokeToken(input);
      case "AdminListDevices":
        return this.#adminListDevices(input);
      case "AdminForgetDevice":
        return this.#adminForgetDevice(input);
      case "AdminListUserAuthEvents":
        return this.#adminListUserAuthEvents(input);
      default:
        throw new SandboxServiceError(
          "UnknownOperationException",
          `The sandbox's Cognito user pools emulation does not serve ${action}.`,
        );
    }
  }

  /** Every refresh token issued to a user, revoked ones included, oldest first. For tests and benchmarks. */
  listRefreshTokens(poolId: string, username: string): RefreshTokenInfo[] {
    const tokens = this.#refreshTokensByUser.get(userKey(poolId, username)) ?? new Set<string>();
    return [...tokens].flatMap((token) => {
      const record = this.#refreshTokens.get(token);
      if (record === undefined) return [];
      return [
        {
          token,
          clientId: record.clientId,
          issuedAt: record.issuedAt,
          expiresAt: record.expiresAt,
          revoked: record.revokedAt !== undefined,
        },
      ];
    });
  }

  /**
   * Whether an access token the sandbox issued would still be accepted: signed by this process,
   * unexpired, and not revoked by RevokeToken, AdminUserGlobalSignOut, AdminDisableUser or deletion.
   */
  inspectAccessToken(token: string): AccessTokenInspection {
    const claims = verifyJwt(token);
    if (claims === undefined || claims.token_use !== "access")
      return { active: false, reason: "Invalid Access Token" };
    const jti = String(claims.jti);
    const record = this.#accessTokens.get(jti);
    if (record === undefined || record.revoked || this.#revokedOrigins.has(record.originJti)) {
      return { active: false, reason: "Access Token has been revoked", claims };
    }
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= this.#clock.now().getTime()) {
      return { active: false, reason: "Access Token has expired", claims };
    }
    return { active: true, claims };
  }

  /** The JSON Web Key Set that verifies every token this process issues (`/<poolId>/.well-known/jwks.json`). */
  jwks(): { keys: Record<string, unknown>[] } {
    return signingJwks();
  }

  // ---- seeding ----------------------------------------------------------------------------------

  #seedPool(scenario: CognitoPoolScenario, index: number): void {
    const now = this.#clock.now();
    const createdAt = toDate(scenario.createdAt, now);
    const id = scenario.id ?? derivePoolId(this.#region, this.#accountId, scenario.name, index);
    if (this.#pools.has(id))
      throw new CognitoScenarioError([`cognito.pools[${index}].id: duplicate pool id ${id}`]);
    const generated = scenario.generated;
    const prefix = generated?.prefix ?? "user";
    const pool = this.#addPool(
      id,
      scenario.name,
      createdAt,
      scenario.advancedSecurityMode ?? "OFF",
      DEFAULT_PASSWORD_POLICY,
      generated === undefined
        ? undefined
        : {
            count: generated.count,
            prefix,
            emailDomain: generated.emailDomain ?? "example.com",
            displayName: prefix.charAt(0).toUpperCase() + prefix.slice(1),
            password: generated.password,
            status: generated.status ?? "CONFIRMED",
            enabled: generated.enabled ?? true,
            createdAt: toDate(generated.createdAt, createdAt),
            subPrefix: deriveGeneratedSubPrefix(id),
          },
    );
    scenario.clients?.forEach((client, c) => {
      this.#seedClient(pool, client, c, `cognito.pools[${index}].clients[${c}]`);
    });
    scenario.users?.forEach((user, u) => {
      this.#seedUser(pool, user, createdAt, `cognito.pools[${index}].users[${u}]`);
    });
  }

  #seedClient(pool: Pool, scenario: CognitoClientScenario, index: number, path: string): void {
    const id = scenario.id ?? deriveClientId(pool.id, scenario.name, index);
    if (this.#clients.has(id)) throw new CognitoScenarioError([`${path}.id: duplicate client id ${id}`]);
    const secret =
      scenario.secret === true
        ? deriveClientSecret(id)
        : typeof scenario.secret === "string"
          ? scenario.secret
          : undefined;
    const flows = scenario.explicitAuthFlows ?? SCENARIO_DEFAULT_AUTH_FLOWS;
    const unknownFlow = flows.find((flow) => !EXPLICIT_AUTH_FLOWS.includes(flow));
    if (unknownFlow !== undefined) {
      throw new CognitoScenarioError([`${path}.explicitAuthFlows: unknown flow ${unknownFlow}`]);
    }
    let validity: ReturnType<typeof tokenValidity>;
    try {
      validity = tokenValidity(
        scenario.accessTokenValidity,
        scenario.idTokenValidity,
        scenario.refreshTokenValidity,
        scenario.tokenValidityUnits,
      );
    } catch (error) {
      throw new CognitoScenarioError([`${path}: ${(error as Error).message}`], { cause: error });
    }
    this.#addClient({
      id,
      name: scenario.name,
      poolId: pool.id,
      secret,
      createdAt: pool.createdAt,
      explicitAuthFlows: [...flows],
      ...validity,
      enableTokenRevocation: scenario.enableTokenRevocation ?? true,
      preventUserExistenceErrors: scenario.preventUserExistenceErrors ?? "LEGACY",
      authSessionValidity: 3,
    });
  }

  #seedUser(pool: Pool, scenario: CognitoUserScenario, poolCreatedAt: Date, path: string): void {
    if (pool.users.positionOf(scenario.username) !== undefined) {
      throw new CognitoScenarioError([`${path}.username: ${scenario.username} is already a generated user`]);
    }
    const createdAt = toDate(scenario.createdAt, poolCreatedAt);
    const social = SOCIAL_PROVIDERS.find((provider) => scenario.username.startsWith(`${provider}_`));
    const provider = scenario.provider ?? social;
    const attributes: Record<string, string> = {
      sub: scenario.attributes?.sub ?? deriveUuid(`${pool.id}:${scenario.username}`),
    };
    for (const [name, value] of Object.entries(scenario.attributes ?? {})) {
      if (name !== "sub") attributes[name] = value;
    }
    if (provider !== undefined && attributes.identities === undefined) {
      const separator = scenario.username.indexOf("_");
      attributes.identities = JSON.stringify([
        {
          userId: separator >= 0 ? scenario.username.slice(separator + 1) : scenario.username,
          providerName: provider,
          providerType: SOCIAL_PROVIDERS.includes(provider) ? provider : "OIDC",
          issuer: null,
          primary: "true",
          dateCreated: String(createdAt.getTime()),
        },
      ]);
    }
    const user: StoredUser = {
      username: scenario.username,
      attributes,
      password: scenario.password,
      enabled: scenario.enabled ?? true,
      status: scenario.status ?? (provider !== undefined ? "EXTERNAL_PROVIDER" : "CONFIRMED"),
      createdAt,
      lastModifiedAt: toDate(scenario.lastModifiedAt, createdAt),
      devices: (scenario.devices ?? []).map((device): StoredDevice => {
        const deviceCreatedAt = toDate(device.createdAt, createdAt);
        const lastUsedAt = device.lastUsedAt === undefined ? undefined : new Date(device.lastUsedAt);
        return {
          key: device.key ?? newDeviceKey(this.#region),
          name: device.name,
          createdAt: deviceCreatedAt,
          lastModifiedAt: lastUsedAt ?? deviceCreatedAt,
          lastAuthenticatedAt: lastUsedAt,
          lastIp: device.lastIp,
        };
      }),
      authEvents: (scenario.authEvents ?? []).map(
        (event): StoredAuthEvent => ({
          id: event.id ?? randomUUID(),
          type: event.type ?? "SignIn",
          createdAt: new Date(event.createdAt),
          response: event.response ?? "Pass",
          riskDecision: event.riskDecision ?? "NoRisk",
          riskLevel: event.riskLevel ?? "Low",
          compromisedCredentialsDetected: event.compromisedCredentialsDetected ?? false,
          ipAddress: event.ipAddress,
          deviceName: event.deviceName,
          city: event.city,
          country: event.country,
        }),
      ),
    };
    pool.users.add(user);
    const clientId = pool.clientIds[0];
    const client = clientId === undefined ? undefined : this.#clients.get(clientId);
    for (let i = 0; client !== undefined && i < (scenario.refreshTokens ?? 0); i++) {
      this.#newRefreshRecord(pool, client, user, Math.floor(this.#clock.now().getTime() / 1000), undefined);
    }
  }

  #addPool(
    id: string,
    name: string,
    createdAt: Date,
    advancedSecurityMode: AdvancedSecurityMode,
    passwordPolicy: PasswordPolicy,
    generated: ConstructorParameters<typeof UserStore>[0],
  ): Pool {
    const pool: Pool = {
      id,
      name,
      arn: `arn:aws:cognito-idp:${this.#region}:${this.#accountId}:userpool/${id}`,
      createdAt,
      lastModifiedAt: createdAt,
      advancedSecurityMode,
      passwordPolicy,
      users: new UserStore(generated),
      clientIds: [],
    };
    this.#pools.set(id, pool);
    this.#poolSequence++;
    return pool;
  }

  #addClient(client: Client): void {
    this.#clients.set(client.id, client);
    this.#pools.get(client.poolId)?.clientIds.push(client.id);
  }

  // ---- pools and clients ------------------------------------------------------------------------

  #pool(input: ActionInput): Pool {
    const id = requiredString(input, "UserPoolId");
    const pool = this.#pools.get(id);
    if (pool === undefined)
      throw new SandboxServiceError("ResourceNotFoundException", `User pool ${id} does not exist.`);
    return pool;
  }

  #client(id: string): Client {
    const client = this.#clients.get(id);
    if (client === undefined) {
      throw new SandboxServiceError("ResourceNotFoundException", `User pool client ${id} does not exist.`);
    }
    return client;
  }

  #createUserPool(input: ActionInput): unknown {
    const name = requiredString(input, "PoolName");
    const addOns = optionalObject(input, "UserPoolAddOns");
    const mode = addOns === undefined ? "OFF" : optionalString(addOns, "AdvancedSecurityMode");
    if (mode !== undefined && mode !== "OFF" && mode !== "AUDIT" && mode !== "ENFORCED") {
      throw invalidParameter(
        `1 validation error detected: Value '${mode}' at 'userPoolAddOns.advancedSecurityMode' failed to satisfy constraint: Member must satisfy enum value set: [AUDIT, ENFORCED, OFF]`,
      );
    }
    const requested = optionalObject(optionalObject(input, "Policies") ?? {}, "PasswordPolicy") ?? {};
    const policy: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY };
    for (const key of Object.keys(policy) as (keyof PasswordPolicy)[]) {
      const value = requested[key];
      if (value === undefined) continue;
      if (typeof value !== typeof policy[key])
        throw invalidParameter(`Policies.PasswordPolicy.${key} has the wrong type`);
      (policy as unknown as Record<string, unknown>)[key] = value;
    }
    const now = this.#clock.now();
    const id = derivePoolId(this.#region, this.#accountId, name, this.#poolSequence);
    const pool = this.#addPool(id, name, now, mode ?? "OFF", policy, undefined);
    return { UserPool: this.#poolType(pool) };
  }

  #poolType(pool: Pool): Record<string, unknown> {
    return {
      Id: pool.id,
      Name: pool.name,
      Arn: pool.arn,
      Policies: { PasswordPolicy: pool.passwordPolicy },
      DeletionProtection: "INACTIVE",
      LambdaConfig: {},
      LastModifiedDate: pool.lastModifiedAt,
      CreationDate: pool.createdAt,
      MfaConfiguration: "OFF",
      EstimatedNumberOfUsers: pool.users.size,
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
      UserPoolAddOns: { AdvancedSecurityMode: pool.advancedSecurityMode },
      UsernameConfiguration: { CaseSensitive: true },
      UserPoolTags: {},
    };
  }

  #listUserPools(input: ActionInput): unknown {
    const max = optionalInteger(input, "MaxResults", 1, 60);
    if (max === undefined) requiredString(input, "MaxResults");
    const pools = [...this.#pools.values()];
    const from = decodePageToken(optionalString(input, "NextToken"), "pools");
    const page = pools.slice(from, from + (max ?? 60));
    const next = from + page.length;
    return {
      UserPools: page.map((pool) => ({
        Id: pool.id,
        Name: pool.name,
        LambdaConfig: {},
        LastModifiedDate: pool.lastModifiedAt,
        CreationDate: pool.createdAt,
      })),
      ...(next < pools.length ? { NextToken: encodePageToken("pools", next) } : {}),
    };
  }

  #createUserPoolClient(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const name = requiredString(input, "ClientName");
    const flows = optionalStrings(input, "ExplicitAuthFlows") ?? API_DEFAULT_AUTH_FLOWS;
    for (const flow of flows) {
      if (!EXPLICIT_AUTH_FLOWS.includes(flow)) {
        throw invalidParameter(
          `1 validation error detected: Value '[${flows.join(", ")}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [${EXPLICIT_AUTH_FLOWS.join(", ")}]`,
        );
      }
    }
    const units = optionalObject(input, "TokenValidityUnits") ?? {};
    for (const key of ["AccessToken", "IdToken", "RefreshToken"]) {
      const unit = units[key];
      if (unit !== undefined && !(typeof unit === "string" && unit in SECONDS)) {
        throw invalidParameter(
          `1 validation error detected: Value '${String(unit)}' at 'tokenValidityUnits.${member(key)}' failed to satisfy constraint: Member must satisfy enum value set: [seconds, minutes, hours, days]`,
        );
      }
    }
    let validity: ReturnType<typeof tokenValidity>;
    try {
      validity = tokenValidity(
        optionalInteger(input, "AccessTokenValidity", 1, 86_400),
        optionalInteger(input, "IdTokenValidity", 1, 86_400),
        optionalInteger(input, "RefreshTokenValidity", 0, 315_360_000),
        units as { AccessToken?: TimeUnit; IdToken?: TimeUnit; RefreshToken?: TimeUnit },
      );
    } catch (error) {
      throw invalidParameter((error as Error).message);
    }
    const id = deriveClientId(pool.id, name, this.#clients.size);
    const givenSecret = optionalString(input, "ClientSecret");
    const secret =
      givenSecret ?? (optionalBoolean(input, "GenerateSecret") ? deriveClientSecret(id) : undefined);
    const prevent = optionalString(input, "PreventUserExistenceErrors") ?? "LEGACY";
    if (prevent !== "LEGACY" && prevent !== "ENABLED") {
      throw invalidParameter(
        `1 validation error detected: Value '${prevent}' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]`,
      );
    }
    const client: Client = {
      id,
      name,
      poolId: pool.id,
      secret,
      createdAt: this.#clock.now(),
      explicitAuthFlows: [...flows],
      ...validity,
      enableTokenRevocation: optionalBoolean(input, "EnableTokenRevocation") ?? true,
      preventUserExistenceErrors: prevent,
      authSessionValidity: optionalInteger(input, "AuthSessionValidity", 3, 15) ?? 3,
    };
    this.#addClient(client);
    return { UserPoolClient: this.#clientType(client) };
  }

  #describeUserPoolClient(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const client = this.#client(requiredString(input, "ClientId"));
    if (client.poolId !== pool.id) {
      throw new SandboxServiceError(
        "ResourceNotFoundException",
        `User pool client ${client.id} does not exist.`,
      );
    }
    return { UserPoolClient: this.#clientType(client) };
  }

  #clientType(client: Client): Record<string, unknown> {
    return {
      UserPoolId: client.poolId,
      ClientName: client.name,
      ClientId: client.id,
      ...(client.secret !== undefined ? { ClientSecret: client.secret } : {}),
      LastModifiedDate: client.createdAt,
      CreationDate: client.createdAt,
      RefreshTokenValidity: client.refreshToken.value,
      AccessTokenValidity: client.accessToken.value,
      IdTokenValidity: client.idToken.value,
      TokenValidityUnits: {
        AccessToken: client.accessToken.unit,
        IdToken: client.idToken.unit,
        RefreshToken: client.refreshToken.unit,
      },
      ExplicitAuthFlows: [...client.explicitAuthFlows],
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: client.preventUserExistenceErrors,
      EnableTokenRevocation: client.enableTokenRevocation,
      EnablePropagateAdditionalUserContextData: false,
      AuthSessionValidity: client.authSessionValidity,
    };
  }

  #listUserPoolClients(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const max = optionalInteger(input, "MaxResults", 1, 60) ?? 60;
    const scope = `clients:${pool.id}`;
    const from = decodePageToken(optionalString(input, "NextToken"), scope);
    const page = pool.clientIds.slice(from, from + max);
    const next = from + page.length;
    return {
      UserPoolClients: page.map((id) => ({
        ClientId: id,
        UserPoolId: pool.id,
        ClientName: this.#clients.get(id)?.name,
      })),
      ...(next < pool.clientIds.length ? { NextToken: encodePageToken(scope, next) } : {}),
    };
  }

  // ---- users ------------------------------------------------------------------------------------

  #userPosition(pool: Pool, input: ActionInput): number {
    const position = pool.users.positionOf(requiredString(input, "Username"));
    if (position === undefined) throw userNotFound();
    return position;
  }

  #userType(user: StoredUser, attributesToGet?: readonly string[]): Record<string, unknown> {
    return {
      Username: user.username,
      Attributes: attributeList(user, attributesToGet),
      UserCreateDate: user.createdAt,
      UserLastModifiedDate: user.lastModifiedAt,
      Enabled: user.enabled,
      UserStatus: user.status,
    };
  }

  #checkAttributeNames(attributes: readonly [string, string][]): void {
    for (const [name] of attributes) {
      if (!STANDARD_ATTRIBUTES.has(name) && !name.startsWith("custom:") && !name.startsWith("dev:")) {
        throw invalidParameter(
          `Attributes did not conform to the schema: Type for attribute {${name}} could not be determined`,
        );
      }
    }
  }

  #checkPassword(pool: Pool, password: string): void {
    const policy = pool.passwordPolicy;
    const problem =
      password.length < policy.MinimumLength
        ? "Password not long enough"
        : policy.RequireUppercase && !/[A-Z]/.test(password)
          ? "Password must have uppercase characters"
          : policy.RequireLowercase && !/[a-z]/.test(password)
            ? "Password must have lowercase characters"
            : policy.RequireNumbers && !/\d/.test(password)
              ? "Password must have numeric characters"
              : policy.RequireSymbols && !PASSWORD_SYMBOLS.test(password)
                ? "Password must have symbol characters"
                : undefined;
    if (problem !== undefined) {
      throw new SandboxServiceError(
        "InvalidPasswordException",
        `Password did not conform with policy: ${problem}`,
      );
    }
  }

  #adminCreateUser(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const username = requiredString(input, "Username");
    const attributes = optionalAttributes(input, "UserAttributes") ?? [];
    this.#checkAttributeNames(attributes);
    const temporaryPassword = optionalString(input, "TemporaryPassword");
    if (temporaryPassword !== undefined) this.#checkPassword(pool, temporaryPassword);
    const action = optionalString(input, "MessageAction");
    if (action !== undefined && action !== "SUPPRESS" && action !== "RESEND") {
      throw invalidParameter(
        `1 validation error detected: Value '${action}' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]`,
      );
    }
    const existing = pool.users.positionOf(username);
    const now = this.#clock.now();
    if (action === "RESEND") {
      // RESEND re-invites an existing user who has not yet chosen a password.
      if (existing === undefined) throw userNotFound();
      return {
        User: pool.users.edit(existing, (user) => {
          if (user.status !== "FORCE_CHANGE_PASSWORD") {
            throw new SandboxServiceError(
              "UnsupportedUserStateException",
              `Resend not possible. ${username} status is not FORCE_CHANGE_PASSWORD`,
            );
          }
          user.password = temporaryPassword ?? newTemporaryPassword();
          user.lastModifiedAt = now;
          return this.#userType(user);
        }),
      };
    }
    if (existing !== undefined)
      throw new SandboxServiceError("UsernameExistsException", "User account already exists");
    const user: StoredUser = {
      username,
      attributes: { sub: deriveUuid(`${pool.id}:${username}:${now.getTime()}`) },
      password: temporaryPassword ?? newTemporaryPassword(),
      enabled: true,
      status: "FORCE_CHANGE_PASSWORD",
      createdAt: now,
      lastModifiedAt: now,
      devices: [],
      authEvents: [],
    };
    for (const [name, value] of attributes) if (name !== "sub") user.attributes[name] = value;
    pool.users.add(user);
    return { User: this.#userType(user) };
  }

  #adminGetUser(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const user = pool.users.read(this.#userPosition(pool, input))!;
    return {
      Username: user.username,
      UserAttributes: attributeList(user),
      UserCreateDate: user.createdAt,
      UserLastModifiedDate: user.lastModifiedAt,
      Enabled: user.enabled,
      UserStatus: user.status,
    };
  }

  #adminDeleteUser(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const position = this.#userPosition(pool, input);
    const username = pool.users.read(position)!.username;
    pool.users.delete(position);
    this.#revokeUserTokens(pool.id, username, true);
    // A later user of the same name must not inherit the deleted user's tokens.
    this.#refreshTokensByUser.delete(userKey(pool.id, username));
    this.#accessTokensByUser.delete(userKey(pool.id, username));
    return {};
  }

  #adminUpdateUserAttributes(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const position = this.#userPosition(pool, input);
    const attributes = optionalAttributes(input, "UserAttributes");
    if (attributes === undefined) requiredString(input, "UserAttributes");
    this.#checkAttributeNames(attributes ?? []);
    if (attributes?.some(([name]) => name === "sub")) {
      throw invalidParameter("Cannot modify the non-mutable attribute sub");
    }
    const now = this.#clock.now();
    pool.users.edit(position, (user) => {
      for (const [name, value] of attributes ?? []) user.attributes[name] = value;
      user.lastModifiedAt = now;
    });
    return {};
  }

  #adminSetUserPassword(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const position = this.#userPosition(pool, input);
    const password = requiredString(input, "Password");
    const permanent = optionalBoolean(input, "Permanent") ?? false;
    this.#checkPassword(pool, password);
    const now = this.#clock.now();
    pool.users.edit(position, (user) => {
      user.password = password;
      user.status = permanent ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD";
      user.lastModifiedAt = now;
    });
    return {};
  }

  #setEnabled(input: ActionInput, enabled: boolean): unknown {
    const pool = this.#pool(input);
    const position = this.#userPosition(pool, input);
    const now = this.#clock.now();
    const username = pool.users.edit(position, (user) => {
      user.enabled = enabled;
      user.lastModifiedAt = now;
      return user.username;
    });
    // Cognito revokes a disabled user's access tokens; refresh is refused while the user is disabled.
    if (!enabled) this.#revokeUserTokens(pool.id, username, false);
    return {};
  }

  #listUsers(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const limit = optionalInteger(input, "Limit", 0, 60) || 60;
    const attributesToGet = optionalStrings(input, "AttributesToGet");
    if (attributesToGet !== undefined && attributesToGet.length > 32) {
      throw invalidParameter(
        "1 validation error detected: Value at 'attributesToGet' failed to satisfy constraint: Member must have length less than or equal to 32",
      );
    }
    const filter = parseUserFilter(optionalString(input, "Filter"));
    const scope = `users:${pool.id}`;
    const from = decodePageToken(optionalString(input, "PaginationToken"), scope);
    const page = pool.users.list(filter, from, limit);
    const wanted = attributesToGet?.length ? attributesToGet : undefined;
    return {
      Users: page.positions.map((position) => this.#userType(pool.users.read(position)!, wanted)),
      ...(page.next !== undefined ? { PaginationToken: encodePageToken(scope, page.next) } : {}),
    };
  }

  // ---- authentication ---------------------------------------------------------------------------

  #initiateAuth(input: ActionInput, admin: boolean): unknown {
    const adminPool = admin ? this.#pool(input) : undefined;
    const client = this.#client(requiredString(input, "ClientId"));
    if (adminPool !== undefined && client.poolId !== adminPool.id) {
      throw new SandboxServiceError(
        "ResourceNotFoundException",
        `User pool client ${client.id} does not exist.`,
      );
    }
    const pool = this.#pools.get(client.poolId)!;
    const flow = requiredString(input, "AuthFlow");
    if (!AUTH_FLOWS.includes(flow)) {
      throw invalidParameter(
        `1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_FLOWS.join(", ")}]`,
      );
    }
    const parameters = optionalStringMap(input, "AuthParameters");
    if (flow === "REFRESH_TOKEN_AUTH" || flow === "REFRESH_TOKEN") return this.#refresh(client, parameters);
    const passwordFlow = admin ? ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] : ["USER_PASSWORD_AUTH"];
    if (!passwordFlow.includes(flow)) {
      throw invalidParameter(
        `The sandbox serves ${passwordFlow.join(" and ")} and REFRESH_TOKEN_AUTH for ${admin ? "AdminInitiateAuth" : "InitiateAuth"}; ${flow} is outside it.`,
      );
    }
    const allowed = admin
      ? client.explicitAuthFlows.some(
          (f) => f === "ALLOW_ADMIN_USER_PASSWORD_AUTH" || f === "ADMIN_NO_SRP_AUTH",
        )
      : client.explicitAuthFlows.some((f) => f === "ALLOW_USER_PASSWORD_AUTH" || f === "USER_PASSWORD_AUTH");
    if (!allowed)
      throw invalidParameter(
        admin ? "Auth flow not enabled for this client" : `${flow} flow not enabled for this client`,
      );
    const context = optionalObject(input, "UserContextData") ?? optionalObject(input, "ContextData");
    const ipAddress = context === undefined ? undefined : optionalString(context, "IpAddress");
    return this.#passwordSignIn(pool, client, parameters, ipAddress);
  }

  #checkSecretHash(client: Client, usernames: readonly string[], secretHash: string | undefined): void {
    if (client.secret === undefined) return;
    if (secretHash === undefined) {
      throw notAuthorized(`Client ${client.id} is configured with secret but SECRET_HASH was not received`);
    }
    const given = Buffer.from(secretHash);
    const ok = usernames.some((username) => {
      const expected = Buffer.from(
        createHmac("sha256", client.secret!)
          .update(username + client.id)
          .digest("base64"),
      );
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!ok) throw notAuthorized(`Unable to verify secret hash for client ${client.id}`);
  }

  #passwordSignIn(
    pool: Pool,
    client: Client,
    parameters: Record<string, string>,
    ipAddress: string | undefined,
  ): unknown {
    const username = parameters.USERNAME;
    if (username === undefined) throw invalidParameter("Missing required parameter USERNAME");
    const password = parameters.PASSWORD;
    if (password === undefined) throw invalidParameter("Missing required parameter PASSWORD");
    this.#checkSecretHash(client, [username], parameters.SECRET_HASH);
    const position = pool.users.positionOf(username);
    if (position === undefined) {
      throw client.preventUserExistenceErrors === "ENABLED"
        ? notAuthorized("Incorrect username or password.")
        : userNotFound();
    }
    const user = pool.users.read(position)!;
    if (!user.enabled) throw notAuthorized("User is disabled.");
    if (user.password === undefined || user.password !== password) {
      this.#recordAuthEvent(pool, position, "Fail", ipAddress, undefined);
      throw notAuthorized("Incorrect username or password.");
    }
    if (user.status === "UNCONFIRMED")
      throw new SandboxServiceError("UserNotConfirmedException", "User is not confirmed.");
    if (user.status === "RESET_REQUIRED") {
      throw new SandboxServiceError("PasswordResetRequiredException", "Password reset required for the user");
    }
    if (user.status === "FORCE_CHANGE_PASSWORD") {
      const session = newSession();
      this.#challenges.set(session, {
        poolId: pool.id,
        clientId: client.id,
        username: user.username,
        expiresAt: this.#clock.now().getTime() + client.authSessionValidity * 60_000,
      });
      const visible = Object.fromEntries(
        Object.entries(user.attributes).filter(([name]) => name !== "sub" && !name.endsWith("_verified")),
      );
      return {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: session,
        ChallengeParameters: {
          USER_ID_FOR_SRP: user.username,
          requiredAttributes: "[]",
          userAttributes: JSON.stringify(visible),
        },
      };
    }
    const deviceKey = parameters.DEVICE_KEY;
    const device = deviceKey === undefined ? undefined : user.devices.find((d) => d.key === deviceKey);
    if (device !== undefined) {
      const now = this.#clock.now();
      pool.users.edit(position, (stored) => {
        const remembered = stored.devices.find((d) => d.key === deviceKey);
        if (remembered === undefined) return;
        remembered.lastAuthenticatedAt = now;
        remembered.lastModifiedAt = now;
        if (ipAddress !== undefined) remembered.lastIp = ipAddress;
      });
    }
    this.#recordAuthEvent(pool, position, "Pass", ipAddress, device?.name);
    return {
      ChallengeParameters: {},
      AuthenticationResult: this.#startSession(pool, client, position, device?.key),
    };
  }

  #startSession(
    pool: Pool,
    client: Client,
    position: number,
    deviceKey: string | undefined,
  ): Record<string, unknown> {
    const user = pool.users.read(position)!;
    const authTime = Math.floor(this.#clock.now().getTime() / 1000);
    const record = this.#newRefreshRecord(pool, client, user, authTime, deviceKey);
    return { ...this.#issueTokens(pool, client, user, record), RefreshToken: record.token };
  }

  #newRefreshRecord(
    pool: Pool,
    client: Client,
    user: StoredUser,
    authTime: number,
    deviceKey: string | undefined,
  ): RefreshRecord {
    const now = this.#clock.now();
    const record: RefreshRecord = {
      token: newRefreshToken(),
      poolId: pool.id,
      clientId: client.id,
      username: user.username,
      originJti: randomUUID(),
      authTime,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + seconds(client.refreshToken) * 1000),
      deviceKey,
      revokedAt: undefined,
    };
    this.#refreshTokens.set(record.token, record);
    const key = userKey(pool.id, user.username);
    const tokens = this.#refreshTokensByUser.get(key) ?? new Set<string>();
    this.#refreshTokensByUser.set(key, tokens);
    tokens.add(record.token);
    return record;
  }

  #issueTokens(pool: Pool, client: Client, user: StoredUser, record: RefreshRecord): Record<string, unknown> {
    const iat = Math.floor(this.#clock.now().getTime() / 1000);
    const issuer = `https://cognito-idp.${this.#region}.amazonaws.com/${pool.id}`;
    const sub = user.attributes.sub;
    const eventId = randomUUID();
    const accessJti = randomUUID();
    const accessToken = signJwt({
      sub,
      ...(record.deviceKey !== undefined ? { device_key: record.deviceKey } : {}),
      iss: issuer,
      client_id: client.id,
      origin_jti: record.originJti,
      event_id: eventId,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      auth_time: record.authTime,
      exp: iat + seconds(client.accessToken),
      iat,
      jti: accessJti,
      username: user.username,
    });
    const idToken = signJwt({
      ...idTokenAttributes(user),
      iss: issuer,
      "cognito:username": user.username,
      origin_jti: record.originJti,
      aud: client.id,
      event_id: eventId,
      token_use: "id",
      auth_time: record.authTime,
      exp: iat + seconds(client.idToken),
      iat,
      jti: randomUUID(),
    });
    this.#accessTokens.set(accessJti, { originJti: record.originJti, revoked: false });
    const key = userKey(pool.id, user.username);
    const jtis = this.#accessTokensByUser.get(key) ?? new Set<string>();
    this.#accessTokensByUser.set(key, jtis);
    jtis.add(accessJti);
    return {
      AccessToken: accessToken,
      ExpiresIn: seconds(client.accessToken),
      TokenType: "Bearer",
      IdToken: idToken,
    };
  }

  #refresh(client: Client, parameters: Record<string, string>): unknown {
    const token = parameters.REFRESH_TOKEN;
    if (token === undefined) throw invalidParameter("Missing required parameter REFRESH_TOKEN");
    const record = this.#refreshTokens.get(token);
    if (record === undefined || record.clientId !== client.id) throw notAuthorized("Invalid Refresh Token");
    if (record.revokedAt !== undefined) throw notAuthorized("Refresh Token has been revoked");
    if (record.expiresAt.getTime() <= this.#clock.now().getTime())
      throw notAuthorized("Refresh Token has expired");
    const pool = this.#pools.get(record.poolId)!;
    const position = pool.users.positionOf(record.username);
    if (position === undefined) throw notAuthorized("User does not exist.");
    const user = pool.users.read(position)!;
    this.#checkSecretHash(client, [user.username, user.attributes.sub ?? ""], parameters.SECRET_HASH);
    if (!user.enabled) throw notAuthorized("User is disabled.");
    return { ChallengeParameters: {}, AuthenticationResult: this.#issueTokens(pool, client, user, record) };
  }

  #respondToAuthChallenge(input: ActionInput): unknown {
    const client = this.#client(requiredString(input, "ClientId"));
    const challenge = requiredString(input, "ChallengeName");
    const responses = optionalStringMap(input, "ChallengeResponses");
    const sessionId = optionalString(input, "Session") ?? "";
    const pending = this.#challenges.get(sessionId);
    if (
      pending === undefined ||
      pending.clientId !== client.id ||
      pending.expiresAt <= this.#clock.now().getTime() ||
      challenge !== "NEW_PASSWORD_REQUIRED"
    ) {
      throw notAuthorized("Invalid session for the user, session is expired.");
    }
    const newPassword = responses.NEW_PASSWORD;
    if (newPassword === undefined) throw invalidParameter("Missing required parameter NEW_PASSWORD");
    const pool = this.#pools.get(pending.poolId)!;
    this.#checkSecretHash(client, [pending.username], responses.SECRET_HASH);
    this.#checkPassword(pool, newPassword);
    const position = pool.users.positionOf(pending.username);
    if (position === undefined) throw userNotFound();
    this.#challenges.delete(sessionId);
    const now = this.#clock.now();
    pool.users.edit(position, (user) => {
      user.password = newPassword;
      user.status = "CONFIRMED";
      user.lastModifiedAt = now;
    });
    return {
      ChallengeParameters: {},
      AuthenticationResult: this.#startSession(pool, client, position, undefined),
    };
  }

  #getUser(input: ActionInput): unknown {
    const token = requiredString(input, "AccessToken");
    const inspection = this.inspectAccessToken(token);
    if (!inspection.active) throw notAuthorized(inspection.reason);
    const issuer = String(inspection.claims.iss);
    const pool = this.#pools.get(issuer.slice(issuer.lastIndexOf("/") + 1));
    const position = pool?.users.positionOf(String(inspection.claims.username));
    if (pool === undefined || position === undefined) throw notAuthorized("User does not exist.");
    const user = pool.users.read(position)!;
    if (!user.enabled) throw notAuthorized("User is disabled.");
    return { Username: user.username, UserAttributes: attributeList(user) };
  }

  #recordAuthEvent(
    pool: Pool,
    position: number,
    response: "Pass" | "Fail",
    ipAddress: string | undefined,
    deviceName: string | undefined,
  ): void {
    // Cognito only keeps auth events for pools with advanced security features.
    if (pool.advancedSecurityMode === "OFF") return;
    const now = this.#clock.now();
    pool.users.edit(position, (user) => {
      user.authEvents.push({
        id: randomUUID(),
        type: "SignIn",
        createdAt: now,
        response,
        riskDecision: "NoRisk",
        riskLevel: "Low",
        compromisedCredentialsDetected: false,
        ipAddress,
        deviceName,
        city: undefined,
        country: undefined,
      });
    });
  }

  // ---- sign-out and revocation ------------------------------------------------------------------

  /** Revokes every access token of a user and, when `refresh`, every refresh token too. */
  #revokeUserTokens(poolId: string, username: string, refresh: boolean): void {
    const key = userKey(poolId, username);
    for (const jti of this.#accessTokensByUser.get(key) ?? []) {
      const record = this.#accessTokens.get(jti);
      if (record !== undefined) record.revoked = true;
    }
    if (!refresh) return;
    const now = this.#clock.now();
    for (const token of this.#refreshTokensByUser.get(key) ?? []) {
      const record = this.#refreshTokens.get(token);
      if (record === undefined) continue;
      record.revokedAt ??= now;
      this.#revokedOrigins.add(record.originJti);
    }
  }

  #adminUserGlobalSignOut(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const username = pool.users.read(this.#userPosition(pool, input))!.username;
    this.#revokeUserTokens(pool.id, username, true);
    return {};
  }

  #revokeToken(input: ActionInput): unknown {
    const token = requiredString(input, "Token");
    const clientId = requiredString(input, "ClientId");
    const client = this.#clients.get(clientId);
    if (
      client === undefined ||
      (client.secret !== undefined && optionalString(input, "ClientSecret") !== client.secret)
    ) {
      throw new SandboxServiceError("UnauthorizedException", "Invalid client or secret");
    }
    if (!client.enableTokenRevocation) {
      throw new SandboxServiceError(
        "UnsupportedOperationException",
        "Token revocation is not enabled for this client.",
      );
    }
    if (token.split(".").length === 3) {
      throw new SandboxServiceError(
        "UnsupportedTokenTypeException",
        "Unsupported token type: only refresh tokens can be revoked.",
      );
    }
    const record = this.#refreshTokens.get(token);
    // As in RFC 7009, revoking a token the server does not know succeeds: there is nothing left to revoke.
    if (record === undefined) return {};
    if (record.clientId !== client.id) {
      throw new SandboxServiceError(
        "UnauthorizedException",
        "The refresh token was issued to a different client.",
      );
    }
    record.revokedAt ??= this.#clock.now();
    this.#revokedOrigins.add(record.originJti);
    return {};
  }

  // ---- devices and auth events ------------------------------------------------------------------

  #adminListDevices(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const user = pool.users.read(this.#userPosition(pool, input))!;
    const limit = optionalInteger(input, "Limit", 0, 60) || 60;
    const scope = `devices:${pool.id}:${user.username}`;
    const from = decodePageToken(optionalString(input, "PaginationToken"), scope);
    const page = user.devices.slice(from, from + limit);
    const next = from + page.length;
    return {
      Devices: page.map((device) => ({
        DeviceKey: device.key,
        DeviceAttributes: [
          { Name: "device_status", Value: "valid" },
          ...(device.name !== undefined ? [{ Name: "device_name", Value: device.name }] : []),
          ...(device.lastIp !== undefined ? [{ Name: "last_ip_used", Value: device.lastIp }] : []),
        ],
        DeviceCreateDate: device.createdAt,
        DeviceLastModifiedDate: device.lastModifiedAt,
        ...(device.lastAuthenticatedAt !== undefined
          ? { DeviceLastAuthenticatedDate: device.lastAuthenticatedAt }
          : {}),
      })),
      ...(next < user.devices.length ? { PaginationToken: encodePageToken(scope, next) } : {}),
    };
  }

  #adminForgetDevice(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const position = this.#userPosition(pool, input);
    const deviceKey = requiredString(input, "DeviceKey");
    const known = pool.users.read(position)!.devices.some((device) => device.key === deviceKey);
    if (!known) throw new SandboxServiceError("ResourceNotFoundException", "Device does not exist.");
    pool.users.edit(position, (user) => {
      user.devices = user.devices.filter((device) => device.key !== deviceKey);
    });
    return {};
  }

  #adminListUserAuthEvents(input: ActionInput): unknown {
    const pool = this.#pool(input);
    const user = pool.users.read(this.#userPosition(pool, input))!;
    if (pool.advancedSecurityMode === "OFF") {
      throw new SandboxServiceError(
        "UserPoolAddOnNotEnabledException",
        "Advanced security features are not enabled for this user pool.",
      );
    }
    const max = optionalInteger(input, "MaxResults", 0, 60) || 60;
    const scope = `events:${pool.id}:${user.username}`;
    const from = decodePageToken(optionalString(input, "NextToken"), scope);
    const newestFirst = [...user.authEvents].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = newestFirst.slice(from, from + max);
    const next = from + page.length;
    return {
      AuthEvents: page.map((event) => ({
        EventId: event.id,
        EventType: event.type,
        CreationDate: event.createdAt,
        EventResponse: event.response,
        EventRisk: {
          RiskDecision: event.riskDecision,
          RiskLevel: event.riskLevel,
          CompromisedCredentialsDetected: event.compromisedCredentialsDetected,
        },
        ChallengeResponses: [
          { ChallengeName: "Password", ChallengeResponse: event.response === "Fail" ? "Failure" : "Success" },
        ],
        EventContextData: {
          ...(event.ipAddress !== undefined ? { IpAddress: event.ipAddress } : {}),
          ...(event.deviceName !== undefined ? { DeviceName: event.deviceName } : {}),
          ...(event.city !== undefined ? { City: event.city } : {}),
          ...(event.country !== undefined ? { Country: event.country } : {}),
        },
      })),
      ...(next < newestFirst.length ? { NextToken: encodePageToken(scope, next) } : {}),
    };
  }
}

function userKey(poolId: string, username: string): string {
  return `${poolId}\u0000${username}`;
}

function member(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

function attributeList(user: StoredUser, only?: readonly string[]): { Name: string; Value: string }[] {
  return Object.entries(user.attributes)
    .filter(([name]) => only === undefined || only.includes(name))
    .map(([Name, Value]) => ({ Name, Value }));
}

function idTokenAttributes(user: StoredUser): JwtClaims {
  const claims: JwtClaims = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === "email_verified" || name === "phone_number_verified") claims[name] = value === "true";
    else if (name === "identities") {
      try {
        claims[name] = JSON.parse(value);
      } catch {
        claims[name] = value;
      }
    } else claims[name] = value;
  }
  return claims;
}

/**
 * Token lifetimes as CreateUserPoolClient settles them: an unset validity takes Cognito's default
 * (60 minutes, 60 minutes, 30 days); a set one is read in its unit, which defaults to hours for
 * access and ID tokens and days for refresh tokens.
 */
function tokenValidity(
  access: number | undefined,
  id: number | undefined,
  refresh: number | undefined,
  units: { AccessToken?: TimeUnit; IdToken?: TimeUnit; RefreshToken?: TimeUnit } | undefined,
): { accessToken: TokenValidity; idToken: TokenValidity; refreshToken: TokenValidity } {
  const accessToken: TokenValidity =
    access === undefined
      ? { value: 60, unit: "minutes" }
      : { value: access, unit: units?.AccessToken ?? "hours" };
  const idToken: TokenValidity =
    id === undefined ? { value: 60, unit: "minutes" } : { value: id, unit: units?.IdToken ?? "hours" };
  const refreshToken: TokenValidity =
    refresh === undefined || refresh === 0
      ? { value: 30, unit: "days" }
      : { value: refresh, unit: units?.RefreshToken ?? "days" };
  const inRange = (validity: TokenValidity, min: number, max: number) => {
    const s = seconds(validity);
    return s >= min && s <= max;
  };
  if (!inRange(accessToken, 300, 86_400)) throw new RangeError("Invalid range for token validity.");
  if (!inRange(idToken, 300, 86_400)) throw new RangeError("Invalid range for token validity.");
  if (!inRange(refreshToken, 3600, 315_360_000)) throw new RangeError("Invalid range for token validity.");
  return { accessToken, idToken, refreshToken };
}
