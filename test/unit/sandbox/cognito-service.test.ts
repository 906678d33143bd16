import { createHmac, createPublicKey, verify } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { SandboxClock } from "../../../sandbox/clock.ts";
import { CognitoScenarioError } from "../../../sandbox/cognito/scenario.ts";
import { CognitoService } from "../../../sandbox/cognito/service.ts";
import { SandboxServiceError } from "../../../sandbox/errors.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const PASSWORD = "Corr3ct-Horse!";
const POOL_ID = "us-east-1_Staff0001";
const CLIENT_ID = "staffwebclient0000000000aa";

// biome-ignore lint/suspicious/noExplicitAny: responses are untyped JSON, read field by field in assertions
type Json = any;

function claimsOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
}

function caught(run: () => unknown): SandboxServiceError {
  try {
    run();
  } catch (error) {
    if (error instanceof SandboxServiceError) return error;
    throw error;
  }
  throw new Error("expected a SandboxServiceError, got a result");
}

function staffScenario(extra: Record<string, unknown> = {}) {
  return {
    pools: [
      {
        id: POOL_ID,
        name: "staff",
        advancedSecurityMode: "AUDIT",
        clients: [
          {
            id: CLIENT_ID,
            name: "web",
            accessTokenValidity: 15,
            tokenValidityUnits: { AccessToken: "minutes" },
          },
        ],
        users: [
          {
            username: "jane",
            attributes: {
              email: "jane@corp.example",
              name: "Jane Doe",
              family_name: 'O"Neil',
              "custom:employee_id": "E-100",
            },
            password: PASSWORD,
            devices: [
              {
                key: "us-east-1_11111111-aaaa-bbbb-cccc-000000000001",
                name: "Jane's laptop",
                lastUsedAt: "2026-02-20T08:00:00Z",
              },
              { key: "us-east-1_11111111-aaaa-bbbb-cccc-000000000002", name: "Jane's phone" },
            ],
            authEvents: [
              {
                createdAt: "2026-02-01T09:00:00Z",
                ipAddress: "198.51.100.7",
                city: "Lisbon",
                country: "Portugal",
              },
              {
                createdAt: "2026-02-10T09:00:00Z",
                response: "Fail",
                riskLevel: "High",
                riskDecision: "Block",
              },
            ],
          },
          {
            username: "john",
            attributes: { email: "john@corp.example", name: "John Roe" },
            password: PASSWORD,
          },
          {
            username: "joan",
            attributes: { email: "joan@corp.example", given_name: "Joan" },
            password: PASSWORD,
            refreshTokens: 2,
          },
          { username: "Google_1234567890", attributes: { email: "ext@gmail.example" } },
          {
            username: "okta_jane@corp.example",
            provider: "okta",
            attributes: { email: "jane@corp.example" },
          },
        ],
        ...extra,
      },
    ],
  };
}

describe("CognitoService", () => {
  let clock: SandboxClock;
  let cognito: CognitoService;
  const call = (action: string, input: Record<string, unknown>): Json => cognito.handle(action, input);
  const signIn = (username: string, password = PASSWORD): Json =>
    call("InitiateAuth", {
      ClientId: CLIENT_ID,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
  const refresh = (token: string): Json =>
    call("InitiateAuth", {
      ClientId: CLIENT_ID,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: token },
    });

  beforeEach(() => {
    clock = new SandboxClock();
    clock.set(NOW);
    cognito = new CognitoService(clock, { accountId: "123456789012", region: "us-east-1" });
  });

  describe("pools and clients", () => {
    it("creates a pool with an AWS-shaped, deterministic id and describes it", () => {
      // Act
      const created = call("CreateUserPool", {
        PoolName: "customers",
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
      });
      const again = new CognitoService(clock, { accountId: "123456789012" }).handle("CreateUserPool", {
        PoolName: "customers",
      }) as Json;
      const described = call("DescribeUserPool", { UserPoolId: created.UserPool.Id });

      // Assess
      expect(created.UserPool.Id).toMatch(/^us-east-1_[0-9A-Za-z]{9}$/);
      expect(again.UserPool.Id).toBe(created.UserPool.Id);
      expect(described.UserPool).toMatchObject({
        Name: "customers",
        Arn: `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${created.UserPool.Id}`,
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
        EstimatedNumberOfUsers: 0,
        CreationDate: NOW,
      });
    });

    it("creates a client with token validities and units and describes it", () => {
      // Prepare
      const poolId = call("CreateUserPool", { PoolName: "customers" }).UserPool.Id;

      // Act
      const created = call("CreateUserPoolClient", {
        UserPoolId: poolId,
        ClientName: "web",
        GenerateSecret: true,
        AccessTokenValidity: 30,
        IdTokenValidity: 2,
        RefreshTokenValidity: 7,
        TokenValidityUnits: { AccessToken: "minutes", IdToken: "hours", RefreshToken: "days" },
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      });
      const described = call("DescribeUserPoolClient", {
        UserPoolId: poolId,
        ClientId: created.UserPoolClient.ClientId,
      });

      // Assess
      expect(created.UserPoolClient.ClientId).toMatch(/^[a-z0-9]{26}$/);
      expect(described.UserPoolClient).toMatchObject({
        UserPoolId: poolId,
        ClientName: "web",
        ClientSecret: expect.stringMatching(/^[a-z0-9]{51}$/),
        AccessTokenValidity: 30,
        IdTokenValidity: 2,
        RefreshTokenValidity: 7,
        TokenValidityUnits: { AccessToken: "minutes", IdToken: "hours", RefreshToken: "days" },
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        EnableTokenRevocation: true,
      });
    });

    it("defaults token validity to 60 minutes, 60 minutes and 30 days", () => {
      // Prepare
      const poolId = call("CreateUserPool", { PoolName: "customers" }).UserPool.Id;

      // Act
      const client = call("CreateUserPoolClient", { UserPoolId: poolId, ClientName: "cli" }).UserPoolClient;

      // Assess
      expect(client).toMatchObject({
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        RefreshTokenValidity: 30,
        TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days" },
      });
    });

    it("refuses out-of-range validity, unknown flows, unknown pools and unknown clients", () => {
      // Prepare
      const poolId = call("CreateUserPool", { PoolName: "customers" }).UserPool.Id;

      // Act
      const tooLong = caught(() =>
        call("CreateUserPoolClient", {
          UserPoolId: poolId,
          ClientName: "x",
          AccessTokenValidity: 2,
          TokenValidityUnits: { AccessToken: "days" },
        }),
      );
      const badFlow = caught(() =>
        call("CreateUserPoolClient", {
          UserPoolId: poolId,
          ClientName: "x",
          ExplicitAuthFlows: ["ALLOW_MAGIC"],
        }),
      );
      const noPool = caught(() => call("DescribeUserPool", { UserPoolId: "us-east-1_Nope12345" }));
      const noClient = caught(() => call("DescribeUserPoolClient", { UserPoolId: poolId, ClientId: "abc" }));
      const missing = caught(() => call("CreateUserPool", {}));

      // Assess
      expect(tooLong.code).toBe("InvalidParameterException");
      expect(badFlow.code).toBe("InvalidParameterException");
      expect(noPool).toMatchObject({
        code: "ResourceNotFoundException",
        message: "User pool us-east-1_Nope12345 does not exist.",
      });
      expect(noClient).toMatchObject({
        code: "ResourceNotFoundException",
        message: "User pool client abc does not exist.",
      });
      expect(missing.message).toMatch(/Value null at 'poolName'/);
    });

    it("lists pools and clients with paging", () => {
      // Prepare
      cognito.seed(staffScenario());
      call("CreateUserPool", { PoolName: "second" });

      // Act
      const first = call("ListUserPools", { MaxResults: 1 });
      const second = call("ListUserPools", { MaxResults: 1, NextToken: first.NextToken });
      const clients = call("ListUserPoolClients", { UserPoolId: POOL_ID });

      // Assess
      expect(first.UserPools.map((p: Json) => p.Id)).toEqual([POOL_ID]);
      expect(second.UserPools.map((p: Json) => p.Name)).toEqual(["second"]);
      expect(second.NextToken).toBeUndefined();
      expect(clients.UserPoolClients).toEqual([
        { ClientId: CLIENT_ID, UserPoolId: POOL_ID, ClientName: "web" },
      ]);
    });
  });

  describe("users and password sign-in", () => {
    it("admin-creates a user who must change the temporary password, then signs in", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      const created = call("AdminCreateUser", {
        UserPoolId: POOL_ID,
        Username: "newbie",
        TemporaryPassword: "Temp-Pass1!",
        MessageAction: "SUPPRESS",
        UserAttributes: [{ Name: "email", Value: "newbie@corp.example" }],
      });
      const challenge = signIn("newbie", "Temp-Pass1!");
      const answered = call("RespondToAuthChallenge", {
        ClientId: CLIENT_ID,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: "newbie", NEW_PASSWORD: "Brand-New-1!" },
      });
      const after = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "newbie" });

      // Assess
      expect(created.User).toMatchObject({
        Username: "newbie",
        Enabled: true,
        UserStatus: "FORCE_CHANGE_PASSWORD",
      });
      expect(created.User.Attributes).toContainEqual({ Name: "email", Value: "newbie@corp.example" });
      expect(created.User.Attributes.find((a: Json) => a.Name === "sub").Value).toMatch(/^[0-9a-f-]{36}$/);
      expect(challenge.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
      expect(answered.AuthenticationResult.RefreshToken).toEqual(expect.any(String));
      expect(after.UserStatus).toBe("CONFIRMED");
    });

    it("confirms a user through AdminSetUserPassword Permanent, and enforces the password policy", () => {
      // Prepare
      cognito.seed(staffScenario());
      call("AdminCreateUser", { UserPoolId: POOL_ID, Username: "newbie", MessageAction: "SUPPRESS" });

      // Act
      const weak = caught(() =>
        call("AdminSetUserPassword", {
          UserPoolId: POOL_ID,
          Username: "newbie",
          Password: "short",
          Permanent: true,
        }),
      );
      call("AdminSetUserPassword", {
        UserPoolId: POOL_ID,
        Username: "newbie",
        Password: "Perm4nent!pw",
        Permanent: true,
      });
      const user = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "newbie" });
      const session = signIn("newbie", "Perm4nent!pw");

      // Assess
      expect(weak).toMatchObject({
        code: "InvalidPasswordException",
        message: expect.stringMatching(/not long enough/),
      });
      expect(user.UserStatus).toBe("CONFIRMED");
      expect(session.AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });

    it("refuses a duplicate username and unknown users", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      const duplicate = caught(() => call("AdminCreateUser", { UserPoolId: POOL_ID, Username: "jane" }));
      const unknown = caught(() => call("AdminGetUser", { UserPoolId: POOL_ID, Username: "ghost" }));
      const unknownSignIn = caught(() => signIn("ghost"));

      // Assess
      expect(duplicate.code).toBe("UsernameExistsException");
      expect(unknown).toMatchObject({ code: "UserNotFoundException", message: "User does not exist." });
      expect(unknownSignIn.code).toBe("UserNotFoundException");
    });

    it("returns AdminGetUser in AWS's shape", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      const user = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "jane" });

      // Assess
      expect(user).toMatchObject({
        Username: "jane",
        Enabled: true,
        UserStatus: "CONFIRMED",
        UserCreateDate: NOW,
        UserLastModifiedDate: NOW,
      });
      expect(user.UserAttributes[0].Name).toBe("sub");
      expect(user.UserAttributes).toContainEqual({ Name: "custom:employee_id", Value: "E-100" });
    });

    it("issues RS256 JWTs with Cognito's claims, verifiable with the JWKS", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      const result = signIn("jane").AuthenticationResult;

      // Assess
      const [header, payload, signature] = result.AccessToken.split(".");
      const headerJson = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
      const jwk = cognito.jwks().keys[0];
      expect(headerJson).toEqual({ kid: jwk?.kid, alg: "RS256" });
      const key = createPublicKey({ key: jwk as never, format: "jwk" });
      expect(
        verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")),
      ).toBe(true);
      const iat = NOW.getTime() / 1000;
      const access = claimsOf(result.AccessToken);
      const id = claimsOf(result.IdToken);
      expect(access).toMatchObject({
        iss: `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`,
        client_id: CLIENT_ID,
        token_use: "access",
        username: "jane",
        auth_time: iat,
        iat,
        exp: iat + 15 * 60,
      });
      expect(id).toMatchObject({
        aud: CLIENT_ID,
        token_use: "id",
        "cognito:username": "jane",
        email: "jane@corp.example",
      });
      expect(id.sub).toBe(access.sub);
      expect(id.origin_jti).toBe(access.origin_jti);
      expect(id.jti).not.toBe(access.jti);
      expect(result).toMatchObject({ ExpiresIn: 900, TokenType: "Bearer" });
      expect(result.RefreshToken.split(".")).toHaveLength(5);
    });

    it("refuses a wrong password and a client without USER_PASSWORD_AUTH", () => {
      // Prepare
      cognito.seed(staffScenario());
      const poolId = POOL_ID;
      const srpOnly = call("CreateUserPoolClient", { UserPoolId: poolId, ClientName: "srp" }).UserPoolClient
        .ClientId;

      // Act
      const wrong = caught(() => signIn("jane", "nope"));
      const notEnabled = caught(() =>
        call("InitiateAuth", {
          ClientId: srpOnly,
          AuthFlow: "USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: "jane", PASSWORD },
        }),
      );

      // Assess
      expect(wrong).toMatchObject({
        code: "NotAuthorizedException",
        message: "Incorrect username or password.",
      });
      expect(notEnabled).toMatchObject({
        code: "InvalidParameterException",
        message: "USER_PASSWORD_AUTH flow not enabled for this client",
      });
    });

    it("requires SECRET_HASH for a client with a secret", () => {
      // Prepare
      cognito.seed(staffScenario({ clients: [{ id: CLIENT_ID, name: "web", secret: "s3cr3t" }] }));
      const hash = createHmac("sha256", "s3cr3t").update(`jane${CLIENT_ID}`).digest("base64");

      // Act
      const without = caught(() => signIn("jane"));
      const withHash = call("InitiateAuth", {
        ClientId: CLIENT_ID,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: "jane", PASSWORD, SECRET_HASH: hash },
      });

      // Assess
      expect(without.code).toBe("NotAuthorizedException");
      expect(withHash.AuthenticationResult.IdToken).toEqual(expect.any(String));
    });

    it("serves AdminInitiateAuth and GetUser", () => {
      // Prepare
      cognito.seed(
        staffScenario({
          clients: [
            {
              id: CLIENT_ID,
              name: "web",
              explicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            },
          ],
        }),
      );

      // Act
      const session = call("AdminInitiateAuth", {
        UserPoolId: POOL_ID,
        ClientId: CLIENT_ID,
        AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: "john", PASSWORD },
      });
      const me = call("GetUser", { AccessToken: session.AuthenticationResult.AccessToken });

      // Assess
      expect(me.Username).toBe("john");
      expect(me.UserAttributes).toContainEqual({ Name: "email", Value: "john@corp.example" });
    });

    it("updates attributes and deletes users", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      call("AdminUpdateUserAttributes", {
        UserPoolId: POOL_ID,
        Username: "john",
        UserAttributes: [{ Name: "email", Value: "jr@corp.example" }],
      });
      const byNewEmail = call("ListUsers", { UserPoolId: POOL_ID, Filter: 'email = "jr@corp.example"' });
      const byOldEmail = call("ListUsers", { UserPoolId: POOL_ID, Filter: 'email = "john@corp.example"' });
      call("AdminDeleteUser", { UserPoolId: POOL_ID, Username: "john" });
      const gone = caught(() => call("AdminGetUser", { UserPoolId: POOL_ID, Username: "john" }));

      // Assess
      expect(byNewEmail.Users.map((u: Json) => u.Username)).toEqual(["john"]);
      expect(byOldEmail.Users).toEqual([]);
      expect(gone.code).toBe("UserNotFoundException");
    });
  });

  describe("ListUsers", () => {
    beforeEach(() => cognito.seed(staffScenario()));
    const usernames = (filter: string): string[] =>
      call("ListUsers", { UserPoolId: POOL_ID, Filter: filter }).Users.map((u: Json) => u.Username);

    it("filters by exact and prefix match", () => {
      // Act
      const exact = usernames('email = "jane@corp.example"');
      const prefix = usernames('username ^= "jo"');
      const byName = usernames('given_name = "Joan"');

      // Assess
      expect(exact).toEqual(["jane", "okta_jane@corp.example"]);
      expect(prefix).toEqual(["john", "joan"]);
      expect(byName).toEqual(["joan"]);
    });

    it("unescapes quotes and tolerates spacing", () => {
      // Act
      const quoted = usernames('family_name = "O\\"Neil"');
      const spaced = usernames('  name   ^=   "Jo"  ');

      // Assess
      expect(quoted).toEqual(["jane"]);
      expect(spaced).toEqual(["john"]);
    });

    it("filters on status and cognito:user_status", () => {
      // Prepare
      call("AdminDisableUser", { UserPoolId: POOL_ID, Username: "john" });

      // Act
      const disabled = usernames('status = "Disabled"');
      const external = usernames('cognito:user_status = "external_provider"');

      // Assess
      expect(disabled).toEqual(["john"]);
      expect(external).toEqual(["Google_1234567890", "okta_jane@corp.example"]);
    });

    it("filters on sub", () => {
      // Prepare
      const sub = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "joan" }).UserAttributes[0].Value;

      // Act
      const found = usernames(`sub = "${sub}"`);

      // Assess
      expect(found).toEqual(["joan"]);
    });

    it("refuses custom attributes and malformed filters like Cognito", () => {
      // Act
      const custom = caught(() => usernames('custom:employee_id = "E-100"'));
      const malformed = caught(() => usernames("email = jane@corp.example"));

      // Assess
      expect(custom).toMatchObject({
        code: "InvalidParameterException",
        message: "Invalid search attribute: custom:employee_id",
      });
      expect(malformed).toMatchObject({
        code: "InvalidParameterException",
        message: "Error while parsing filter.",
      });
    });

    it("returns only AttributesToGet", () => {
      // Act
      const page = call("ListUsers", {
        UserPoolId: POOL_ID,
        Filter: 'username = "jane"',
        AttributesToGet: ["email"],
      });

      // Assess
      expect(page.Users[0].Attributes).toEqual([{ Name: "email", Value: "jane@corp.example" }]);
    });

    it("pages with Limit and PaginationToken, in insertion order", () => {
      // Act
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = call("ListUsers", { UserPoolId: POOL_ID, Limit: 2, PaginationToken: token });
        seen.push(...page.Users.map((u: Json) => u.Username));
        token = page.PaginationToken;
        pages++;
      } while (token !== undefined);

      // Assess
      expect(seen).toEqual(["jane", "john", "joan", "Google_1234567890", "okta_jane@corp.example"]);
      expect(pages).toBe(3);
    });

    it("refuses Limit above 60 and foreign pagination tokens", () => {
      // Act
      const tooMany = caught(() => call("ListUsers", { UserPoolId: POOL_ID, Limit: 61 }));
      const forged = caught(() =>
        call("ListUsers", { UserPoolId: POOL_ID, PaginationToken: "bm90LWEtdG9rZW4" }),
      );

      // Assess
      expect(tooMany).toMatchObject({
        code: "InvalidParameterException",
        message: expect.stringContaining("Member must have value less than or equal to 60"),
      });
      expect(forged.code).toBe("InvalidParameterException");
    });
  });

  describe("sign-out, disabling and revocation", () => {
    beforeEach(() => cognito.seed(staffScenario()));

    it("global sign-out stops every refresh token of the user, not a colleague's", () => {
      // Prepare
      const first = signIn("jane").AuthenticationResult;
      const second = signIn("jane").AuthenticationResult;
      const colleague = signIn("john").AuthenticationResult;

      // Act
      call("AdminUserGlobalSignOut", { UserPoolId: POOL_ID, Username: "jane" });

      // Assess
      for (const session of [first, second]) {
        expect(caught(() => refresh(session.RefreshToken))).toMatchObject({
          code: "NotAuthorizedException",
          message: "Refresh Token has been revoked",
        });
        expect(cognito.inspectAccessToken(session.AccessToken).active).toBe(false);
      }
      expect(refresh(colleague.RefreshToken).AuthenticationResult.AccessToken).toEqual(expect.any(String));
      expect(cognito.inspectAccessToken(colleague.AccessToken).active).toBe(true);
      expect(cognito.listRefreshTokens(POOL_ID, "jane").map((t) => t.revoked)).toEqual([true, true]);
      expect(signIn("jane").AuthenticationResult.RefreshToken).toEqual(expect.any(String));
    });

    it("refresh keeps the session's origin and auth time and issues no new refresh token", () => {
      // Prepare
      const session = signIn("jane").AuthenticationResult;
      clock.advance(10 * 60_000);

      // Act
      const refreshed = refresh(session.RefreshToken).AuthenticationResult;

      // Assess
      expect(refreshed.RefreshToken).toBeUndefined();
      expect(claimsOf(refreshed.AccessToken).origin_jti).toBe(claimsOf(session.AccessToken).origin_jti);
      expect(claimsOf(refreshed.AccessToken).auth_time).toBe(NOW.getTime() / 1000);
      expect(claimsOf(refreshed.AccessToken).iat).toBe(NOW.getTime() / 1000 + 600);
    });

    it("a disabled user can neither sign in nor refresh; re-enabling restores sign-in", () => {
      // Prepare
      const session = signIn("jane").AuthenticationResult;
      const colleague = signIn("john").AuthenticationResult;

      // Act
      call("AdminDisableUser", { UserPoolId: POOL_ID, Username: "jane" });

      // Assess
      expect(caught(() => signIn("jane"))).toMatchObject({
        code: "NotAuthorizedException",
        message: "User is disabled.",
      });
      expect(caught(() => refresh(session.RefreshToken))).toMatchObject({
        code: "NotAuthorizedException",
        message: "User is disabled.",
      });
      expect(cognito.inspectAccessToken(session.AccessToken)).toMatchObject({ active: false });
      expect(call("AdminGetUser", { UserPoolId: POOL_ID, Username: "jane" }).Enabled).toBe(false);
      expect(refresh(colleague.RefreshToken).AuthenticationResult.IdToken).toEqual(expect.any(String));
      call("AdminEnableUser", { UserPoolId: POOL_ID, Username: "jane" });
      expect(signIn("jane").AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });

    it("RevokeToken revokes one refresh token and the access tokens issued from it", () => {
      // Prepare
      const revoked = signIn("jane").AuthenticationResult;
      const kept = signIn("jane").AuthenticationResult;

      // Act
      const result = call("RevokeToken", { Token: revoked.RefreshToken, ClientId: CLIENT_ID });

      // Assess
      expect(result).toEqual({});
      expect(caught(() => refresh(revoked.RefreshToken)).message).toBe("Refresh Token has been revoked");
      expect(cognito.inspectAccessToken(revoked.AccessToken)).toMatchObject({
        active: false,
        reason: "Access Token has been revoked",
      });
      expect(refresh(kept.RefreshToken).AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });

    it("RevokeToken needs a ClientId, the right client, and a refresh token", () => {
      // Prepare
      const session = signIn("jane").AuthenticationResult;

      // Act
      const noClient = caught(() => call("RevokeToken", { Token: session.RefreshToken }));
      const wrongClient = caught(() =>
        call("RevokeToken", { Token: session.RefreshToken, ClientId: "otherclient0000000000000zz" }),
      );
      const accessToken = caught(() =>
        call("RevokeToken", { Token: session.AccessToken, ClientId: CLIENT_ID }),
      );

      // Assess
      expect(noClient).toMatchObject({
        code: "InvalidParameterException",
        message: expect.stringMatching(/'clientId'/),
      });
      expect(wrongClient.code).toBe("UnauthorizedException");
      expect(accessToken.code).toBe("UnsupportedTokenTypeException");
      expect(refresh(session.RefreshToken).AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });

    it("refresh tokens expire with the sandbox clock", () => {
      // Prepare
      const session = signIn("jane").AuthenticationResult;
      clock.advance(31 * 86_400_000);

      // Act
      const expired = caught(() => refresh(session.RefreshToken));

      // Assess
      expect(expired).toMatchObject({ code: "NotAuthorizedException", message: "Refresh Token has expired" });
      expect(cognito.inspectAccessToken(session.AccessToken)).toMatchObject({
        active: false,
        reason: "Access Token has expired",
      });
    });

    it("seeds live refresh tokens on request", () => {
      // Act
      const tokens = cognito.listRefreshTokens(POOL_ID, "joan");

      // Assess
      expect(tokens).toHaveLength(2);
      expect(tokens.every((t) => t.clientId === CLIENT_ID && !t.revoked)).toBe(true);
      expect(refresh(tokens[0]!.token).AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });
  });

  describe("devices", () => {
    beforeEach(() => cognito.seed(staffScenario()));

    it("lists, forgets and refuses unknown devices", () => {
      // Act
      const listed = call("AdminListDevices", { UserPoolId: POOL_ID, Username: "jane" });
      call("AdminForgetDevice", {
        UserPoolId: POOL_ID,
        Username: "jane",
        DeviceKey: "us-east-1_11111111-aaaa-bbbb-cccc-000000000002",
      });
      const after = call("AdminListDevices", { UserPoolId: POOL_ID, Username: "jane" });
      const unknown = caught(() =>
        call("AdminForgetDevice", { UserPoolId: POOL_ID, Username: "jane", DeviceKey: "us-east-1_nope" }),
      );
      const none = call("AdminListDevices", { UserPoolId: POOL_ID, Username: "john" });

      // Assess
      expect(listed.Devices).toHaveLength(2);
      expect(listed.Devices[0]).toMatchObject({
        DeviceKey: "us-east-1_11111111-aaaa-bbbb-cccc-000000000001",
        DeviceLastAuthenticatedDate: new Date("2026-02-20T08:00:00Z"),
      });
      expect(listed.Devices[0].DeviceAttributes).toContainEqual({
        Name: "device_name",
        Value: "Jane's laptop",
      });
      expect(after.Devices.map((d: Json) => d.DeviceKey)).toEqual([
        "us-east-1_11111111-aaaa-bbbb-cccc-000000000001",
      ]);
      expect(unknown.code).toBe("ResourceNotFoundException");
      expect(none.Devices).toEqual([]);
    });

    it("pages devices", () => {
      // Act
      const first = call("AdminListDevices", { UserPoolId: POOL_ID, Username: "jane", Limit: 1 });
      const second = call("AdminListDevices", {
        UserPoolId: POOL_ID,
        Username: "jane",
        Limit: 1,
        PaginationToken: first.PaginationToken,
      });

      // Assess
      expect(first.Devices).toHaveLength(1);
      expect(second.Devices[0].DeviceKey).toBe("us-east-1_11111111-aaaa-bbbb-cccc-000000000002");
      expect(second.PaginationToken).toBeUndefined();
    });

    it("records the device a sign-in names and puts it in the access token", () => {
      // Act
      const session = call("InitiateAuth", {
        ClientId: CLIENT_ID,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: {
          USERNAME: "jane",
          PASSWORD,
          DEVICE_KEY: "us-east-1_11111111-aaaa-bbbb-cccc-000000000002",
        },
      });
      const devices = call("AdminListDevices", { UserPoolId: POOL_ID, Username: "jane" }).Devices;

      // Assess
      expect(claimsOf(session.AuthenticationResult.AccessToken).device_key).toBe(
        "us-east-1_11111111-aaaa-bbbb-cccc-000000000002",
      );
      expect(devices[1].DeviceLastAuthenticatedDate).toEqual(NOW);
    });
  });

  describe("auth events", () => {
    it("serves seeded and recorded events newest first when advanced security is on", () => {
      // Prepare
      cognito.seed(staffScenario());
      caught(() => signIn("jane", "wrong"));
      clock.advance(1000);
      signIn("jane");

      // Act
      const events = call("AdminListUserAuthEvents", { UserPoolId: POOL_ID, Username: "jane" }).AuthEvents;

      // Assess
      expect(events.map((e: Json) => e.EventResponse)).toEqual(["Pass", "Fail", "Fail", "Pass"]);
      expect(events[0]).toMatchObject({ EventType: "SignIn", CreationDate: new Date(NOW.getTime() + 1000) });
      expect(events[2]).toMatchObject({ EventRisk: { RiskDecision: "Block", RiskLevel: "High" } });
      expect(events[3].EventContextData).toEqual({
        IpAddress: "198.51.100.7",
        City: "Lisbon",
        Country: "Portugal",
      });
    });

    it("refuses auth events when advanced security is off", () => {
      // Prepare
      cognito.seed(staffScenario({ advancedSecurityMode: "OFF" }));

      // Act
      const error = caught(() => call("AdminListUserAuthEvents", { UserPoolId: POOL_ID, Username: "jane" }));

      // Assess
      expect(error.code).toBe("UserPoolAddOnNotEnabledException");
    });
  });

  describe("external-provider users", () => {
    beforeEach(() => cognito.seed(staffScenario()));

    it("marks federated users EXTERNAL_PROVIDER with their identities, and they cannot use a password", () => {
      // Act
      const google = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "Google_1234567890" });
      const okta = call("AdminGetUser", { UserPoolId: POOL_ID, Username: "okta_jane@corp.example" });
      const refused = caught(() => signIn("Google_1234567890", "anything"));

      // Assess
      expect(google.UserStatus).toBe("EXTERNAL_PROVIDER");
      const identities = JSON.parse(google.UserAttributes.find((a: Json) => a.Name === "identities").Value);
      expect(identities[0]).toMatchObject({
        userId: "1234567890",
        providerName: "Google",
        providerType: "Google",
      });
      expect(okta.UserStatus).toBe("EXTERNAL_PROVIDER");
      expect(
        JSON.parse(okta.UserAttributes.find((a: Json) => a.Name === "identities").Value)[0],
      ).toMatchObject({
        userId: "jane@corp.example",
        providerName: "okta",
      });
      expect(refused.code).toBe("NotAuthorizedException");
    });
  });

  describe("a generated pool of 1,000,000 users", () => {
    const CUSTOMERS = "us-east-1_Customers";
    beforeEach(() =>
      cognito.seed({
        pools: [
          {
            id: CUSTOMERS,
            name: "customers",
            clients: [{ id: CLIENT_ID, name: "shop" }],
            generated: {
              count: 1_000_000,
              prefix: "customer",
              emailDomain: "customer.example",
              password: PASSWORD,
            },
            users: [
              { username: "support-agent", attributes: { email: "agent@corp.example" }, password: PASSWORD },
            ],
          },
        ],
      }),
    );

    it("finds one user by email, username, name and sub", () => {
      // Act
      const byEmail = call("ListUsers", {
        UserPoolId: CUSTOMERS,
        Filter: 'email = "customer-654321@customer.example"',
      });
      const user = byEmail.Users[0];
      const sub = user.Attributes.find((a: Json) => a.Name === "sub").Value;
      const byUsername = call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'username = "customer-654321"' });
      const byName = call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'name = "Customer 654321"' });
      const bySub = call("ListUsers", { UserPoolId: CUSTOMERS, Filter: `sub = "${sub}"` });
      const outOfRange = call("ListUsers", {
        UserPoolId: CUSTOMERS,
        Filter: 'email = "customer-1000000@customer.example"',
      });

      // Assess
      expect(byEmail.Users).toHaveLength(1);
      expect(user).toMatchObject({ Username: "customer-654321", Enabled: true, UserStatus: "CONFIRMED" });
      expect(byEmail.PaginationToken).toBeUndefined();
      for (const page of [byUsername, byName, bySub])
        expect(page.Users.map((u: Json) => u.Username)).toEqual(["customer-654321"]);
      expect(outOfRange.Users).toEqual([]);
      expect(call("DescribeUserPool", { UserPoolId: CUSTOMERS }).UserPool.EstimatedNumberOfUsers).toBe(
        1_000_001,
      );
    });

    it("lists generated users first in full pages, explicit users after them", () => {
      // Act
      const first = call("ListUsers", { UserPoolId: CUSTOMERS });
      const agent = call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'email ^= "agent@"' });

      // Assess
      expect(first.Users).toHaveLength(60);
      expect(first.Users[0].Username).toBe("customer-000000");
      expect(first.Users[59].Username).toBe("customer-000059");
      expect(first.PaginationToken).toEqual(expect.any(String));
      expect(agent.Users.map((u: Json) => u.Username)).toEqual(["support-agent"]);
    });

    it("materialises a generated user on change and keeps finding it", () => {
      // Prepare
      const session = signIn("customer-000042").AuthenticationResult;

      // Act
      call("AdminDisableUser", { UserPoolId: CUSTOMERS, Username: "customer-000042" });
      call("AdminUpdateUserAttributes", {
        UserPoolId: CUSTOMERS,
        Username: "customer-000042",
        UserAttributes: [{ Name: "email", Value: "moved@elsewhere.example" }],
      });

      // Assess
      expect(call("AdminGetUser", { UserPoolId: CUSTOMERS, Username: "customer-000042" }).Enabled).toBe(
        false,
      );
      expect(
        call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'email = "customer-000042@customer.example"' })
          .Users,
      ).toEqual([]);
      expect(
        call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'email = "moved@elsewhere.example"' }).Users.map(
          (u: Json) => u.Username,
        ),
      ).toEqual(["customer-000042"]);
      expect(
        call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'status = "Disabled"', Limit: 5 }).Users,
      ).toHaveLength(1);
      const moved = call("ListUsers", { UserPoolId: CUSTOMERS, Filter: 'email ^= "moved@"' });
      expect(moved.Users.map((u: Json) => u.Username)).toEqual(["customer-000042"]);
      expect(caught(() => refresh(session.RefreshToken)).message).toBe("User is disabled.");
      expect(signIn("customer-000043").AuthenticationResult.AccessToken).toEqual(expect.any(String));
    });

    it("walks a small generated pool completely, ending with the explicit user", () => {
      // Prepare
      cognito.seed({
        pools: [{ id: CUSTOMERS, name: "small", generated: { count: 125 }, users: [{ username: "last" }] }],
      });

      // Act
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = call("ListUsers", { UserPoolId: CUSTOMERS, PaginationToken: token });
        seen.push(...page.Users.map((u: Json) => u.Username));
        token = page.PaginationToken;
      } while (token !== undefined);

      // Assess
      expect(seen).toHaveLength(126);
      expect(new Set(seen).size).toBe(126);
      expect(seen[0]).toBe("user-000000");
      expect(seen.at(-1)).toBe("last");
    });
  });

  describe("scenario validation and dispatch", () => {
    it("reports every scenario problem with its path", () => {
      // Act
      let error: unknown;
      try {
        cognito.seed({
          pools: [{ name: "", users: [{ username: "a" }, { username: "a", status: "NOPE" }], extra: 1 }],
        });
      } catch (thrown) {
        error = thrown;
      }

      // Assess
      expect(error).toBeInstanceOf(CognitoScenarioError);
      const problems = (error as CognitoScenarioError).problems.join("\n");
      expect(problems).toMatch(/cognito\.pools\[0\]\.name/);
      expect(problems).toMatch(/cognito\.pools\[0\]\.users\[1\]\.status/);
      expect(problems).toMatch(/extra/);
    });

    it("refuses a username that collides with a generated user", () => {
      // Act
      const run = () =>
        cognito.seed({
          pools: [{ name: "p", generated: { count: 10 }, users: [{ username: "user-000003" }] }],
        });

      // Assess
      expect(run).toThrow(CognitoScenarioError);
    });

    it("answers an unknown action with UnknownOperationException", () => {
      // Act
      const error = caught(() => call("AdminLinkProviderForUser", {}));

      // Assess
      expect(error.code).toBe("UnknownOperationException");
    });

    it("reset forgets everything", () => {
      // Prepare
      cognito.seed(staffScenario());

      // Act
      cognito.reset();

      // Assess
      expect(call("ListUserPools", { MaxResults: 60 }).UserPools).toEqual([]);
    });
  });
});
