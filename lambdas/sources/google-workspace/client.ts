/**
 * The Directory API client this source uses: a service account with domain-wide delegation,
 * impersonating one admin, asking for the two scopes it needs and no more.
 */
import type { admin_directory_v1 } from "@googleapis/admin";
import { admin, auth } from "@googleapis/admin";
import type { SourcePermissions } from "../../core/ports/credential-source.ts";
import { GoogleWorkspaceConfigError } from "./errors.ts";

/**
 * The OAuth scopes this source asks for. `user.security` covers tokens.list/delete,
 * asps.list/delete and users.signOut; `user.readonly` covers users.get. Both are granted to the
 * service account's client id under domain-wide delegation in the Admin console.
 */
export const GOOGLE_WORKSPACE_SCOPES = {
  userSecurity: "https://www.googleapis.com/auth/admin.directory.user.security",
  userReadonly: "https://www.googleapis.com/auth/admin.directory.user.readonly",
} as const;

/**
 * The scopes, split as the CDK construct and the docs present them. Reading tokens and ASPs
 * already needs `user.security`: Google has no read-only scope for them.
 */
export const googleWorkspacePermissions: SourcePermissions = {
  read: [GOOGLE_WORKSPACE_SCOPES.userReadonly, GOOGLE_WORKSPACE_SCOPES.userSecurity],
  write: [GOOGLE_WORKSPACE_SCOPES.userSecurity],
};

/** Google's token endpoint; the JWT assertion's `aud` is always this URL. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** The Directory API's root URL. */
export const GOOGLE_ADMIN_ROOT_URL = "https://admin.googleapis.com/";

/** The fields of a service account JSON key this source reads. */
export interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  /** The token endpoint the key names. @default https://oauth2.googleapis.com/token */
  readonly token_uri?: string;
  readonly private_key_id?: string;
  /**
   * The service account's OAuth client id (numeric), the one an admin authorises under
   * domain-wide delegation; named in preflight advice.
   */
  readonly client_id?: string;
}

/** What the Directory API client is built from. */
export interface DirectoryClientOptions {
  readonly serviceAccountKey: ServiceAccountKey;
  /** The admin the service account impersonates (domain-wide delegation `sub`). */
  readonly adminSubject: string;
  /** @default https://admin.googleapis.com/ */
  readonly rootUrl?: string;
  /** The OAuth token endpoint. @default the key's `token_uri`, else https://oauth2.googleapis.com/token */
  readonly tokenUrl?: string;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
}

/** A built client and the token endpoint it was pointed at (to tell its failures from the API's). */
export interface DirectoryClient {
  readonly directory: admin_directory_v1.Admin;
  /** The URLs a token request may carry, so its failures are recognised as the source's, not a person's. */
  readonly tokenUrls: readonly string[];
}

/**
 * Builds the JWT auth client and the Directory API client once, at cold start. Retries are off in
 * the library: the source retries itself, including 403 rate limits gaxios would not retry.
 */
export function createDirectoryClient(options: DirectoryClientOptions): DirectoryClient {
  const tokenUrl = options.tokenUrl ?? options.serviceAccountKey.token_uri ?? GOOGLE_TOKEN_URL;
  const jwt = new auth.JWT({
    email: options.serviceAccountKey.client_email,
    key: options.serviceAccountKey.private_key,
    keyId: options.serviceAccountKey.private_key_id,
    scopes: [GOOGLE_WORKSPACE_SCOPES.userSecurity, GOOGLE_WORKSPACE_SCOPES.userReadonly],
    subject: options.adminSubject,
    transporterOptions: {
      timeout: options.timeoutMs ?? 30_000,
      retryConfig: { retry: 0, noResponseRetries: 0 },
    },
  });
  if (tokenUrl !== GOOGLE_TOKEN_URL) {
    // gtoken posts to Google's fixed token URL; a key's token_uri (a private endpoint, a proxy,
    // a local fake) is honoured by routing that one request there.
    const target = new URL(tokenUrl);
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(target);
        return config;
      },
    });
  }
  const directory = admin({
    version: "directory_v1",
    auth: jwt,
    rootUrl: options.rootUrl ?? GOOGLE_ADMIN_ROOT_URL,
    retry: false,
    timeout: options.timeoutMs ?? 30_000,
  });
  return { directory, tokenUrls: [...new Set([GOOGLE_TOKEN_URL, new URL(tokenUrl).href])] };
}

/**
 * Reads the service account JSON key from its secret text. Errors name the missing field, never
 * quote the text: a JSON parser's message would echo part of the private key.
 */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GoogleWorkspaceConfigError("the Google service account key secret is not valid JSON");
  }
  if (typeof value !== "object" || value === null) {
    throw new GoogleWorkspaceConfigError("the Google service account key secret is not a JSON object");
  }
  const key = value as Record<string, unknown>;
  const missing = ["client_email", "private_key"].filter(
    (field) => typeof key[field] !== "string" || key[field] === "",
  );
  if (missing.length > 0) {
    throw new GoogleWorkspaceConfigError(`the Google service account key lacks ${missing.join(" and ")}`);
  }
  if (key.type !== undefined && key.type !== "service_account") {
    throw new GoogleWorkspaceConfigError(
      `the Google key is of type ${String(key.type)}, expected service_account`,
    );
  }
  return {
    client_email: key.client_email as string,
    private_key: key.private_key as string,
    token_uri: typeof key.token_uri === "string" ? key.token_uri : undefined,
    private_key_id: typeof key.private_key_id === "string" ? key.private_key_id : undefined,
    client_id: typeof key.client_id === "string" ? key.client_id : undefined,
  };
}
