/** The Google Workspace credential source: OAuth grants, app passwords and web sessions. */
export {
  createDirectoryClient,
  type DirectoryClient,
  type DirectoryClientOptions,
  GOOGLE_ADMIN_ROOT_URL,
  GOOGLE_TOKEN_URL,
  GOOGLE_WORKSPACE_SCOPES,
  googleWorkspacePermissions,
  parseServiceAccountKey,
  type ServiceAccountKey,
} from "./client.ts";
export {
  GoogleWorkspaceApiError,
  GoogleWorkspaceConfigError,
  GoogleWorkspaceUnavailableError,
} from "./errors.ts";
export { type BackoffOptions, DEFAULT_BACKOFF } from "./retry.ts";
export { memorySignOutLedger, type SignOutLedger, storeSignOutLedger } from "./sign-out-ledger.ts";
export { GoogleWorkspaceSource, type GoogleWorkspaceSourceOptions } from "./source.ts";
