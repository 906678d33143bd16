/** The `aws-cognito` credential source: what the scan use case, the CLI and the CDK construct import. */
export { AwsCognitoSource, type AwsCognitoSourceOptions } from "./aws-cognito-source.ts";
export { CognitoCalls, type CognitoCallsDeps } from "./calls.ts";
export {
  type CognitoPoolConfig,
  CUSTOM_ATTRIBUTE_NOTE,
  lastSuccessfulSignIn,
  listUsers,
  searchValues,
} from "./discover.ts";
export {
  equalsFilter,
  escapeFilterValue,
  FILTERABLE_ATTRIBUTES,
  type FilterableAttribute,
  isCustomAttribute,
  isFilterable,
} from "./filter.ts";
export { awsCognitoPermissions, awsCognitoPoolArns, type PoolArnOptions } from "./permissions.ts";
export {
  accountOfPoolArn,
  type ClientTokenValidity,
  type PoolFacts,
  PoolFactsCache,
  validityMinutes,
} from "./pool-facts.ts";
export { parseSessionsNativeId, regionOfPool, sessionsCredentialId, sessionsNativeId } from "./pool-id.ts";
export { CognitoRevoker, CognitoUserStillEnabledError, SIGN_OUT_UNVERIFIABLE } from "./revoke.ts";
export { residualTokenCaveat, sessionsCredential, statusNote } from "./user-credential.ts";
