/**
 * The permissions the `aws-cognito` source needs, declared once. Every action is scoped to the
 * configured user pools (resource type `userpool`, ARN
 * `arn:${Partition}:cognito-idp:${Region}:${Account}:userpool/${UserPoolId}`):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
 */
import type { Config } from "../../config.ts";
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
  const arns = config.pools.map(
    (pool) =>
      `arn:${partition}:cognito-idp:${pool.region ?? regionOfPool(pool.userPoolId)}:${options.accountId}:userpool/${pool.userPoolId}`,
  );
  return [...new Set(arns)];
}
