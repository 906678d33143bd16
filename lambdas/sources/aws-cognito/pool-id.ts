/** Helpers for user pool ids and the `<poolId>/<username>` native ids of `cognito-sessions` credentials. */

/**
 * The region a pool lives in: the part of its id before the underscore. Cognito builds pool ids
 * as `<region>_<suffix>`:
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html
 */
export function regionOfPool(userPoolId: string): string {
  const cut = userPoolId.indexOf("_");
  return cut > 0 ? userPoolId.slice(0, cut) : userPoolId;
}

/** `<poolId>/<username>`. Pool ids never contain `/`, so the first slash splits it back. */
export function sessionsNativeId(userPoolId: string, username: string): string {
  return `${userPoolId}/${username}`;
}

/** The pool id and username of a `cognito-sessions` native id, or `undefined` if it is not one. */
export function parseSessionsNativeId(
  nativeId: string,
): { userPoolId: string; username: string } | undefined {
  const cut = nativeId.indexOf("/");
  if (cut <= 0 || cut === nativeId.length - 1) return undefined;
  return { userPoolId: nativeId.slice(0, cut), username: nativeId.slice(cut + 1) };
}

/** The stable credential id: `aws-cognito:<account>:cognito-sessions:<poolId>/<username>`. */
export function sessionsCredentialId(account: string, userPoolId: string, username: string): string {
  return `aws-cognito:${account}:cognito-sessions:${sessionsNativeId(userPoolId, username)}`;
}
