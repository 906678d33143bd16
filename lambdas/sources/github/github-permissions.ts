import type { SourcePermissions } from "../../core/ports/credential-source.ts";

/**
 * What the GitHub source's tokens need. Two kinds of token are involved, because GitHub allows
 * each API to only one kind:
 *
 * - SAML SSO credential authorizations (`/orgs/{org}/credential-authorizations`, GitHub
 *   Enterprise Cloud) and the SAML identities (GraphQL `samlIdentityProvider`): an organization
 *   owner's personal access token (classic) with `read:org` to list and `admin:org` to remove.
 * - Fine-grained personal access token grants (`/orgs/{org}/personal-access-tokens`): only
 *   GitHub Apps may call these, with the "Personal access tokens" organization permission
 *   (`organization_personal_access_tokens`) read to list and write to revoke.
 *
 * Details and setup: `docs/connectors/github.md`.
 */
export const githubPermissions: SourcePermissions = {
  read: ["read:org", "organization_personal_access_tokens:read"],
  write: ["admin:org", "organization_personal_access_tokens:write"],
};
