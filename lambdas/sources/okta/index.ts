export {
  describeOktaError,
  describeTokenRefusal,
  type OktaFailure,
  OktaRequestError,
  redact,
} from "./okta-errors.ts";
export { oktaPermissions } from "./okta-permissions.ts";
export {
  DEFAULT_OKTA_SCOPES,
  OktaPrivateKeyError,
  type OktaServiceAppCredentials,
  OktaSource,
  type OktaSourceConfig,
  type OktaSourceOptions,
  type OktaSourceSecrets,
  oktaSourceFromConfig,
} from "./okta-source.ts";
