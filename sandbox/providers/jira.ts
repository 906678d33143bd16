/**
 * A local fake of the Jira Cloud REST API v3 endpoints iam-hygiene calls, on 127.0.0.1: the
 * enhanced JQL search (`GET /rest/api/3/search/jql`; the old `/rest/api/3/search` answers 410 as
 * it now does on Jira Cloud), get and create issue (ADF description required), comments,
 * transitions; and the reads `iam-hygiene check` makes: the current user (`/rest/api/3/myself`), the
 * project with its issue types (`/rest/api/3/project/{key}`), its workflow's statuses
 * (`/rest/api/3/project/{key}/statuses`) and the account's permissions in it
 * (`/rest/api/3/mypermissions`). Errors have Jira's shape: `{ errorMessages: [], errors: {} }`.
 * Basic auth with email:apiToken. Like Jira Cloud's search, the fake's can lag behind writes (`searchLagMs`): the
 * search "doesn't provide read-after-write consistency by default" (Atlassian, "Search after write
 * with search and reconcile"), while reading an issue by key does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalServer } from "./local-server.ts";

/** An issue as the fake keeps it. */
export interface FakeJiraIssue {
  readonly id: string;
  readonly key: string;
  summary: string;
  labels: string[];
  description: unknown;
  issueType: string;
  status: "To Do" | "In Progress" | "Done";
  /** When the issue was created (Jira's `created` field). */
  readonly created: Date;
  readonly comments: { id: string; body: unknown; created: string }[];
}

/** An issue type of the fake project, as `GET /rest/api/3/project/{key}` lists it. */
export interface FakeJiraIssueType {
  readonly name: string;
  /** A sub-task type (which needs a parent issue). @default false */
  readonly subtask?: boolean;
  /**
   * The fields on its create screen, as `createmeta` lists them.
   * @default ["summary", "issuetype", "project", "description", "labels"]
   */
  readonly createFields?: readonly string[];
}

const DEFAULT_CREATE_FIELDS = ["summary", "issuetype", "project", "description", "labels"];

/**
 * The project permissions the fake knows (`GET /rest/api/3/mypermissions` refuses other keys), with
 * the ids, names and descriptions Jira Cloud gives them.
 */
const PROJECT_PERMISSIONS: Readonly<Record<string, { id: string; name: string; description: string }>> = {
  BROWSE_PROJECTS: {
    id: "10",
    name: "Browse Projects",
    description: "Ability to browse projects and the issues within them.",
  },
  CREATE_ISSUES: { id: "11", name: "Create Issues", description: "Ability to create issues." },
  EDIT_ISSUES: { id: "12", name: "Edit Issues", description: "Ability to edit issues." },
  ADD_COMMENTS: { id: "15", name: "Add Comments", description: "Ability to comment on issues." },
  RESOLVE_ISSUES: {
    id: "17",
    name: "Resolve Issues",
    description: "Ability to resolve and reopen issues. This includes the ability to set a fix version.",
  },
  CLOSE_ISSUES: { id: "18", name: "Close Issues", description: "Ability to close issues." },
  TRANSITION_ISSUES: { id: "46", name: "Transition Issues", description: "Ability to transition issues." },
};

/** A running fake Jira site with one project. */
export class FakeJira {
  readonly issues: FakeJiraIssue[] = [];
  /** Every request answered: `query` is the URL's query string (`?a=1&b=2`, or "" without one). */
  readonly requests: { method: string; path: string; query: string; status: number }[] = [];
  /** When true every call answers 503. */
  outage = false;
  /**
   * How long a new issue stays out of search results (Jira Cloud's search index catches up "from
   * a few seconds to minutes" after a write). Reading the issue by key sees it at once.
   * @default 0
   */
  searchLagMs = 0;
  /** The display name of the account the fake accepts (`GET /rest/api/3/myself`). */
  displayName = "iam-hygiene bot";
  /** The project's name (its key is given to `start`). */
  projectName = "Security";
  /** The project's issue types, as its issue type scheme gives them. */
  issueTypes: FakeJiraIssueType[] = [
    { name: "Task" },
    { name: "Bug" },
    { name: "Story" },
    { name: "Epic" },
    { name: "Subtask", subtask: true },
  ];
  /**
   * The workflow every issue type shares: its transitions (each available from every status), and
   * with them its statuses (`GET /rest/api/3/project/{key}/statuses`).
   */
  transitions: FakeJiraTransition[] = TRANSITIONS.map((t) => structuredClone(t));
  /**
   * Project permissions the account does not have: `mypermissions` answers `havePermission: false`
   * for them, and without BROWSE_PROJECTS the project answers 404, as Jira does for a project the
   * account cannot see. Only these reads look at them: creating, commenting and transitioning
   * still succeed.
   */
  readonly withheldPermissions = new Set<string>();
  #server!: LocalServer;
  readonly #project: string;
  readonly #email: string;
  readonly #auth: string;
  #seq = 0;
  #rateLimited = 0;

  private constructor(project: string, email: string, apiToken: string) {
    this.#project = project;
    this.#email = email;
    this.#auth = `Basic ${Buffer.from(`${email}:${apiToken}`).toString("base64")}`;
  }

  /** Starts a fake site whose only project is `project`, accepting `email`/`apiToken`. */
  static async start(project = "SEC", email = "bot@example.com", apiToken = "jira-token"): Promise<FakeJira> {
    const fake = new FakeJira(project, email, apiToken);
    fake.#server = await LocalServer.listen((req, res) => fake.#handle(req, res));
    return fake;
  }

  /** The site URL to give `Version3Client` as `host`. */
  get host(): string {
    return this.#server.url;
  }

  /** The next `times` calls answer 429 with `Retry-After: retryAfter`. */
  rateLimit(times: number): void {
    this.#rateLimited = times;
  }

  /** Issues carrying a label. */
  withLabel(label: string): FakeJiraIssue[] {
    return this.issues.filter((i) => i.labels.includes(label));
  }

  async close(): Promise<void> {
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    const body = await readJson(req);
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path: url.pathname, query: url.search, status });
      res.writeHead(status, {
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      });
      res.end(payload !== undefined ? JSON.stringify(payload) : undefined);
    };
    const error = (status: number, errorMessages: string[], errors: Record<string, string> = {}): void =>
      reply(status, { errorMessages, errors });

    if (this.outage) return error(503, ["Service Unavailable"]);
    if (this.#rateLimited > 0) {
      this.#rateLimited -= 1;
      return reply(429, { errorMessages: ["Rate limit exceeded."], errors: {} }, { "retry-after": "1" });
    }
    if (req.headers.authorization !== this.#auth) {
      return error(401, ["Client must be authenticated to access this resource."]);
    }

    const path = url.pathname;
    if (path === "/rest/api/3/myself" && method === "GET") {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
      return reply(200, {
        self: `${this.host}/rest/api/3/user?accountId=${ACCOUNT_ID}`,
        accountId: ACCOUNT_ID,
        accountType: "atlassian",
        emailAddress: this.#email,
        displayName: this.displayName,
        active: true,
        timeZone: "Etc/UTC",
        locale: "en_US",
        avatarUrls: {},
        groups: { size: 0, items: [] },
        applicationRoles: { size: 0, items: [] },
        expand: "groups,applicationRoles",
      });
    }
    const createMeta = /^\/rest\/api\/3\/issue\/createmeta\/([^/]+)\/issuetypes\/([^/]+)$/.exec(path);
    if (createMeta && method === "GET") {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-createmeta-projectidorkey-issuetypes-issuetypeid-get
      const index = Number(createMeta[2]) - 10_001;
      const type = this.issueTypes[index];
      if (!this.#canSee(decodeURIComponent(createMeta[1] ?? "")) || type === undefined)
        return error(404, [`Issue type with id ${createMeta[2]} not found for project.`]);
      const fields = (type.createFields ?? DEFAULT_CREATE_FIELDS).map((fieldId) => ({
        fieldId,
        key: fieldId,
        name: fieldId === "labels" ? "Labels" : fieldId[0]!.toUpperCase() + fieldId.slice(1),
        required: fieldId === "summary" || fieldId === "issuetype" || fieldId === "project",
        hasDefaultValue: false,
        operations: ["set"],
        schema: { type: fieldId === "labels" ? "array" : "string" },
      }));
      return reply(200, { startAt: 0, maxResults: 50, total: fields.length, fields });
    }
    const statusesPath = /^\/rest\/api\/3\/project\/([^/]+)\/statuses$/.exec(path);
    if (statusesPath && method === "GET") {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-statuses-get
      if (!this.#canSee(decodeURIComponent(statusesPath[1] ?? "")))
        return error(404, [`No project could be found with key '${statusesPath[1]}'.`]);
      const statuses = [...new Map(this.transitions.map((t) => [t.to.name, t.to])).values()].map((to, i) => ({
        self: `${this.host}/rest/api/3/status/${i + 1}`,
        id: String(i + 1),
        name: to.name,
        untranslatedName: to.name,
        statusCategory: to.statusCategory,
      }));
      return reply(
        200,
        this.issueTypes.map((type, i) => ({
          self: `${this.host}/rest/api/3/issueType/${10_001 + i}`,
          id: String(10_001 + i),
          name: type.name,
          subtask: type.subtask ?? false,
          statuses,
        })),
      );
    }
    const projectPath = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(path);
    if (projectPath && method === "GET") {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-get
      // "Returned if the project is not found or the user does not have permission to view it."
      const key = decodeURIComponent(projectPath[1] ?? "");
      if (!this.#canSee(key)) return error(404, [`No project could be found with key '${key}'.`]);
      return reply(200, this.#projectJson());
    }
    if (path === "/rest/api/3/mypermissions" && method === "GET") {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
      // `permissions` is required (since February 2019); an unknown key is a 400; a project the
      // account cannot see is a 404.
      const wanted = (url.searchParams.get("permissions") ?? "").split(",").filter((k) => k !== "");
      if (wanted.length === 0) return error(400, ["The 'permissions' query parameter is required."]);
      const unknown = wanted.filter((k) => PROJECT_PERMISSIONS[k] === undefined);
      if (unknown.length > 0) return error(400, [`Invalid permission key(s): ${unknown.join(", ")}.`]);
      const projectKey = url.searchParams.get("projectKey");
      if (projectKey !== null && !this.#canSee(projectKey))
        return error(404, [`No project could be found with key '${projectKey}'.`]);
      return reply(200, {
        permissions: Object.fromEntries(
          wanted.map((key) => [
            key,
            {
              ...PROJECT_PERMISSIONS[key],
              key,
              type: "PROJECT",
              havePermission: !this.withheldPermissions.has(key),
            },
          ]),
        ),
      });
    }
    if (path === "/rest/api/3/search" || path === "/rest/api/2/search") {
      return error(410, [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.",
      ]);
    }
    if (path === "/rest/api/3/search/jql" && method === "GET") {
      const jql = url.searchParams.get("jql") ?? "";
      const found = this.#search(jql, Date.now());
      if (found === "unbounded") return error(400, ["Unbounded JQL queries are not allowed here."]);
      const max = Number(url.searchParams.get("maxResults") ?? 50);
      const fields = (url.searchParams.get("fields") ?? "id").split(",");
      // The last page carries no nextPageToken (JRACLOUD-92184).
      return reply(200, {
        issues: found.slice(0, max).map((i) => ({
          id: i.id,
          key: i.key,
          self: `${this.host}/rest/api/3/issue/${i.id}`,
          fields: pick(issueFields(i, this.#project), fields),
        })),
        isLast: true,
      });
    }
    if (path === "/rest/api/3/issue" && method === "POST") {
      const fields = (body as { fields?: Record<string, unknown> } | undefined)?.fields ?? {};
      const problems: Record<string, string> = {};
      if ((fields.project as { key?: string } | undefined)?.key !== this.#project)
        problems.project = "valid project is required";
      if (typeof fields.summary !== "string" || fields.summary === "")
        problems.summary = "You must specify a summary of the issue.";
      if ((fields.issuetype as { name?: string } | undefined)?.name === undefined)
        problems.issuetype = "Specify an issue type";
      if (fields.description !== undefined && !isAdf(fields.description)) {
        problems.description =
          "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
      } else if (fields.description !== undefined && tooLong(fields.description)) {
        problems.description = "CONTENT_LIMIT_EXCEEDED";
      }
      if (Object.keys(problems).length > 0) return error(400, [], problems);
      this.#seq += 1;
      const issue: FakeJiraIssue = {
        id: String(10_000 + this.#seq),
        key: `${this.#project}-${this.#seq}`,
        summary: fields.summary as string,
        labels: [...((fields.labels as string[] | undefined) ?? [])],
        description: fields.description,
        issueType: (fields.issuetype as { name: string }).name,
        status: "To Do",
        created: new Date(),
        comments: [],
      };
      this.issues.push(issue);
      return reply(201, { id: issue.id, key: issue.key, self: `${this.host}/rest/api/3/issue/${issue.id}` });
    }
    const byKey = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
    if (byKey && method === "GET") {
      const found = this.issues.find((i) => i.key === byKey[1] || i.id === byKey[1]);
      if (found === undefined)
        return error(404, ["Issue does not exist or you do not have permission to see it."]);
      const fields = (url.searchParams.get("fields") ?? "*all").split(",");
      return reply(200, {
        id: found.id,
        key: found.key,
        self: `${this.host}/rest/api/3/issue/${found.id}`,
        fields: pick(issueFields(found, this.#project), fields),
      });
    }
    const match = /^\/rest\/api\/3\/issue\/([^/]+)\/(comment|transitions)$/.exec(path);
    const issue = match ? this.issues.find((i) => i.key === match[1] || i.id === match[1]) : undefined;
    if (match && issue === undefined)
      return error(404, ["Issue does not exist or you do not have permission to see it."]);
    if (match && issue !== undefined) {
      if (match[2] === "comment" && method === "GET") {
        const startAt = Number(url.searchParams.get("startAt") ?? 0);
        const max = Number(url.searchParams.get("maxResults") ?? 50);
        const ordered =
          url.searchParams.get("orderBy") === "-created" ? [...issue.comments].reverse() : issue.comments;
        return reply(200, {
          startAt,
          maxResults: max,
          total: issue.comments.length,
          comments: ordered.slice(startAt, startAt + max),
        });
      }
      if (match[2] === "comment" && method === "POST") {
        const commentBody = (body as { body?: unknown } | undefined)?.body;
        if (!isAdf(commentBody))
          return error(400, [], { comment: "Comment body must be an Atlassian Document" });
        if (tooLong(commentBody)) return error(400, [], { comment: "CONTENT_LIMIT_EXCEEDED" });
        this.#seq += 1;
        const comment = {
          id: String(20_000 + this.#seq),
          body: commentBody,
          created: new Date().toISOString(),
        };
        issue.comments.push(comment);
        return reply(201, comment);
      }
      if (match[2] === "transitions" && method === "GET") {
        return reply(200, { expand: "transitions", transitions: this.transitions });
      }
      if (match[2] === "transitions" && method === "POST") {
        const id = (body as { transition?: { id?: string } } | undefined)?.transition?.id;
        const transition = this.transitions.find((t) => t.id === id);
        if (transition === undefined) return error(400, ["Transition id is not valid for this issue."]);
        issue.status = transition.to.name as FakeJiraIssue["status"];
        return reply(204);
      }
    }
    return error(404, [`No fake for ${method} ${path}`]);
  }

  /** Whether the account sees project `keyOrId`: it exists, and Browse Projects is not withheld. */
  #canSee(keyOrId: string): boolean {
    return (
      (keyOrId === this.#project || keyOrId === PROJECT_ID) &&
      !this.withheldPermissions.has("BROWSE_PROJECTS")
    );
  }

  /** The project as `GET /rest/api/3/project/{key}` answers it (a company-managed software project). */
  #projectJson(): Record<string, unknown> {
    return {
      expand: "description,lead,issueTypes,url,projectKeys,permissions,insight",
      self: `${this.host}/rest/api/3/project/${PROJECT_ID}`,
      id: PROJECT_ID,
      key: this.#project,
      name: this.projectName,
      description: "",
      lead: { accountId: ACCOUNT_ID, displayName: this.displayName, active: true },
      components: [],
      issueTypes: this.issueTypes.map((type, i) => ({
        self: `${this.host}/rest/api/3/issuetype/${10_001 + i}`,
        id: String(10_001 + i),
        description: "",
        iconUrl: "",
        name: type.name,
        subtask: type.subtask ?? false,
        avatarId: 10_318,
        hierarchyLevel: type.subtask ? -1 : type.name === "Epic" ? 1 : 0,
      })),
      assigneeType: "UNASSIGNED",
      versions: [],
      roles: {},
      avatarUrls: {},
      projectTypeKey: "software",
      simplified: false,
      style: "classic",
      isPrivate: false,
      properties: {},
    };
  }

  /** Understands the JQL iam-hygiene writes: `project = "X" AND labels = "Y" [AND statusCategory != Done]`. */
  #search(jql: string, now: number): FakeJiraIssue[] | "unbounded" {
    const project = /project\s*=\s*"?([\w-]+)"?/i.exec(jql)?.[1];
    const label = /labels\s*=\s*"?([\w-]+)"?/i.exec(jql)?.[1];
    if (project === undefined && label === undefined) return "unbounded";
    const openOnly = /statusCategory\s*!=\s*Done/i.test(jql);
    return this.issues.filter(
      (i) =>
        (project === undefined || i.key.startsWith(`${project}-`)) &&
        (label === undefined || i.labels.includes(label)) &&
        (!openOnly || i.status !== "Done") &&
        i.created.getTime() + this.searchLagMs <= now,
    );
  }
}

/** An issue's fields as Jira answers them (`created` in Jira's `2026-11-29T06:00:00.000+0000` form). */
function issueFields(issue: FakeJiraIssue, project: string): Record<string, unknown> {
  return {
    summary: issue.summary,
    labels: issue.labels,
    description: issue.description,
    created: issue.created.toISOString().replace("Z", "+0000"),
    project: { key: project },
    status: { name: issue.status, statusCategory: { key: issue.status === "Done" ? "done" : "new" } },
  };
}

/** The account id of the account the fake accepts, and the id of its project. */
const ACCOUNT_ID = "5b10ac8d82e05b22cc7d4ef5";
const PROJECT_ID = "10000";

/** A workflow transition, as `GET /rest/api/3/issue/{key}/transitions` lists it. */
export interface FakeJiraTransition {
  readonly id: string;
  readonly name: string;
  readonly to: { readonly name: FakeJiraIssue["status"]; readonly statusCategory: { readonly key: string } };
}

const TRANSITIONS: readonly FakeJiraTransition[] = [
  { id: "11", name: "To Do", to: { name: "To Do", statusCategory: { key: "new" } } },
  { id: "21", name: "In Progress", to: { name: "In Progress", statusCategory: { key: "indeterminate" } } },
  { id: "31", name: "Done", to: { name: "Done", statusCategory: { key: "done" } } },
];

/**
 * Jira Cloud refuses a description or comment over 32,767 characters (CONTENT_LIMIT_EXCEEDED,
 * https://jira.atlassian.com/browse/JRACLOUD-78553); measured here on the ADF JSON.
 */
function tooLong(value: unknown): boolean {
  return JSON.stringify(value).length > 32_767;
}

function isAdf(value: unknown): boolean {
  const v = value as { type?: unknown; version?: unknown; content?: unknown } | null;
  return (
    v !== null && typeof v === "object" && v.type === "doc" && v.version === 1 && Array.isArray(v.content)
  );
}

function pick(fields: Record<string, unknown>, wanted: readonly string[]): Record<string, unknown> {
  if (wanted.includes("*all") || wanted.includes("*navigable")) return fields;
  return Object.fromEntries(Object.entries(fields).filter(([k]) => wanted.includes(k)));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}
