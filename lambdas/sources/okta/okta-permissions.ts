import type { SourcePermissions } from "../../core/ports/credential-source.ts";

/**
 * The Okta management API scopes an OAuth 2.0 service app needs, from the Okta API reference:
 * `okta.users.read` covers Retrieve a user, List users (search), List all user grants, List all
 * clients and List all refresh tokens for a client; `okta.users.manage` covers Revoke a user
 * grant, Revoke a token for a client and Revoke all user sessions.
 *
 * With an API token (SSWS) instead, the token acts with the admin role of the admin who created
 * it; see `docs/connectors/okta.md`.
 */
export const oktaPermissions: SourcePermissions = {
  read: ["okta.users.read"],
  write: ["okta.users.manage"],
};
