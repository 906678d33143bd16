import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminForgetDeviceCommand,
  AdminGetUserCommand,
  AdminListDevicesCommand,
  AdminListUserAuthEventsCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  ListUsersCommand,
  NotAuthorizedException,
  paginateListUsers,
  RevokeTokenCommand,
  UserNotFoundException,
  UserPoolAddOnNotEnabledException,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox, Scenario } from "../../../sandbox/index.ts";
import { startSandbox } from "../../../sandbox/index.ts";
import { sandboxClientConfig } from "../../support/sandbox.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const POOL_ID = "us-east-1_Staff0001";
const CUSTOMERS = "us-east-1_Customers";
const CLIENT_ID = "staffwebclient0000000000aa";
const PASSWORD = "Corr3ct-Horse!";
const LAPTOP = "us-east-1_11111111-aaaa-bbbb-cccc-000000000001";

const scenario: Scenario = {
  cognito: {
    pools: [
      {
        id: POOL_ID,
        name: "staff",
        advancedSecurityMode: "ENFORCED",
        clients: [{ id: CLIENT_ID, name: "web" }],
        users: [
          {
            username: "jane",
            attributes: { email: "jane@corp.example", "custom:employee_id": "E-100" },
            password: PASSWORD,
            devices: [{ key: LAPTOP, name: "Jane's laptop" }],
            authEvents: [{ createdAt: "2026-02-01T09:00:00Z", ipAddress: "198.51.100.7" }],
          },
          { username: "john", attributes: { email: "john@corp.example" }, password: PASSWORD },
          { username: "Google_1234567890", attributes: { email: "ext@gmail.example" } },
        ],
      },
      {
        id: CUSTOMERS,
        name: "customers",
        clients: [{ name: "shop" }],
        generated: { count: 1_000_000, prefix: "customer", emailDomain: "customer.example" },
      },
    ],
  },
};

describe("sandbox Cognito user pools over HTTP", () => {
  let sb: Sandbox;
  let cognito: CognitoIdentityProviderClient;
  const signIn = (username: string, password = PASSWORD) =>
    cognito.send(
      new InitiateAuthCommand({
        ClientId: CLIENT_ID,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
  const refresh = (token: string) =>
    cognito.send(
      new InitiateAuthCommand({
        ClientId: CLIENT_ID,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: token },
      }),
    );

  beforeAll(async () => {
    sb = await startSandbox({ now: NOW });
    cognito = new CognitoIdentityProviderClient(sandboxClientConfig(sb));
  });
  afterAll(async () => {
    cognito.destroy();
    await sb.close();
  });
  beforeEach(() => {
    sb.seed(scenario);
    sb.clock.set(NOW);
  });

  it("creates a pool, a client and a user, then signs the user in with a permanent password", async () => {
    // Prepare
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "fresh" }));
    const poolId = pool.UserPool?.Id ?? "";
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: "web",
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity: 30,
        TokenValidityUnits: { AccessToken: "minutes" },
      }),
    );
    const clientId = client.UserPoolClient?.ClientId ?? "";

    // Act
    const created = await cognito.send(
      new AdminCreateUserCommand({ UserPoolId: poolId, Username: "newbie", MessageAction: "SUPPRESS" }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: "newbie",
        Password: "Perm4nent!pw",
        Permanent: true,
      }),
    );
    const session = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: "newbie", PASSWORD: "Perm4nent!pw" },
      }),
    );
    const described = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "newbie" }));

    // Assess
    expect(poolId).toMatch(/^us-east-1_[0-9A-Za-z]{9}$/);
    expect(clientId).toMatch(/^[a-z0-9]{26}$/);
    expect(created.User?.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
    expect(created.User?.UserCreateDate).toEqual(NOW);
    expect(described.UserPoolClient?.TokenValidityUnits?.AccessToken).toBe("minutes");
    expect(session.AuthenticationResult?.ExpiresIn).toBe(1800);
    expect(session.AuthenticationResult?.AccessToken?.split(".")).toHaveLength(3);
    expect(user.UserStatus).toBe("CONFIRMED");
  });

  it("pages through users with paginateListUsers and filters by email", async () => {
    // Act
    const names: string[] = [];
    for await (const page of paginateListUsers({ client: cognito, pageSize: 2 }, { UserPoolId: POOL_ID })) {
      names.push(...(page.Users ?? []).map((u) => u.Username ?? ""));
    }
    const byEmail = await cognito.send(
      new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'email = "john@corp.example"' }),
    );

    // Assess
    expect(names).toEqual(["jane", "john", "Google_1234567890"]);
    expect(byEmail.Users?.map((u) => u.Username)).toEqual(["john"]);
  });

  it("finds one user in a million by email and refuses custom-attribute filters and Limit above 60", async () => {
    // Act
    const found = await cognito.send(
      new ListUsersCommand({ UserPoolId: CUSTOMERS, Filter: 'email = "customer-999999@customer.example"' }),
    );
    const custom = cognito.send(
      new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'custom:employee_id = "E-100"' }),
    );
    const tooMany = cognito.send(new ListUsersCommand({ UserPoolId: CUSTOMERS, Limit: 61 }));

    // Assess
    expect(found.Users?.map((u) => u.Username)).toEqual(["customer-999999"]);
    expect(found.PaginationToken).toBeUndefined();
    await expect(custom).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(tooMany).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("global sign-out kills the user's refresh tokens and leaves a colleague's alone", async () => {
    // Prepare
    const jane = await signIn("jane");
    const john = await signIn("john");

    // Act
    await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: "jane" }));

    // Assess
    const revoked = refresh(jane.AuthenticationResult?.RefreshToken ?? "");
    await expect(revoked).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(revoked).rejects.toThrow("Refresh Token has been revoked");
    const colleague = await refresh(john.AuthenticationResult?.RefreshToken ?? "");
    expect(colleague.AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it("a disabled user can neither sign in nor refresh until re-enabled", async () => {
    // Prepare
    const jane = await signIn("jane");

    // Act
    await cognito.send(new AdminDisableUserCommand({ UserPoolId: POOL_ID, Username: "jane" }));
    const signInWhileDisabled = signIn("jane");
    const refreshWhileDisabled = refresh(jane.AuthenticationResult?.RefreshToken ?? "");

    // Assess
    await expect(signInWhileDisabled).rejects.toThrow("User is disabled.");
    await expect(refreshWhileDisabled).rejects.toBeInstanceOf(NotAuthorizedException);
    expect((await signIn("john")).AuthenticationResult).toBeDefined();
    await cognito.send(new AdminEnableUserCommand({ UserPoolId: POOL_ID, Username: "jane" }));
    expect((await signIn("jane")).AuthenticationResult).toBeDefined();
  });

  it("RevokeToken revokes one refresh token only", async () => {
    // Prepare
    const revoked = await signIn("jane");
    const kept = await signIn("jane");

    // Act
    await cognito.send(
      new RevokeTokenCommand({ Token: revoked.AuthenticationResult?.RefreshToken, ClientId: CLIENT_ID }),
    );

    // Assess
    await expect(refresh(revoked.AuthenticationResult?.RefreshToken ?? "")).rejects.toBeInstanceOf(
      NotAuthorizedException,
    );
    expect((await refresh(kept.AuthenticationResult?.RefreshToken ?? "")).AuthenticationResult).toBeDefined();
  });

  it("lists and forgets devices, and serves auth events", async () => {
    // Act
    const before = await cognito.send(new AdminListDevicesCommand({ UserPoolId: POOL_ID, Username: "jane" }));
    await cognito.send(
      new AdminForgetDeviceCommand({ UserPoolId: POOL_ID, Username: "jane", DeviceKey: LAPTOP }),
    );
    const after = await cognito.send(new AdminListDevicesCommand({ UserPoolId: POOL_ID, Username: "jane" }));
    await signIn("jane");
    const events = await cognito.send(
      new AdminListUserAuthEventsCommand({ UserPoolId: POOL_ID, Username: "jane" }),
    );
    const noAddOn = cognito.send(
      new AdminListUserAuthEventsCommand({ UserPoolId: CUSTOMERS, Username: "customer-000001" }),
    );

    // Assess
    expect(before.Devices?.map((d) => d.DeviceKey)).toEqual([LAPTOP]);
    expect(after.Devices).toEqual([]);
    expect(events.AuthEvents?.map((e) => e.EventResponse)).toEqual(["Pass", "Pass"]);
    expect(events.AuthEvents?.[1]?.CreationDate).toEqual(new Date("2026-02-01T09:00:00Z"));
    await expect(noAddOn).rejects.toBeInstanceOf(UserPoolAddOnNotEnabledException);
  });

  it("serves external-provider users and unknown users as Cognito does", async () => {
    // Act
    const google = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: "Google_1234567890" }),
    );
    const ghost = cognito.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: "ghost" }));

    // Assess
    expect(google.UserStatus).toBe("EXTERNAL_PROVIDER");
    await expect(ghost).rejects.toBeInstanceOf(UserNotFoundException);
  });
});
