/**
 * Revocation for the `aws-cognito` source, one user in one pool at a time, each step its own
 * action record:
 *
 * 1. `AdminUserGlobalSignOut`: every refresh token of the user is revoked, so no new access or
 *    ID token can be minted. Works for federated users too: the refresh tokens are Cognito's.
 *    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUserGlobalSignOut.html
 * 2. `AdminDisableUser` (when `disableUser`, the default): no new sign-in, native or federated,
 *    and Cognito revokes the user's access tokens. Reversible with `AdminEnableUser`.
 *    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableUser.html
 * 3. `AdminForgetDevice` for each remembered device (when `forgetDevices`), so a device cannot
 *    skip MFA on a later sign-in.
 *
 * What it cannot do: ID tokens, and access tokens checked offline, stay valid until they
 * expire; the credential's `residualAccessTokenMinutes` says for how long.
 */
import {
  AdminDisableUserCommand,
  AdminForgetDeviceCommand,
  AdminGetUserCommand,
  AdminListDevicesCommand,
  AdminUserGlobalSignOutCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { Config } from "../../config.ts";
import type { ActionRecord, ActionStatus, Credential } from "../../core/model.ts";
import type { RevokeContext } from "../../core/ports/credential-source.ts";
import { errorInfo, isAwsError } from "../aws-iam/aws-calls.ts";
import type { CognitoCalls } from "./calls.ts";
import type { CognitoPoolConfig } from "./discover.ts";
import { parseSessionsNativeId, regionOfPool } from "./pool-id.ts";

/** A user that is still enabled after `AdminDisableUser`. */
export class CognitoUserStillEnabledError extends Error {
  override readonly name = "CognitoUserStillEnabledError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What the revoker needs. */
export interface CognitoRevokerDeps {
  readonly calls: CognitoCalls;
  readonly config: Config["sources"]["aws-cognito"];
}

/** Why a sign-out alone cannot be read back. */
export const SIGN_OUT_UNVERIFIABLE =
  "Cognito offers no API that lists a user's refresh tokens, so the global sign-out cannot be read back; " +
  "disableUser is off, so there is no disable to read back either";

interface Target {
  readonly pool: CognitoPoolConfig;
  readonly region: string;
  readonly UserPoolId: string;
  readonly Username: string;
}

/** Revokes and verifies `cognito-sessions` credentials. */
export class CognitoRevoker {
  constructor(private readonly deps: CognitoRevokerDeps) {}

  /** The configured pool and user a credential names, or why it is not ours to touch. */
  #target(credential: Credential): Target | string {
    if (credential.source !== "aws-cognito" || credential.kind !== "cognito-sessions")
      return `not an aws-cognito cognito-sessions credential: ${credential.id}`;
    const parsed = parseSessionsNativeId(credential.nativeId);
    if (!parsed) return `not a <poolId>/<username> native id: ${credential.nativeId}`;
    const pool = this.deps.config.pools.find((p) => p.userPoolId === parsed.userPoolId);
    // Only configured pools are ever changed: the CDK construct grants nothing else either.
    if (!pool) return `pool ${parsed.userPoolId} is not configured in sources.aws-cognito.pools`;
    return {
      pool,
      region: pool.region ?? regionOfPool(pool.userPoolId),
      UserPoolId: parsed.userPoolId,
      Username: parsed.username,
    };
  }

  /** Signs the user out everywhere, disables them, forgets their devices. Never throws for provider errors. */
  async revoke(credential: Credential, ctx: RevokeContext): Promise<ActionRecord[]> {
    const at = ctx.now;
    const record = (status: ActionStatus, detail: string, error?: unknown): ActionRecord => ({
      type: "revoke",
      status,
      detail,
      at,
      ...(error === undefined ? {} : { error: errorInfo(error) }),
    });
    const target = this.#target(credential);
    if (typeof target === "string") return [record("skipped", target)];
    const { calls } = this.deps;
    const { pool, region, UserPoolId, Username } = target;
    const who = `${UserPoolId}/${Username}`;
    const residual = credential.details?.residualAccessTokenMinutes;
    const records: ActionRecord[] = [];

    const signOut = `AdminUserGlobalSignOut ${who}`;
    try {
      await calls.send("AdminUserGlobalSignOut", region, (c) =>
        c.send(new AdminUserGlobalSignOutCommand({ UserPoolId, Username })),
      );
      records.push(
        record(
          "done",
          `${signOut}: refresh tokens revoked${typeof residual === "number" ? `; access and ID tokens already issued stay valid up to ${residual} min` : ""}`,
        ),
      );
    } catch (error) {
      if (isAwsError(error, "UserNotFound"))
        return [record("skipped", `${signOut}: the user no longer exists`)];
      records.push(record("failed", signOut, error));
    }

    if (pool.disableUser) {
      const detail = `AdminDisableUser ${who}`;
      try {
        await calls.send("AdminDisableUser", region, (c) =>
          c.send(new AdminDisableUserCommand({ UserPoolId, Username })),
        );
        records.push(record("done", `${detail} (reversible with AdminEnableUser)`));
      } catch (error) {
        records.push(record("failed", detail, error));
      }
    } else {
      records.push(record("skipped", `AdminDisableUser ${who}: disableUser is off for this pool`));
    }

    if (pool.forgetDevices) records.push(...(await this.#forgetDevices(target, record)));
    else records.push(record("skipped", `AdminForgetDevice ${who}: forgetDevices is off for this pool`));
    return records;
  }

  async #forgetDevices(
    { region, UserPoolId, Username }: Target,
    record: (status: ActionStatus, detail: string, error?: unknown) => ActionRecord,
  ): Promise<ActionRecord[]> {
    const { calls } = this.deps;
    const who = `${UserPoolId}/${Username}`;
    const keys: string[] = [];
    try {
      let PaginationToken: string | undefined;
      do {
        const page = await calls.send("AdminListDevices", region, (c) =>
          c.send(new AdminListDevicesCommand({ UserPoolId, Username, Limit: 60, PaginationToken })),
        );
        for (const device of page.Devices ?? []) if (device.DeviceKey) keys.push(device.DeviceKey);
        PaginationToken = page.PaginationToken;
      } while (PaginationToken);
    } catch (error) {
      return [record("failed", `AdminListDevices ${who}`, error)];
    }
    if (keys.length === 0) return [record("skipped", `AdminForgetDevice ${who}: no remembered devices`)];
    const out: ActionRecord[] = [];
    for (const DeviceKey of keys) {
      const detail = `AdminForgetDevice ${DeviceKey} (user ${who})`;
      try {
        await calls.send("AdminForgetDevice", region, (c) =>
          c.send(new AdminForgetDeviceCommand({ UserPoolId, Username, DeviceKey })),
        );
        out.push(record("done", detail));
      } catch (error) {
        if (isAwsError(error, "ResourceNotFound"))
          out.push(record("skipped", `${detail}: already forgotten`));
        else out.push(record("failed", detail, error));
      }
    }
    return out;
  }

  /**
   * Reads the user back with AdminGetUser. With `disableUser`, `Enabled: false` is the read-back
   * (`verified`). Without it, the sign-out cannot be read back: `done`, with the reason.
   */
  async verify(credential: Credential, ctx: RevokeContext): Promise<ActionRecord> {
    const at = ctx.now;
    const record = (status: ActionStatus, detail: string, error?: unknown): ActionRecord => ({
      type: "verify",
      status,
      detail,
      at,
      ...(error === undefined ? {} : { error: errorInfo(error) }),
    });
    const target = this.#target(credential);
    if (typeof target === "string") return record("skipped", target);
    const { pool, region, UserPoolId, Username } = target;
    const detail = `AdminGetUser ${UserPoolId}/${Username}`;
    let enabled: boolean | undefined;
    try {
      const user = await this.deps.calls.send("AdminGetUser", region, (c) =>
        c.send(new AdminGetUserCommand({ UserPoolId, Username })),
      );
      enabled = user.Enabled;
    } catch (error) {
      if (isAwsError(error, "UserNotFound"))
        return record("verified", `${detail}: the user no longer exists`);
      return record("failed", detail, error);
    }
    if (!pool.disableUser) {
      return record(
        "done",
        `${detail}: ${enabled === false ? "disabled" : "enabled"}; ${SIGN_OUT_UNVERIFIABLE}`,
      );
    }
    if (enabled === false) return record("verified", `${detail}: disabled`);
    return record(
      "failed",
      `${detail}: still enabled`,
      new CognitoUserStillEnabledError(`${UserPoolId}/${Username} is still enabled after AdminDisableUser`),
    );
  }
}
