/**
 * Jira Cloud tickets through jira.js (`Version3Client`). A ticket is found by its stable key,
 * kept as a label, with the enhanced JQL search (`GET /rest/api/3/search/jql`, which replaced
 * `/rest/api/3/search`); descriptions and comments are Atlassian Document Format. Each revision's
 * marker is written into the ticket, so a re-run never comments the same content twice. The search
 * lags behind writes, so the tickets earlier deliveries created (`TicketHints`) are also read by
 * key, which does not: a ticket created seconds ago is commented, not created again.
 */
import type { Version3Client, Version3Models } from "jira.js";
import type { TicketCredentialLine, TicketGroup, TicketResolution } from "../core/notifications.ts";
import { accountLabel, moreCredentialsLine } from "../core/notifications.ts";
import { DeliveryError } from "../core/ports/notifier.ts";
import type { PreflightCheck } from "../core/ports/preflight.ts";
import type {
  TicketHints,
  TicketRef,
  TicketResolveResult,
  TicketSink,
  TicketUpsertResult,
} from "../core/ports/ticket-sink.ts";
import { revisionMarker } from "../core/ports/ticket-sink.ts";
import { redactSecrets } from "./redact.ts";

/** The label every iam-hygiene ticket carries besides its own key. */
export const TICKET_LABEL = "iam-hygiene";

/** The status category (`statusCategory.key`) of closed work; `#findOpen` looks for the others. */
const DONE_CATEGORY = "done";

/** The transition `doneTransition` names: by its own name, else by the name of the status it leads to. */
function doneTransitionOf(
  transitions: readonly Version3Models.IssueTransition[],
  doneTransition: string,
): Version3Models.IssueTransition | undefined {
  const wanted = doneTransition.toLowerCase();
  return (
    transitions.find((t) => t.name?.toLowerCase() === wanted) ??
    transitions.find((t) => t.to?.name?.toLowerCase() === wanted)
  );
}

/** What the Jira sink needs; the client is created by the caller once per cold start. */
export interface JiraTicketSinkOptions {
  readonly client: Version3Client;
  /** Site URL, for browse links: `https://example.atlassian.net`. */
  readonly host: string;
  readonly projectKey: string;
  /** @default "Task" */
  readonly issueType?: string;
  /** Transition (or target status) name that closes a ticket. @default "Done" */
  readonly doneTransition?: string;
  /**
   * The API token and the Basic credential it is sent in (`jiraSecretValues`): redacted, with any
   * long piece of them, from every message the sink builds, in case an answer echoes the request.
   */
  readonly secretValues?: readonly string[];
}

/**
 * The secrets a Jira client with Basic authentication sends: the API token, and the
 * `Authorization: Basic` credential, base64 of `email:apiToken` (UTF-8, as jira.js encodes it).
 */
export function jiraSecretValues(email: string, apiToken: string): string[] {
  return [apiToken, Buffer.from(`${email}:${apiToken}`, "utf8").toString("base64")];
}

/** An ADF node. */
type Adf = Omit<Version3Models.Document, "version">;

interface FoundIssue {
  readonly id: string;
  readonly key: string;
  readonly description?: unknown;
  /** Jira's `created`, when it answered one. */
  readonly created?: string;
}

/** The fields a found issue is read with. */
const ISSUE_FIELDS = ["summary", "status", "labels", "description", "created", "project"];

/**
 * Most known tickets read by key per delivery: the newest. Older ones are long in the search
 * index (it catches up within minutes), so the search finds them.
 */
export const MAX_KNOWN_TICKETS = 3;

/** A Jira issue key: the project key, a dash, the issue number (`SEC-42`). */
const JIRA_ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;

/**
 * The project permissions the sink uses, each with what needs it: the ones docs/notifications.md
 * asks the bot account to be granted. Keys as `GET /rest/api/3/mypermissions` takes them.
 */
export const JIRA_PROJECT_PERMISSIONS: Readonly<Record<string, string>> = {
  BROWSE_PROJECTS: "to find and read its tickets",
  CREATE_ISSUES: "to open a ticket",
  ADD_COMMENTS: "to add a changed revision or the resolution to a ticket",
  TRANSITION_ISSUES: "to close a ticket",
};

/** Creates, updates and closes iam-hygiene tickets in one Jira project. */
export class JiraTicketSink implements TicketSink {
  readonly #client: Version3Client;
  readonly #host: string;
  readonly #project: string;
  readonly #issueType: string;
  readonly #done: string;
  readonly #secrets: readonly string[];

  constructor(options: JiraTicketSinkOptions) {
    this.#client = options.client;
    this.#host = options.host.replace(/\/+$/, "");
    this.#project = options.projectKey;
    this.#issueType = options.issueType ?? "Task";
    this.#done = options.doneTransition ?? "Done";
    this.#secrets = options.secretValues ?? [];
  }

  async upsert(group: TicketGroup, hints: TicketHints = {}): Promise<TicketUpsertResult> {
    const marker = revisionMarker(group.key, group.revision);
    const existing = await this.#findOpen(group.key, hints);
    if (existing === undefined) {
      const created = await this.#call("create issue", () =>
        this.#client.issues.createIssue({
          fields: {
            project: { key: this.#project },
            issuetype: { name: this.#issueType },
            summary: group.title,
            labels: [TICKET_LABEL, group.key],
            description: doc(ticketBody(group, marker)),
          },
        }),
      );
      return { outcome: "created", ...this.#ref(created.key) };
    }
    if (await this.#hasMarker(existing, marker)) return { outcome: "unchanged", ...this.#ref(existing.key) };
    await this.#call("add comment", () =>
      this.#client.issueComments.addComment({
        issueIdOrKey: existing.key,
        comment: doc(
          ticketBody(group, marker, [
            paragraph([text("The findings changed since the last update:", ["strong"])]),
          ]),
        ),
      }),
    );
    return { outcome: "commented", ...this.#ref(existing.key) };
  }

  async resolve(resolution: TicketResolution, hints: TicketHints = {}): Promise<TicketResolveResult> {
    const existing = await this.#findOpen(resolution.key, hints);
    if (existing === undefined) return { outcome: "absent" };
    const marker = revisionMarker(resolution.key, resolution.revision);
    // A run that died between the comment and the transition must not comment again.
    if (!(await this.#hasMarker(existing, marker))) {
      await this.#call("add comment", () =>
        this.#client.issueComments.addComment({
          issueIdOrKey: existing.key,
          comment: doc([
            paragraph([text(resolution.summary)]),
            bullets(resolution.findingIds.map((id) => [text(id, ["code"])])),
            paragraph([text(marker, ["code"])]),
          ]),
        }),
      );
    }
    const { transitions = [] } = await this.#call("get transitions", () =>
      this.#client.issues.getTransitions({ issueIdOrKey: existing.key }),
    );
    const done = doneTransitionOf(transitions, this.#done);
    if (done?.id === undefined) {
      throw new DeliveryError(
        `Jira issue ${existing.key} has no transition named "${this.#done}" (available: ${transitions.map((t) => t.name).join(", ") || "none"})`,
        { code: "no_transition" },
      );
    }
    const category = done.to?.statusCategory?.key;
    if (category !== undefined && category !== DONE_CATEGORY) {
      // Moved there, the ticket would still be found open, and be commented on and "closed" again.
      throw new DeliveryError(
        `Jira issue ${existing.key}: "${this.#done}" leads to "${done.to?.name ?? "?"}", a status of the ${category} category, not a done one; set tickets.doneTransition to a done status`,
        { code: "not_done_transition" },
      );
    }
    await this.#call("transition issue", () =>
      this.#client.issues.doTransition({ issueIdOrKey: existing.key, transition: { id: done.id } }),
    );
    return { outcome: "closed", ticket: this.#ref(existing.key) };
  }

  /**
   * Read-only checks for `iam-hygiene check`; creates, comments and moves nothing. Its reads:
   *
   * - `GET /rest/api/3/myself` (`myself.getCurrentUser`,
   *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get):
   *   whether the email/API token pair is accepted. Asked first, and alone when refused: Get project
   *   answers bad credentials with 404, not 401 (JRACLOUD-94680), which would blame the project.
   * - `GET /rest/api/3/project/{key}` (`projects.getProject`,
   *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-get):
   *   the project, visible only with Browse Projects, and its `issueTypes` (in every answer, no
   *   `expand` needed), which must hold `issueType`.
   * - `GET /rest/api/3/mypermissions?projectKey=&permissions=` (`permissions.getMyPermissions`,
   *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get):
   *   `havePermission` of each of `JIRA_PROJECT_PERMISSIONS` in the project.
   * - the issue type's create screen (`#labelsCheck`): the Labels field must be on it.
   * - the issue type's workflow (`#doneCheck`): a status, or an open ticket's transition, named
   *   `doneTransition`.
   */
  async preflight(): Promise<PreflightCheck[]> {
    let me: Version3Models.User;
    try {
      me = await this.#client.myself.getCurrentUser();
    } catch (error) {
      const { status } = jiraError(error);
      return [
        {
          name: "jira: account",
          ok: false,
          detail:
            status === 401
              ? `the email/API token is refused (${this.#said(error)}): check tickets.email, and that tickets.apiToken holds a current API token of that account (id.atlassian.com → Security → API tokens; they expire)`
              : `could not ask Jira (${this.#said(error)}), so nothing else was checked: try again later, and check tickets.host`,
        },
      ];
    }
    const checks: PreflightCheck[] = [
      {
        name: "jira: account",
        ok: true,
        detail: `the email/API token is accepted: ${me.displayName ?? "?"} (${me.emailAddress ?? `account ${me.accountId ?? "?"}`})`,
      },
    ];
    const projectName = `jira: project ${this.#project}`;
    let project: Version3Models.Project;
    try {
      project = await this.#client.projects.getProject({ projectIdOrKey: this.#project });
    } catch (error) {
      const { status } = jiraError(error);
      checks.push({
        name: projectName,
        ok: false,
        detail:
          status === 404
            ? `project ${this.#project} does not exist or the account cannot browse it (Browse projects) (${this.#said(error)}): check tickets.projectKey, and grant the account Browse Projects in the project's permission scheme`
            : `could not read project ${this.#project} (${this.#said(error)})`,
      });
      // Its permissions and issue types are read in the project: nothing more to learn.
      return checks;
    }
    checks.push({
      name: projectName,
      ok: true,
      detail: `${project.key ?? this.#project} (${project.name ?? "?"}) is visible to the account`,
    });
    checks.push(...(await this.#permissionChecks()));
    const types = project.issueTypes ?? [];
    checks.push(this.#issueTypeCheck(types));
    const type = types.find((t) => t.name === this.#issueType && t.subtask !== true);
    if (type?.id !== undefined) checks.push(await this.#labelsCheck(type.id));
    if (type !== undefined) checks.push(await this.#doneCheck());
    return checks;
  }

  /**
   * Whether tickets can be closed with `doneTransition`, which `resolve` matches against the
   * name of a transition of the ticket, then of the status it leads to; that status must be of
   * the done category, or the ticket still counts as open (`#findOpen` looks for
   * `statusCategory != Done`). Read-only, so without a ticket to move: the statuses of the issue
   * type's workflow (`GET /rest/api/3/project/{key}/statuses`, `projects.getAllStatuses`,
   * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-statuses-get),
   * then, when one of the scanner's tickets is open, that ticket's transitions (the same read
   * `resolve` makes), which also says whether the done status can be reached from where
   * tickets stand.
   */
  async #doneCheck(): Promise<PreflightCheck> {
    const name = `jira: closing tickets with "${this.#done}"`;
    const wanted = this.#done.toLowerCase();
    let statuses: { name: string; category?: string }[];
    try {
      const byType = await this.#client.projects.getAllStatuses({ projectIdOrKey: this.#project });
      statuses = (byType.find((t) => t.name === this.#issueType)?.statuses ?? []).map((st) => ({
        name: st.name ?? "?",
        ...(st.statusCategory?.key !== undefined ? { category: st.statusCategory.key } : {}),
      }));
    } catch (error) {
      return { name, ok: false, detail: `could not read the workflow's statuses (${this.#said(error)})` };
    }
    const doneStatuses = statuses.filter((st) => st.category === DONE_CATEGORY).map((st) => st.name);
    const fix = `set tickets.doneTransition to a done status of the ${this.#issueType} workflow (${doneStatuses.join(", ") || "it has none"}), or to the name of a transition to one`;
    const named = statuses.find((st) => st.name.toLowerCase() === wanted);
    if (named !== undefined && named.category !== undefined && named.category !== DONE_CATEGORY) {
      return {
        name,
        ok: false,
        detail: `"${named.name}" is a status of the ${named.category} category, not a done one: a ticket moved there still counts as open, and would be reopened and commented on every scan: ${fix}`,
      };
    }
    let open: string | undefined;
    let transitions: Version3Models.IssueTransition[] = [];
    try {
      const found = await this.#client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: `project = "${this.#project}" AND labels = "${TICKET_LABEL}" AND statusCategory != Done ORDER BY created DESC`,
        maxResults: 1,
        fields: ["summary"],
      });
      open = found.issues?.[0]?.key;
      if (open !== undefined)
        transitions = (await this.#client.issues.getTransitions({ issueIdOrKey: open })).transitions ?? [];
    } catch (error) {
      return {
        name,
        ok: false,
        detail: `could not read an open ticket's transitions (${this.#said(error)})`,
      };
    }
    if (open !== undefined) {
      const transition = doneTransitionOf(transitions, this.#done);
      if (transition === undefined) {
        const names = transitions.map((t) => `${t.name ?? "?"} → ${t.to?.name ?? "?"}`).join(", ") || "none";
        return {
          name,
          ok: false,
          detail: `open ticket ${open} has no transition named "${this.#done}" or leading to a status so named (its transitions: ${names}), so it could not be closed: ${fix}`,
        };
      }
      const category = transition.to?.statusCategory?.key;
      if (category !== undefined && category !== DONE_CATEGORY) {
        return {
          name,
          ok: false,
          detail: `on open ticket ${open}, "${this.#done}" leads to "${transition.to?.name ?? "?"}", a status of the ${category} category: a ticket moved there still counts as open: ${fix}`,
        };
      }
      return {
        name,
        ok: true,
        detail: `open ticket ${open} would be closed by "${transition.name ?? "?"}" (to ${transition.to?.name ?? "?"})`,
      };
    }
    if (named !== undefined) {
      return {
        name,
        ok: true,
        detail: `the ${this.#issueType} workflow has the done status "${named.name}": a resolved ticket is moved to it (whether a transition reaches it from the ticket's status shows on the first ticket)`,
      };
    }
    return {
      name,
      ok: false,
      detail: `no status of the ${this.#issueType} workflow is named "${this.#done}" (and no open ticket yet to read the transitions of), so resolved tickets may stay open: ${fix}`,
    };
  }

  /**
   * Whether the issue type's create screen has the Labels field: without it Jira refuses the
   * labels a ticket is created with, and the sink finds its tickets by label.
   * `GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}`
   * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-createmeta-projectidorkey-issuetypes-issuetypeid-get).
   */
  async #labelsCheck(issueTypeId: string): Promise<PreflightCheck> {
    const name = `jira: labels on the ${this.#issueType} create screen`;
    try {
      const meta = await this.#client.issues.getCreateIssueMetaIssueTypeId({
        projectIdOrKey: this.#project,
        issueTypeId,
        maxResults: 200,
      });
      const fields = (meta as { fields?: { fieldId?: string }[] }).fields ?? [];
      if (fields.some((field) => field.fieldId === "labels"))
        return { name, ok: true, detail: "the Labels field is on the screen (tickets are found by label)" };
      return {
        name,
        ok: false,
        detail: `the ${this.#issueType} create screen of project ${this.#project} has no Labels field, so Jira would refuse the labels tickets are found by: add Labels to the screen (Project settings → Issue types → ${this.#issueType}, or the screen scheme)`,
      };
    } catch (error) {
      return { name, ok: false, detail: `could not read the create screen (${this.#said(error)})` };
    }
  }

  /** One check per permission of `JIRA_PROJECT_PERMISSIONS`: granted in the project, or not. */
  async #permissionChecks(): Promise<PreflightCheck[]> {
    const keys = Object.keys(JIRA_PROJECT_PERMISSIONS);
    let granted: Record<string, { havePermission?: boolean; name?: string } | undefined>;
    try {
      const answer = await this.#client.permissions.getMyPermissions({
        projectKey: this.#project,
        permissions: keys.join(","),
      });
      granted = (answer.permissions ?? {}) as typeof granted;
    } catch (error) {
      return [
        {
          name: `jira: permissions in ${this.#project}`,
          ok: false,
          detail: `could not read the account's permissions in ${this.#project} (${this.#said(error)})`,
        },
      ];
    }
    return keys.map((key) => {
      const permission = granted[key];
      const why = JIRA_PROJECT_PERMISSIONS[key];
      const name = `jira: permission ${key} in ${this.#project}`;
      if (permission?.havePermission === true) return { name, ok: true, detail: `granted (${why})` };
      return {
        name,
        ok: false,
        detail: `the account lacks ${permission?.name ?? key} in project ${this.#project}, needed ${why}: grant it in the project's permission scheme (Project settings → Permissions), to the account or to a group or role it is in`,
      };
    });
  }

  /** Whether the project has the issue type tickets are created with (a standard one: a sub-task needs a parent). */
  #issueTypeCheck(types: readonly Version3Models.IssueTypeDetails[]): PreflightCheck {
    const name = `jira: issue type ${this.#issueType}`;
    const standard = types.filter((t) => t.subtask !== true).map((t) => t.name ?? "?");
    const found = types.find((t) => t.name === this.#issueType);
    if (found !== undefined && found.subtask !== true)
      return { name, ok: true, detail: `project ${this.#project} has issue type ${this.#issueType}` };
    const why =
      found !== undefined
        ? `${this.#issueType} is a sub-task type in project ${this.#project}, and a sub-task needs a parent issue`
        : `project ${this.#project} has no issue type named ${this.#issueType}`;
    return {
      name,
      ok: false,
      detail: `${why}: set tickets.issueType to one of its issue types (${standard.join(", ") || "none"}), or add ${this.#issueType} to the project's issue type scheme`,
    };
  }

  /** A jira.js error as a preflight names it, secrets redacted (see `jiraSaid`). */
  #said(error: unknown): string {
    return redactSecrets(jiraSaid(error), this.#secrets);
  }

  /** `fn`, its failure as a `DeliveryError` whose message says what Jira said, secrets redacted. */
  #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return call(what, fn, this.#secrets);
  }

  linkFor(key: string): string {
    const jql = `project = "${this.#project}" AND labels = "${key}" ORDER BY created DESC`;
    return `${this.#host}/issues/?jql=${encodeURIComponent(jql)}`;
  }

  #ref(key: string): TicketRef {
    return { key, url: `${this.#host}/browse/${key}` };
  }

  /**
   * The oldest open issue labelled `key` (a closed one is history: a recurrence gets a new ticket):
   * the search's, or one of `hints.knownTickets` read by key when the search has not caught up.
   */
  async #findOpen(key: string, hints: TicketHints): Promise<FoundIssue | undefined> {
    const jql = `project = "${this.#project}" AND labels = "${key}" AND statusCategory != Done ORDER BY created ASC`;
    const result = await this.#call("search", () =>
      this.#client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql,
        fields: ISSUE_FIELDS,
        maxResults: 5,
      }),
    );
    const found: FoundIssue[] = [];
    const first = result.issues?.[0];
    if (first?.key !== undefined) found.push(foundIssue(first.id, first.key, first.fields));
    // Only Jira issue keys (a tracker switched from GitHub leaves `#17` receipts behind).
    const known = (hints.knownTickets ?? []).filter((ticket) => JIRA_ISSUE_KEY.test(ticket));
    for (const ticket of [...new Set(known)].slice(0, MAX_KNOWN_TICKETS)) {
      if (found.some((issue) => issue.key === ticket)) continue;
      const issue = await this.#openByKey(ticket, key);
      if (issue !== undefined) found.push(issue);
    }
    return oldest(found);
  }

  /** The issue `ticket`, read by key, if it is still open, in this project and labelled `key`. */
  async #openByKey(ticket: string, key: string): Promise<FoundIssue | undefined> {
    let issue: Version3Models.Issue;
    try {
      issue = await this.#call("read issue", () =>
        this.#client.issues.getIssue({ issueIdOrKey: ticket, fields: ISSUE_FIELDS }),
      );
    } catch (error) {
      // Deleted, or no longer visible to the bot: the search decides alone.
      if (error instanceof DeliveryError && error.details.code === "http_404") return undefined;
      throw error;
    }
    const fields = issue.fields as Partial<Version3Models.Fields> | undefined;
    const open = fields?.status?.statusCategory?.key !== "done";
    // Project keys are upper case in Jira; a config may spell one in lower case.
    const ours =
      fields?.project?.key?.toUpperCase() === this.#project.toUpperCase() &&
      (fields?.labels ?? []).includes(key);
    return open && ours ? foundIssue(issue.id, issue.key, fields) : undefined;
  }

  /** Whether the description or a comment already carries `marker`. */
  async #hasMarker(issue: FoundIssue, marker: string): Promise<boolean> {
    if (adfContains(issue.description, marker)) return true;
    let startAt = 0;
    for (;;) {
      const page = await this.#call("get comments", () =>
        this.#client.issueComments.getComments({
          issueIdOrKey: issue.key,
          startAt,
          maxResults: 100,
          orderBy: "-created",
        }),
      );
      const comments = page.comments ?? [];
      if (comments.some((c) => adfContains(c.body, marker))) return true;
      startAt += comments.length;
      if (comments.length === 0 || startAt >= (page.total ?? 0)) return false;
    }
  }
}

function foundIssue(
  id: string,
  key: string,
  fields: { description?: unknown; created?: unknown } | undefined,
): FoundIssue {
  return {
    id,
    key,
    description: fields?.description,
    ...(typeof fields?.created === "string" ? { created: fields.created } : {}),
  };
}

/** The issue created first; the lower id breaks a tie (or stands in for a missing `created`). */
function oldest(issues: readonly FoundIssue[]): FoundIssue | undefined {
  const at = (issue: FoundIssue): number => Date.parse(issue.created ?? "") || Number.POSITIVE_INFINITY;
  return issues.reduce<FoundIssue | undefined>(
    (best, issue) =>
      best === undefined ||
      at(issue) < at(best) ||
      (at(issue) === at(best) && Number(issue.id) < Number(best.id))
        ? issue
        : best,
    undefined,
  );
}

/**
 * Most characters of a description or comment this sink sends, measured on its ADF JSON: Jira
 * Cloud refuses one over 32,767 characters (`CONTENT_LIMIT_EXCEEDED`), and the item would die in
 * the outbox. The JSON is longer than the text, so this errs on the safe side.
 */
export const MAX_JIRA_BODY_CHARS = 32_000;

/**
 * The ADF content of a ticket (after `lead`, a comment's first paragraph): summary, one entry per
 * credential, the report link and the marker. Entries are dropped from the end, the least severe
 * first, until it fits `MAX_JIRA_BODY_CHARS`, and the ticket says how many it does not list.
 */
export function ticketBody(group: TicketGroup, marker: string, lead: readonly Adf[] = []): Adf[] {
  for (let listed = group.credentials.length; ; listed--) {
    const body = [...lead, ...bodyListing(group, marker, listed)];
    if (listed === 0 || JSON.stringify(doc(body)).length <= MAX_JIRA_BODY_CHARS) return body;
  }
}

function bodyListing(group: TicketGroup, marker: string, listed: number): Adf[] {
  const more = (group.moreCredentials ?? 0) + group.credentials.length - listed;
  return [
    paragraph([text(group.summary)]),
    paragraph([
      text("Account: ", ["strong"]),
      text(accountLabel(group.account)),
      text("  Severity: ", ["strong"]),
      text(group.severity),
      ...(group.incident
        ? [text("  INCIDENT: a credential was used after its owner left.", ["strong"])]
        : []),
    ]),
    heading("Credentials"),
    ...(listed > 0 ? [bullets(group.credentials.slice(0, listed).map(credentialParagraphs))] : []),
    ...(more > 0 ? [paragraph([text(moreCredentialsLine(more))])] : []),
    ...(group.reportUrl !== undefined ? [paragraph([link("Full report", group.reportUrl)])] : []),
    paragraph([text(marker, ["code"])]),
  ];
}

function credentialParagraphs(line: TicketCredentialLine): Adf[] {
  const what =
    line.principal !== undefined
      ? `${line.kind} ${line.nativeId} of ${line.principal} (${line.source})`
      : line.title;
  return [
    paragraph([text(what, ["strong"]), text(` — ${line.severity}, ${line.title}`)]),
    paragraph([text("Why: ", ["strong"]), text(line.why)]),
    paragraph([text("What to do: ", ["strong"]), text(line.whatToDo)]),
    paragraph([text("Status: ", ["strong"]), text(line.status), text("  "), text(line.findingId, ["code"])]),
  ];
}

function doc(content: Adf[]): Version3Models.Document {
  return { type: "doc", version: 1, content };
}

function paragraph(content: Adf[]): Adf {
  return { type: "paragraph", content };
}

function heading(title: string): Adf {
  return { type: "heading", attrs: { level: 3 }, content: [text(title)] };
}

function bullets(items: Adf[][]): Adf {
  return {
    type: "bulletList",
    content: items.map((content) => ({
      type: "listItem",
      content: content[0]?.type === "paragraph" ? content : [paragraph(content)],
    })),
  };
}

function text(value: string, marks: ("strong" | "code")[] = []): Adf {
  return marks.length > 0
    ? { type: "text", text: value, marks: marks.map((type) => ({ type })) }
    : { type: "text", text: value };
}

function link(value: string, href: string): Adf {
  return { type: "text", text: value, marks: [{ type: "link", attrs: { href } }] };
}

/** Whether any text node of an ADF tree (or a plain string) contains `needle`. */
function adfContains(node: unknown, needle: string): boolean {
  if (typeof node === "string") return node.includes(needle);
  if (node === null || typeof node !== "object") return false;
  const n = node as { text?: unknown; content?: unknown };
  if (typeof n.text === "string" && n.text.includes(needle)) return true;
  return Array.isArray(n.content) && n.content.some((child) => adfContains(child, needle));
}

/**
 * What a jira.js error says: the HTTP status, and Jira's messages from a JSON error body
 * (`errorMessages`, `errors`). A body that is not JSON (a proxy's or load balancer's page, which
 * may echo the request's headers, Basic credential included) says nothing: the status alone. With
 * no answer at all, the client's own message (a refused connection). Not redacted: callers redact
 * the message they build from it.
 */
function jiraError(error: unknown): { status?: number; text: string } {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    status?: unknown;
    message?: unknown;
    response?: { data?: unknown };
  };
  const status = typeof e.status === "number" ? e.status : undefined;
  const at = status !== undefined ? { status } : {};
  const data = e.response?.data;
  if (status === undefined || data === undefined)
    return { ...at, text: typeof e.message === "string" ? e.message : String(error) };
  // jira.js (axios) hands over a JSON body parsed, any other as a string.
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { ...at, text: "" };
  const { errorMessages, errors } = data as { errorMessages?: unknown; errors?: unknown };
  const detail = [
    ...(Array.isArray(errorMessages) ? errorMessages.filter((m) => typeof m === "string") : []),
    ...(typeof errors === "object" && errors !== null && !Array.isArray(errors)
      ? Object.entries(errors)
          .filter(([, v]) => typeof v === "string")
          .map(([k, v]) => `${k}: ${v}`)
      : []),
  ];
  return { ...at, text: detail.join("; ") };
}

/**
 * A jira.js error as a preflight names it: `HTTP 404: No project could be found with key 'SEC'.`,
 * or `HTTP 502` when Jira's answer said nothing readable. Not redacted.
 */
function jiraSaid(error: unknown): string {
  const { status, text } = jiraError(error);
  if (status === undefined) return text;
  return text !== "" ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
}

async function call<T>(what: string, fn: () => Promise<T>, secrets: readonly string[]): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    const { status, text } = jiraError(error);
    const e = error as { cause?: { response?: { headers?: Record<string, string> } } };
    const retryAfter = Number(e.cause?.response?.headers?.["retry-after"]);
    throw new DeliveryError(
      redactSecrets(
        `Jira ${what} failed${status !== undefined ? ` (HTTP ${status})` : ""}${text !== "" ? `: ${text}` : ""}`,
        secrets,
      ),
      {
        ...(status !== undefined ? { code: `http_${status}` } : {}),
        ...(Number.isFinite(retryAfter) && retryAfter > 0
          ? { retryAt: new Date(Date.now() + retryAfter * 1000) }
          : {}),
      },
      { cause: error },
    );
  }
}
