export { describeOktaError, type OktaFailure, OktaRequestError, redact } from "./okta-errors.ts";
export { oktaPermissions } from "./okta-permissions.ts";
export {
  OktaSource,
  type OktaSourceConfig,
  type OktaSourceOptions,
  oktaSourceFromConfig,
} from "./okta-source.ts";
