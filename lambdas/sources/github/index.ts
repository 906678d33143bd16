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
  type GitHubSourceOptions,
  type GitHubSourceSecrets,
  githubSourceFromConfig,
  type PatGrant,
} from "./github-source.ts";
