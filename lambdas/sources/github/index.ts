export {
  appJwt,
  authenticateAsInstallation,
  type GitHubAppCredentials,
  GitHubAppKeyError,
  GitHubAppTokens,
  type GitHubAppTokensOptions,
} from "./github-app-auth.ts";
export {
  describeGitHubError,
  type GitHubFailure,
  redact,
  retryDelayMs,
} from "./github-errors.ts";
export { githubPermissions } from "./github-permissions.ts";
export {
  type CredentialAuthorization,
  GitHubSource,
  type GitHubSourceConfig,
  type GitHubSourceFromConfigOptions,
  type GitHubSourceOptions,
  type GitHubSourceSecrets,
  githubSourceFromConfig,
  type PatGrant,
} from "./github-source.ts";
