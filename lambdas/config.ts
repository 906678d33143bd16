/**
 * The one configuration schema. The CLI reads it from a JSON file, the Lambdas from the
 * `IAM_HYGIENE_CONFIG` environment variable the CDK construct writes. It is parsed once at
 * start-up; every problem is reported at once, each with its path.
 */
import * as z from "zod";
import { RULE_IDS } from "./core/model.ts";

/** Where a secret comes from: Secrets Manager in Lambda, an environment variable on a laptop. */
const secretRef = z
  .object({
    secretArn: z.string().min(1).optional().describe("Secrets Manager secret ARN or name (Lambda)."),
    env: z.string().min(1).optional().describe("Environment variable holding the secret (CLI)."),
  })
  .strict()
  .refine((s) => s.secretArn !== undefined || s.env !== undefined, {
    message: "give secretArn or env",
  });
export type SecretRef = z.infer<typeof secretRef>;

const ruleAction = z.enum(["revoke", "ticket", "notify", "ignore"]);
export type RuleAction = z.infer<typeof ruleAction>;

const ruleId = z.enum(RULE_IDS);

const isoDate = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .describe("ISO-8601 date or date-time with a zone.");

const departureSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("file"), path: z.string().min(1) }).strict(),
  z
    .object({ type: z.literal("s3"), uri: z.string().regex(/^s3:\/\/[^/]+\/.+/, "expected s3://bucket/key") })
    .strict(),
  z.object({ type: z.literal("dynamodb"), table: z.string().min(3) }).strict(),
]);

const departures = z
  .object({
    source: departureSource.optional().describe("Where the HR departure list lives."),
    timeZone: z
      .string()
      .default("UTC")
      .refine(isTimeZone, "unknown IANA time zone")
      .describe("Zone for `departed_at` values that are plain dates."),
    lenient: z
      .boolean()
      .default(false)
      .describe("Skip invalid rows instead of rejecting the whole list. Off: one bad row rejects the list."),
    maxShareOfIdentities: z
      .number()
      .gt(0)
      .max(1)
      .default(0.3)
      .describe("Quarantine a list naming more than this share of known identities."),
    minIdentitiesForShare: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe(
        "Below this many known identities the share check is skipped (the revocation brake still applies).",
      ),
    maxGrowthFactor: z
      .number()
      .min(1)
      .default(5)
      .describe("Quarantine a list that grew by more than this factor since the last accepted list."),
    gracePeriodHours: z
      .number()
      .min(0)
      .default(0)
      .describe("Hours after departure before human credentials are revoked."),
  })
  .strict();

const ownership = z
  .object({
    emailTagKeys: z.array(z.string().min(1)).default(["email", "owner", "Owner", "owner-email"]),
    employeeIdTagKeys: z.array(z.string().min(1)).default(["employee-id", "EmployeeId", "employee_id"]),
    usernameTagKeys: z.array(z.string().min(1)).default(["owner-username"]),
    usernameConventions: z
      .array(z.enum(["first.last", "flast", "firstl", "first_last", "email-local-part"]))
      .default(["email-local-part", "first.last", "flast"])
      .describe("How user names are built from people's names; matches by convention are weak or strong."),
    domainAliases: z
      .record(z.string(), z.array(z.string()))
      .default({})
      .describe('Email domains that are the same company, e.g. { "corp.example": ["corp-example.com"] }.'),
    servicePathPrefixes: z.array(z.string().startsWith("/")).default(["/service/", "/system/"]),
    principalTypeTagKey: z
      .string()
      .default("principal-type")
      .describe("Tag whose value `human` or `service` says what a principal is."),
    serviceNamePatterns: z
      .array(z.string().refine(isRegExp, "invalid regular expression"))
      .default(["^svc[-_.]", "[-_.](svc|bot|service|ci|deploy)$"]),
  })
  .strict();

const rules = z
  .object({
    unusedDays: z.number().int().min(1).default(45).describe("CIS AWS 1.12: 45 days."),
    neverUsedGraceDays: z
      .number()
      .int()
      .min(0)
      .default(7)
      .describe("A credential never used this many days after creation is flagged."),
    unrotatedDays: z.number().int().min(1).default(90).describe("CIS AWS 1.14: 90 days."),
    actions: z
      .partialRecord(ruleId, ruleAction)
      .default({})
      .describe("Per rule: revoke, ticket, notify or ignore. Defaults in docs/policy.md."),
  })
  .strict();

const exception = z
  .object({
    principal: z.string().min(1).optional(),
    credentialId: z.string().min(1).optional(),
    rule: ruleId.optional(),
    reason: z.string().min(3),
    approver: z.string().min(3),
    expires: isoDate,
  })
  .strict()
  .refine((e) => e.principal !== undefined || e.credentialId !== undefined, {
    message: "an exception names a principal or a credentialId",
  });
export type ExceptionConfig = z.infer<typeof exception>;

const brake = z
  .object({
    maxRevocationsPerRun: z.number().int().min(0).default(25),
    maxRevocationFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe("Revoke nothing when a run would revoke more than this share of all credentials seen."),
    minCredentialsForFraction: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe("Below this many credentials seen, only the absolute limit applies."),
  })
  .strict();

const awsIam = z
  .object({
    enabled: z.boolean().default(true),
    deleteKeysAfterDays: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe("Delete access keys that have been inactive this long after revocation. Off by default."),
    denyAllWhenPolicyQuotaFull: z
      .boolean()
      .default(true)
      .describe(
        "When a departed person's user has no room left for the session-revocation policy (IAM's 2,048-character quota on a user's inline policies), attach AWS's AWSDenyAll to the user instead. false: the revocation fails and waits for a human.",
      ),
    sessionRevocationRoleArns: z.array(z.string().startsWith("arn:")).default([]),
    sessionRevocationRoleTag: z
      .object({ key: z.string(), value: z.string().optional() })
      .strict()
      .optional()
      .describe("Roles carrying this tag (value = the person's email, or the given value) are assumable."),
    cloudTrailLookup: z.boolean().default(true),
    cloudTrailRequestsPerSecond: z.number().gt(0).max(2).default(2),
    concurrency: z.number().int().min(1).max(32).default(4),
    reportPollMs: z.number().int().min(0).default(1000),
    freshReads: z
      .enum(["targeted", "all"])
      .default("targeted")
      .describe(
        'How users matched to a departed person are re-read. "targeted": key ids, SSH keys and service-specific credentials are always read fresh, and so is every credential the credential report shows; when the report was generated after the person left, what it shows as absent or unused is believed. "all": every per-user read (signing certificates still only when the report shows one, and MFA from the report).',
      ),
  })
  .strict();

/**
 * The standard attributes a Cognito pool can be searched by for a person on the departure list
 * (`searchValues` in `sources/aws-cognito/discover.ts` gives each its values); `custom:` ones are
 * matched on a walk of the pool.
 */
export const COGNITO_MATCH_ATTRIBUTES = ["email", "username", "preferred_username", "name"] as const;

const cognitoPool = z
  .object({
    userPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, "expected a user pool id like us-east-1_AbC123"),
    region: z.string().optional(),
    account: z
      .string()
      .regex(/^\d{12}$/, "expected a 12-digit AWS account id")
      .optional()
      .describe(
        "Org-wide deployments: the member account the pool lives in, scanned by that account's org scan with the member role. Leave it out for a pool of the account the stack (or the CLI's credentials) is in.",
      ),
    matchAttributes: z
      .array(
        z
          .string()
          .refine(
            (a) => (COGNITO_MATCH_ATTRIBUTES as readonly string[]).includes(a) || /^custom:.+/.test(a),
            `expected ${COGNITO_MATCH_ATTRIBUTES.join(", ")} or custom:<name>: the departure list has a value to look up for those only`,
          ),
      )
      .min(1)
      .default(["email"])
      .describe("Attributes identifying staff: email, username, preferred_username, name or custom:..."),
    staffOnly: z.boolean().default(false).describe("A staff pool: every user is a person of the company."),
    disableUser: z.boolean().default(true),
    forgetDevices: z.boolean().default(true),
    hygieneSweep: z
      .object({
        enabled: z.boolean().default(false),
        inactiveDays: z.number().int().min(1).default(90),
        maxUsers: z.number().int().min(1).max(50_000).default(5_000),
      })
      .strict()
      .default({ enabled: false, inactiveDays: 90, maxUsers: 5_000 }),
  })
  .strict();

/**
 * The pools a scan of the account it runs in covers: those without an `account`. A pool with one
 * lives in a member account, and is scanned by that account's org scan (`memberAccountConfig`).
 */
export function ownAccountPools<P extends { readonly account?: string | undefined }>(
  pools: readonly P[],
): P[] {
  return pools.filter((pool) => pool.account === undefined);
}

const awsCognito = z
  .object({
    enabled: z.boolean().default(false),
    pools: z.array(cognitoPool).default([]),
    requestsPerSecond: z.number().gt(0).max(100).default(10),
    concurrency: z.number().int().min(1).max(32).default(4),
  })
  .strict();

const googleWorkspace = z
  .object({
    enabled: z.boolean().default(false),
    customer: z
      .string()
      .default("my_customer")
      .describe(
        "Only the account label of a user for whom Google returns no customerId; the tenant is the admin's.",
      ),
    adminSubject: z.email().describe("The admin the service account impersonates (domain-wide delegation)."),
    serviceAccountKey: secretRef.describe("The service account's JSON key."),
    rootUrl: z.url().optional().describe("Directory API root URL. @default https://admin.googleapis.com/"),
    tokenUrl: z.url().optional().describe("OAuth token endpoint. @default the key's token_uri"),
    signOut: z.boolean().default(true),
  })
  .strict();

const oktaOAuth = z
  .object({
    clientId: z.string().min(1).describe("The OAuth 2.0 API service app's client id (0oa...)."),
    privateKey: secretRef.describe(
      "The private key whose public key is registered for the service app: PEM, or a JWK as JSON.",
    ),
    keyId: z
      .string()
      .min(1)
      .optional()
      .describe("The key's kid in Okta; needed with a PEM key when the app has several keys."),
    scopes: z
      .array(z.string().min(1))
      .min(1)
      .default(["okta.users.read", "okta.users.manage"])
      .describe(
        "Okta API scopes to request; each must be granted to the app. Report mode needs only okta.users.read.",
      ),
  })
  .strict();

const okta = z
  .object({
    enabled: z.boolean().default(false),
    orgUrl: z.url(),
    apiToken: secretRef.optional().describe("An API token (SSWS). Give this or oauth."),
    oauth: oktaOAuth
      .optional()
      .describe("An OAuth 2.0 service app with a private key JWT. Give this or apiToken."),
    clearSessions: z.boolean().default(true),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.apiToken !== undefined && o.oauth !== undefined) {
      ctx.addIssue({ code: "custom", path: ["oauth"], message: "give apiToken or oauth, not both" });
    } else if (o.apiToken === undefined && o.oauth === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["apiToken"],
        message: "give apiToken (an API token) or oauth (a service app)",
      });
    }
  });

const githubApp = z
  .object({
    appId: z
      .union([z.number().int().positive(), z.string().min(1)])
      .describe("The GitHub App's ID (or its client ID): the `iss` of the JWTs it signs."),
    installationId: z.number().int().positive().describe("The App's installation on the org."),
    privateKey: secretRef.describe("The App's private key, PEM as GitHub downloads it."),
  })
  .strict();

const github = z
  .object({
    enabled: z.boolean().default(false),
    org: z.string().min(1),
    token: secretRef
      .optional()
      .describe(
        "An org owner's classic token: read:org to report, admin:org to revoke. Needed for SAML SSO credential authorizations, which GitHub refuses to App tokens.",
      ),
    app: githubApp
      .optional()
      .describe(
        "A GitHub App the scan mints installation tokens for (an hour each), used for fine-grained PAT grants.",
      ),
    patGrantsToken: secretRef
      .optional()
      .describe(
        "A GitHub App installation token for fine-grained PAT grants (GitHub accepts only App tokens there). Prefer app, which mints them itself.",
      ),
    baseUrl: z
      .url()
      .optional()
      .describe("REST API base URL (GitHub Enterprise Server). @default api.github.com"),
    revokeFineGrainedTokens: z.boolean().default(true),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (g.token === undefined && g.app === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["token"],
        message: "give token (an owner's classic token), app (a GitHub App), or both",
      });
    }
    if (g.app !== undefined && g.patGrantsToken !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["patGrantsToken"],
        message: "give app or patGrantsToken, not both: with app, PAT grants use the App's own tokens",
      });
    }
  });

const sources = z
  .object({
    "aws-iam": awsIam.default(awsIam.parse({})),
    "aws-cognito": awsCognito.default(awsCognito.parse({})),
    "google-workspace": googleWorkspace.optional(),
    okta: okta.optional(),
    github: github.optional(),
  })
  .strict();

const slack = z
  .object({
    enabled: z.boolean().default(false),
    token: secretRef,
    securityChannel: z
      .string()
      .regex(
        /^[CG][A-Z0-9]{2,}$/,
        "expected a Slack channel id like C0123ABCD, not a name: the notifier reads the channel's history (conversations.history), which takes ids",
      )
      .describe("Channel id (C0123ABCD) for the digest and fallbacks; invite the bot to it."),
    notifyManagers: z.boolean().default(true),
    notifyOwners: z.boolean().default(true),
    apiUrl: z.url().optional().describe("Slack Web API base URL. @default https://slack.com/api/"),
    users: z
      .record(z.email(), z.string().regex(/^[UW][A-Z0-9]{2,}$/, "expected a Slack member id like U0123ABCD"))
      .default({})
      .describe(
        "Slack member ids by email, for managers and owners whose Slack email differs from the HR email: used instead of users.lookupByEmail.",
      ),
  })
  .strict();

const jira = z
  .object({
    type: z.literal("jira"),
    host: z.url(),
    projectKey: z.string().min(1),
    issueType: z.string().default("Task"),
    email: z.string().min(1),
    apiToken: secretRef,
    doneTransition: z.string().default("Done"),
  })
  .strict();

const githubIssues = z
  .object({
    type: z.literal("github"),
    owner: z.string().min(1),
    repo: z.string().min(1),
    token: secretRef,
    baseUrl: z.url().optional(),
  })
  .strict();

const store = z.discriminatedUnion("type", [
  z
    .object({ type: z.literal("local"), dir: z.string().default(".iam-hygiene") })
    .strict()
    .describe("A directory, for the CLI."),
  z.object({ type: z.literal("dynamodb"), table: z.string().min(3) }).strict(),
]);

const audit = z.discriminatedUnion("type", [
  z.object({ type: z.literal("file"), path: z.string().min(1) }).strict(),
  z
    .object({ type: z.literal("s3"), bucket: z.string().min(3), prefix: z.string().default("audit/") })
    .strict(),
]);

/** The whole configuration. Every field has a safe default: an empty `{}` is a report-mode IAM scan. */
export const configSchema = z
  .object({
    $schema: z.string().optional(),
    mode: z
      .enum(["report", "enforce"])
      .default("report")
      .describe("report: find and plan only. enforce: revoke what policy allows."),
    departures: departures.default(departures.parse({})),
    ownership: ownership.default(ownership.parse({})),
    rules: rules.default(rules.parse({})),
    exceptions: z.array(exception).default([]),
    protectedPrincipals: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Principals (names, ARNs, emails; `*` wildcards) that are never acted on, whatever else says.",
      ),
    brake: brake.default(brake.parse({})),
    sources: sources.default(sources.parse({})),
    notifications: z
      .object({
        slack: slack.optional(),
        accountNames: z
          .record(z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id"), z.string().min(1))
          .default({})
          .describe(
            'Names for account ids in messages and tickets ("prod (123456789012)"), e.g. { "123456789012": "prod" }.',
          ),
        securityHub: z
          .object({ enabled: z.boolean().default(false) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ accountNames: {} }),
    tickets: z.discriminatedUnion("type", [jira, githubIssues]).optional(),
    store: store.default({ type: "local", dir: ".iam-hygiene" }),
    audit: audit.optional(),
    reports: z
      .object({
        bucket: z
          .string()
          .min(3)
          .describe("S3 bucket that receives report.json and report.html of every scan."),
        prefix: z.string().default("reports/"),
      })
      .strict()
      .optional()
      .describe(
        "Keep each scan's reports in S3 (the CDK construct sets this to its bucket unless the config names one).",
      ),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A `dynamodb` departure list is the HR webhook's events, read from the scan's own store:
    // any other table would only be a label on a list read from somewhere else.
    const source = config.departures.source;
    if (source?.type !== "dynamodb") return;
    if (config.store.type === "dynamodb" && config.store.table === source.table) return;
    ctx.addIssue({
      code: "custom",
      path: ["departures", "source", "table"],
      message: `a dynamodb departure list is the webhook's events in the scan's store: set store to { "type": "dynamodb", "table": "${source.table}" }`,
    });
  });

/** The parsed configuration, defaults filled in. */
export type Config = z.infer<typeof configSchema>;
/** The configuration as a user writes it. */
export type ConfigInput = z.input<typeof configSchema>;

/** One problem in a configuration, with its path (`sources.aws-cognito.pools.0.userPoolId`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** A configuration that cannot be used. Lists every problem, not just the first. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly origin = "config",
    options?: { cause?: unknown },
  ) {
    super(
      `${origin} is invalid:\n${problems.map((p) => `  - ${p.path || "(root)"}: ${p.message}`).join("\n")}`,
      options,
    );
  }
}

/** Parses and validates a configuration object. Throws `ConfigError` with every problem. */
export function parseConfig(input: unknown, origin = "config"): Config {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issueMessage(issue),
    })),
    origin,
  );
}

/** An issue's message; for a bad record key (zod says only "Invalid key in record"), what the key should be. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== "invalid_key") return issue.message;
  return `invalid key: ${issue.issues.map((inner) => inner.message).join("; ")}`;
}

/** Parses configuration JSON text (`//` comments allowed); a syntax error is a `ConfigError` too. */
export function parseConfigText(text: string, origin = "config"): Config {
  let value: unknown;
  try {
    const json = stripComments(text);
    value = json.trim() === "" ? {} : JSON.parse(json);
  } catch (error) {
    throw new ConfigError([{ path: "", message: `not valid JSON: ${(error as Error).message}` }], origin, {
      cause: error,
    });
  }
  // A file that says `null`, `[]` or `42` is a mistake, not a request for the defaults.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new ConfigError([{ path: "", message: `expected a JSON object, got ${got}` }], origin);
  }
  return parseConfig(value, origin);
}

/** The JSON Schema users point their editors at (`docs/config.schema.json`). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** Removes `//` line comments outside strings, keeping line numbers, so configs can explain themselves. */
export function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else out += ch;
  }
  return out;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
