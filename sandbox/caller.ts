/** Who signed a request, as read from its SigV4 `Authorization` header (never verified). */
export interface Caller {
  /** The access key id from the credential scope; `undefined` for unsigned requests. */
  readonly accessKeyId: string | undefined;
  /** The region from the credential scope (or the sandbox default). */
  readonly region: string;
  /** The signing service from the credential scope, e.g. `iam`, `s3`, `cognito-idp`. */
  readonly service: string | undefined;
  /** The IAM user the key belongs to, when it is a sandbox user key. */
  readonly userName: string | undefined;
  /** The caller's ARN: the IAM user, the root, an assumed role, or the default admin. */
  readonly arn: string;
  /** The caller's unique id as `GetCallerIdentity` reports it. */
  readonly userId: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, ...`. */
export function parseAuthorization(
  header: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  if (!header) return undefined;
  const match = /Credential=([^/\s,]+)\/\d{8}\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/.exec(header);
  if (!match) return undefined;
  return { accessKeyId: match[1]!, region: match[2]!, service: match[3]! };
}
