/**
 * What the source needs to know about a pool before it reports a credential in it: its ARN (and so
 * its account), its estimated size (to refuse walking a large pool), whether advanced security
 * keeps auth events, and how long its clients' tokens live. Read once per pool and cached for the
 * life of the source (one Lambda cold start).
 */
import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  type TimeUnitsType,
  type UserPoolClientType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoCalls } from "./calls.ts";

/** The token lifetimes of one app client, in minutes. */
export interface ClientTokenValidity {
  readonly clientId: string;
  readonly clientName: string;
  readonly accessTokenMinutes: number;
  readonly idTokenMinutes: number;
  readonly refreshTokenMinutes: number;
}

/** Facts about one user pool. */
export interface PoolFacts {
  readonly userPoolId: string;
  readonly region: string;
  readonly name: string;
  readonly arn: string;
  /** The account in the pool's ARN. */
  readonly account: string;
  /** `EstimatedNumberOfUsers`; Cognito updates it lazily, so it is an estimate. */
  readonly estimatedUsers: number;
  /** Whether `AdminListUserAuthEvents` answers (advanced security `AUDIT` or `ENFORCED`). */
  readonly authEvents: boolean;
  readonly clients: readonly ClientTokenValidity[];
  /** The longest access or ID token lifetime among the clients: how long a revoked user's tokens may live. */
  readonly residualTokenMinutes: number;
  /** The longest refresh token lifetime among the clients. */
  readonly refreshTokenMinutes: number;
}

const MINUTES: Record<TimeUnitsType, number> = { seconds: 1 / 60, minutes: 1, hours: 60, days: 1440 };

/**
 * A validity in minutes. Unset values take Cognito's defaults (60 minutes, 60 minutes, 30 days);
 * set values are read in their unit, which defaults to hours (access, ID) and days (refresh):
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html
 */
export function validityMinutes(
  value: number | undefined,
  unit: TimeUnitsType | undefined,
  kind: "access" | "id" | "refresh",
): number {
  if (value === undefined || value === 0) return kind === "refresh" ? 30 * 1440 : 60;
  return value * MINUTES[unit ?? (kind === "refresh" ? "days" : "hours")];
}

function clientValidity(client: UserPoolClientType): ClientTokenValidity {
  const units = client.TokenValidityUnits;
  return {
    clientId: client.ClientId ?? "",
    clientName: client.ClientName ?? client.ClientId ?? "",
    accessTokenMinutes: validityMinutes(client.AccessTokenValidity, units?.AccessToken, "access"),
    idTokenMinutes: validityMinutes(client.IdTokenValidity, units?.IdToken, "id"),
    refreshTokenMinutes: validityMinutes(client.RefreshTokenValidity, units?.RefreshToken, "refresh"),
  };
}

/** The account id in a user pool ARN (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`). */
export function accountOfPoolArn(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Reads and caches `PoolFacts`. A failed read is not cached, so the next scan tries again. */
export class PoolFactsCache {
  readonly #pending = new Map<string, Promise<PoolFacts>>();

  constructor(
    private readonly calls: CognitoCalls,
    private readonly accountId: string | undefined,
  ) {}

  /** The facts of `userPoolId` in `region`: DescribeUserPool, ListUserPoolClients, DescribeUserPoolClient each. */
  get(userPoolId: string, region: string): Promise<PoolFacts> {
    const cached = this.#pending.get(userPoolId);
    if (cached) return cached;
    const pending = this.#read(userPoolId, region).catch((error: unknown) => {
      this.#pending.delete(userPoolId);
      throw error;
    });
    this.#pending.set(userPoolId, pending);
    return pending;
  }

  async #read(UserPoolId: string, region: string): Promise<PoolFacts> {
    const { UserPool: pool } = await this.calls.send("DescribeUserPool", region, (c) =>
      c.send(new DescribeUserPoolCommand({ UserPoolId })),
    );
    const clientIds: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.calls.send("ListUserPoolClients", region, (c) =>
        c.send(new ListUserPoolClientsCommand({ UserPoolId, MaxResults: 60, NextToken })),
      );
      for (const client of page.UserPoolClients ?? []) if (client.ClientId) clientIds.push(client.ClientId);
      NextToken = page.NextToken;
    } while (NextToken);
    const clients: ClientTokenValidity[] = [];
    for (const ClientId of clientIds) {
      const { UserPoolClient } = await this.calls.send("DescribeUserPoolClient", region, (c) =>
        c.send(new DescribeUserPoolClientCommand({ UserPoolId, ClientId })),
      );
      if (UserPoolClient) clients.push(clientValidity(UserPoolClient));
    }
    const arn =
      pool?.Arn ?? `arn:aws:cognito-idp:${region}:${this.accountId ?? "unknown"}:userpool/${UserPoolId}`;
    const mode = pool?.UserPoolAddOns?.AdvancedSecurityMode;
    return {
      userPoolId: UserPoolId,
      region,
      name: pool?.Name ?? UserPoolId,
      arn,
      account: this.accountId ?? accountOfPoolArn(arn) ?? "unknown",
      estimatedUsers: pool?.EstimatedNumberOfUsers ?? 0,
      authEvents: mode === "AUDIT" || mode === "ENFORCED",
      clients,
      // A pool without clients issues no tokens; 60 minutes is Cognito's default should one be added.
      residualTokenMinutes:
        clients.length === 0
          ? 60
          : Math.max(...clients.map((c) => Math.max(c.accessTokenMinutes, c.idTokenMinutes))),
      refreshTokenMinutes:
        clients.length === 0 ? 30 * 1440 : Math.max(...clients.map((c) => c.refreshTokenMinutes)),
    };
  }
}
