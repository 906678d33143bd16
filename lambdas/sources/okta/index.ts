export { describeOktaError, type OktaFailure, OktaRequestError, redact } from "./okta-errors.ts";
export { oktaPermissions } from "./okta-permissions.ts";
export { OktaSource, type OktaSourceOptions } from "./okta-source.ts";
