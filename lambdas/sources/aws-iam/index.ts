/** The `aws-iam` credential source: what the scan use case, the CLI and the CDK construct import. */
export { AccountIdUnavailableError, AwsIamSource, type AwsIamSourceOptions } from "./aws-iam-source.ts";
export {
  type CredentialReport,
  CredentialReportFormatError,
  type CredentialReportRow,
  parseCredentialReport,
  readCredentialReport,
} from "./credential-report.ts";
export { CredentialReportTimeoutError } from "./fetch-report.ts";
export {
  type AwsIamPolicyStatementSpec,
  awsIamPermissions,
  awsIamPolicyStatements,
  renderAwsIamPolicyStatements,
} from "./permissions.ts";
export {
  CredentialNotFoundError,
  CredentialStillActiveError,
  type QuarantinedKey,
  quarantinedKeyOf,
  SessionsNotRevokedError,
} from "./revoke.ts";
export {
  mergeSessionRevocation,
  SESSION_REVOCATION_POLICY_NAME,
  sessionRevocationPolicy,
} from "./session-policy.ts";
