/**
 * The permissions the `aws-cognito` source needs, declared once. Every action is scoped to the
 * configured user pools (resource type `userpool`, ARN
 * `arn:${Partition}:cognito-idp:${Region}:${Account}:userpool/${UserPoolId}`):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
 */
import { type Config, ownAccountPools } from "../../config.ts";
import type { SourcePermissions } from "../../core/ports/credential-source.ts";
import { regionOfPool } from "./pool-id.ts";

/** Discovery (report mode) and revocation (enforce mode) actions, all scopable to user pool ARNs. */
export const awsCognitoPermissions: SourcePermissions = {
  read: [
    "cognito-idp:ListUsers",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:AdminListUserAuthEvents",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListDevices",
  ],
  write: [
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminForgetDevice",
  ],
};

/** What `awsCognitoPoolArns` renders ARNs for. */
export interface PoolArnOptions {
  /** `aws`, `aws-cn`, `aws-us-gov`, or a CDK token. @default "aws" */
  readonly partition?: string;
  /** The account owning the pools (may be a CDK token). */
  readonly accountId: string;
}

/**
 * The ARNs of the configured user pools, the `Resource` of every Cognito statement. A pool's
 * region is its configured `region`, else the prefix of its id (`eu-west-1_AbC123`).
 */
export function awsCognitoPoolArns(
  config: Config["sources"]["aws-cognito"],
  options: PoolArnOptions,
): string[] {
  const partition = options.partition ?? "aws";
  const arns = ownAccountPools(config.pools).map((pool) => poolArn(pool, partition, options.accountId));
  return [...new Set(arns)];
}

/**
 * The ARNs of the pools that live in member accounts (`account` set), each in its own account:
 * the member role's Cognito statements in an org-wide deployment. One list for every member
 * account's role; a role acts in its own account only, and Cognito has no resource policy
 * that could open another account's pool to it.
 */
export function memberCognitoPoolArns(config: Config["sources"]["aws-cognito"], partition = "aws"): string[] {
  const arns = config.pools.flatMap((pool) =>
    pool.account === undefined ? [] : [poolArn(pool, partition, pool.account)],
  );
  return [...new Set(arns)];
}

function poolArn(
  pool: { readonly userPoolId: string; readonly region?: string },
  partition: string,
  accountId: string,
): string {
  return `arn:${partition}:cognito-idp:${pool.region ?? regionOfPool(pool.userPoolId)}:${accountId}:userpool/${pool.userPoolId}`;
}
