/**
 * GitHub Issues tickets through `@octokit/rest`. A ticket is found by its stable key, kept as a
 * label (`issues.listForRepo({ labels })`, following Link pagination); each revision's marker is an
 * HTML comment in the issue body or a comment, so a re-run never comments the same content twice.
 */
import type { Octokit } from "@octokit/rest";
import type { TicketCredentialLine, TicketGroup, TicketResolution } from "../core/notifications.ts";
import { accountLabel, moreCredentialsLine } from "../core/notifications.ts";
import { DeliveryError } from "../core/ports/notifier.ts";
import type { PreflightCheck } from "../core/ports/preflight.ts";
import type {
  TicketRef,
  TicketResolveResult,
  TicketSink,
  TicketUpsertResult,
} from "../core/ports/ticket-sink.ts";
import { revisionMarker } from "../core/ports/ticket-sink.ts";
import { redactSecrets } from "./redact.ts";

/** The label every iam-hygiene issue carries besides its own key. */
export const ISSUE_LABEL = "iam-hygiene";

/** What the GitHub sink needs; the Octokit is created by the caller (`new Octokit({ auth, baseUrl })`). */
export interface GitHubIssuesSinkOptions {
  readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;
  /** Web URL of the repository, for search links. @default https://github.com/<owner>/<repo> */
  readonly htmlUrl?: string;
  /**
   * The token (and any other secret the Octokit sends): redacted, with any long piece of it, from
   * every message the sink builds, in case an answer echoes the request (a proxy's debug page).
   */
  readonly secretValues?: readonly string[];
}

interface FoundIssue {
  readonly number: number;
  readonly url: string;
  readonly body: string;
}

/** Creates, updates and closes iam-hygiene issues in one repository. */
export class GitHubIssuesSink implements TicketSink {
  readonly #octokit: Octokit;
  readonly #owner: string;
  readonly #repo: string;
  readonly #htmlUrl: string;
  readonly #secrets: readonly string[];
  /** The token's access checked once (see `#canLabel`); a failed check is asked again. */
  #labelAccess: Promise<void> | undefined;

  constructor(options: GitHubIssuesSinkOptions) {
    this.#octokit = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#secrets = options.secretValues ?? [];
    this.#htmlUrl = (options.htmlUrl ?? `https://github.com/${options.owner}/${options.repo}`).replace(
      /\/+$/,
      "",
    );
  }

  async upsert(group: TicketGroup): Promise<TicketUpsertResult> {
    const marker = revisionMarker(group.key, group.revision);
    const existing = await this.#findOpen(group.key);
    if (existing === undefined) {
      await this.#canLabel();
      const { data } = await this.#call("create issue", () =>
        this.#octokit.issues.create({
          owner: this.#owner,
          repo: this.#repo,
          title: group.title,
          body: issueMarkdown(group, marker),
          labels: [ISSUE_LABEL, group.key],
        }),
      );
      const labels = (data.labels ?? []).map((l) => (typeof l === "string" ? l : l.name));
      if (!labels.includes(group.key)) {
        // Created, but unfindable: the next run would create another. Say why, loudly.
        throw new DeliveryError(`GitHub created issue #${data.number} without its labels: ${LABEL_ACCESS}`, {
          code: "labels_dropped",
        });
      }
      return { outcome: "created", ...ref(data.number, data.html_url) };
    }
    if (await this.#hasMarker(existing, marker))
      return { outcome: "unchanged", ...ref(existing.number, existing.url) };
    await this.#call("comment", () =>
      this.#octokit.issues.createComment({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: existing.number,
        body: `**The findings changed since the last update.**\n\n${issueMarkdown(group, marker)}`,
      }),
    );
    return { outcome: "commented", ...ref(existing.number, existing.url) };
  }

  async resolve(resolution: TicketResolution): Promise<TicketResolveResult> {
    const existing = await this.#findOpen(resolution.key);
    if (existing === undefined) return { outcome: "absent" };
    const marker = revisionMarker(resolution.key, resolution.revision);
    if (!(await this.#hasMarker(existing, marker))) {
      await this.#call("comment", () =>
        this.#octokit.issues.createComment({
          owner: this.#owner,
          repo: this.#repo,
          issue_number: existing.number,
          body: `${resolution.summary}\n\n${resolution.findingIds.map((id) => `- \`${id}\``).join("\n")}\n\n<!-- ${marker} -->`,
        }),
      );
    }
    await this.#call("close issue", () =>
      this.#octokit.issues.update({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: existing.number,
        state: "closed",
        state_reason: "completed",
      }),
    );
    return { outcome: "closed", ticket: ref(existing.number, existing.url) };
  }

  linkFor(key: string): string {
    return `${this.#htmlUrl}/issues?q=${encodeURIComponent(`is:issue label:${key}`)}`;
  }

  /**
   * Read-only checks for `iam-hygiene check`; opens, comments and closes nothing. One read, the
   * one the sink makes before its first issue: `GET /repos/{owner}/{repo}`
   * (https://docs.github.com/rest/repos/repos#get-a-repository), whose answer says whether the
   * token sees the repository, whether issues are enabled (`has_issues`), and the token's
   * `permissions` (shown to a user token, not to a GitHub App's).
   */
  async preflight(): Promise<PreflightCheck[]> {
    const repository = `${this.#owner}/${this.#repo}`;
    const name = `github-issues: repository ${repository}`;
    let data: Awaited<ReturnType<Octokit["repos"]["get"]>>["data"];
    try {
      ({ data } = await this.#readRepository());
    } catch (error) {
      return [repositoryProblem(name, error as DeliveryError, this.#secrets)];
    }
    const access = pushAccess(data.permissions);
    return [
      { name, ok: true, detail: `${data.full_name ?? repository} is visible to the token` },
      data.has_issues === false
        ? {
            name: `github-issues: issues in ${repository}`,
            ok: false,
            detail:
              "issues are disabled on the repository: enable them in the repository's Settings → General → Features → Issues",
          }
        : { name: `github-issues: issues in ${repository}`, ok: true, detail: "issues are enabled" },
      {
        name: `github-issues: push access to ${repository}`,
        ok: access !== "refused",
        detail:
          access === "refused"
            ? LABEL_ACCESS
            : access === "granted"
              ? "the token has push access, so new issues keep their labels"
              : "GitHub does not show this token's permissions on the repository (a GitHub App token): push access could not be read here, and is checked on the first issue (its labels are read back)",
      },
    ];
  }

  /** `fn`, its failure as a `DeliveryError` whose message says what GitHub said, secrets redacted. */
  #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return call(what, fn, this.#secrets);
  }

  /** The repository as the token sees it. */
  #readRepository() {
    return this.#call("read repository", () =>
      this.#octokit.repos.get({ owner: this.#owner, repo: this.#repo }),
    );
  }

  /**
   * Refuses to create an issue the sink could not find again: GitHub drops a new issue's labels
   * when the token lacks push access ("Labels are silently dropped otherwise"), and every run
   * would then open another. Checked once per sink from the repository's `permissions` (shown to
   * a user token; an App token's are not shown, and the labels of the created issue are checked
   * instead).
   */
  #canLabel(): Promise<void> {
    this.#labelAccess ??= (async () => {
      const { data } = await this.#readRepository();
      if (pushAccess(data.permissions) === "refused") {
        throw new DeliveryError(`cannot open tickets in ${this.#owner}/${this.#repo}: ${LABEL_ACCESS}`, {
          code: "missing_permission",
        });
      }
    })();
    this.#labelAccess.catch(() => {
      this.#labelAccess = undefined;
    });
    return this.#labelAccess;
  }

  /** The oldest open issue labelled `key` (pull requests share the endpoint and are skipped). */
  async #findOpen(key: string): Promise<FoundIssue | undefined> {
    const issues = await this.#call("list issues", () =>
      this.#octokit.paginate(this.#octokit.issues.listForRepo, {
        owner: this.#owner,
        repo: this.#repo,
        labels: key,
        state: "open",
        sort: "created",
        direction: "asc",
        per_page: 100,
      }),
    );
    const issue = issues.find((i) => i.pull_request === undefined || i.pull_request === null);
    if (issue === undefined) return undefined;
    return { number: issue.number, url: issue.html_url, body: issue.body ?? "" };
  }

  async #hasMarker(issue: FoundIssue, marker: string): Promise<boolean> {
    if (issue.body.includes(marker)) return true;
    const comments = await this.#call("list comments", () =>
      this.#octokit.paginate(this.#octokit.issues.listComments, {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: issue.number,
        per_page: 100,
      }),
    );
    return comments.some((c) => (c.body ?? "").includes(marker));
  }
}

/**
 * The Markdown body of an issue: summary, a table of credentials, what to do, and the marker. Text
 * from outside (the summary names the person as HR or the IdP spells them, the account name comes
 * from the config) goes through `md`, so it cannot mention a user or team.
 */
export function issueMarkdown(group: TicketGroup, marker: string): string {
  const lines = [
    md(group.summary),
    "",
    `**Account:** ${md(accountLabel(group.account))} · **Severity:** ${group.severity}${group.incident ? " · **INCIDENT:** a credential was used after its owner left." : ""}`,
    "",
    "| Credential | Severity | Finding | Status |",
    "| --- | --- | --- | --- |",
    ...group.credentials.map(
      (c) => `| ${cell(credentialName(c))} | ${c.severity} | ${cell(c.title)} | ${cell(c.status)} |`,
    ),
    "",
    "### What to do",
    "",
    ...group.credentials.map(
      (c) =>
        `- **${md(credentialName(c))}**: ${md(c.whatToDo)}\n  - Why: ${md(c.why)}\n  - Finding: \`${c.findingId}\``,
    ),
    ...(group.moreCredentials ? ["", moreCredentialsLine(group.moreCredentials)] : []),
    ...(group.reportUrl !== undefined ? ["", `[Full report](${group.reportUrl})`] : []),
    "",
    `<!-- ${marker} -->`,
  ];
  return lines.join("\n");
}

function credentialName(c: TicketCredentialLine): string {
  return c.principal !== undefined ? `${c.kind} ${c.nativeId} of ${c.principal} (${c.source})` : c.title;
}

function cell(value: string): string {
  return md(value).replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** Why a ticket needs push access: labels are how the sink finds its tickets again. */
const LABEL_ACCESS =
  "the token needs push access to the repository to label new issues (GitHub drops the labels of others silently), and iam-hygiene finds its tickets by label";

/**
 * Keeps user-controlled text (principal names, tags, display names) as text: no HTML, no
 * mention (`@` broken by a zero-width space), no issue reference (`#12` likewise), and no link,
 * image, emphasis or code span (Markdown's punctuation backslash-escaped, as GitHub's
 * CommonMark allows): an IAM user's owner tag must not put a link to anywhere in a ticket.
 */
function md(value: string): string {
  return value
    .replace(/[\\`*_[\]~!]/g, "\\$&")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("@", "@\u200b")
    .replaceAll("#", "#\u200b");
}

/**
 * What a repository's `permissions` say of the token's push access: granted, refused, or not shown
 * (GitHub shows them to a user token, not to a GitHub App's).
 */
function pushAccess(permissions: { readonly push?: boolean } | undefined): "granted" | "refused" | "unknown" {
  if (permissions === undefined) return "unknown";
  return permissions.push === true ? "granted" : "refused";
}

/** Why the repository could not be read, and what to do: a refused token, an unseen repository, a limit. */
function repositoryProblem(name: string, error: DeliveryError, secrets: readonly string[]): PreflightCheck {
  const { status, text } = gitHubSaid(error.cause ?? error);
  const said = redactSecrets(
    status !== undefined ? `HTTP ${status}${text !== "" ? `: ${text}` : ""}` : text || String(error),
    secrets,
  );
  const retryAt = error.details?.retryAt;
  if (status === 401)
    return {
      name: "github-issues: token",
      ok: false,
      detail: `GitHub refused the token (${said}): put a current token in the tickets.token secret (a fine-grained token or GitHub App with Issues: read and write on the repository)`,
    };
  if (status === 404)
    return {
      name,
      ok: false,
      detail: `repository not found or not visible to the token (${said}): check tickets.owner and tickets.repo, and give the token access to the repository (a fine-grained token's Repository access, or the App's installation)`,
    };
  if (retryAt !== undefined)
    return {
      name,
      ok: false,
      detail: `GitHub's rate limit is spent (${said}): try again after ${retryAt.toISOString()}`,
    };
  if (status !== undefined) return { name, ok: false, detail: `could not read the repository (${said})` };
  return {
    name,
    ok: false,
    detail: `could not ask GitHub (${said}): try again later, and check tickets.baseUrl if it is set`,
  };
}

function ref(number: number, url: string): TicketRef {
  return { key: `#${number}`, url };
}

async function call<T>(what: string, fn: () => Promise<T>, secrets: readonly string[]): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const e = error as { response?: { headers?: Record<string, string | undefined> } };
    const { status, text } = gitHubSaid(error);
    const headers = e.response?.headers ?? {};
    const retryAt = rateLimitRetryAt(status, headers);
    throw new DeliveryError(
      redactSecrets(
        `GitHub ${what} failed${status !== undefined ? ` (HTTP ${status})` : ""}${text !== "" ? `: ${text}` : ""}`,
        secrets,
      ),
      {
        ...(status !== undefined ? { code: retryAt !== undefined ? "rate_limited" : `http_${status}` } : {}),
        ...(retryAt !== undefined ? { retryAt } : {}),
      },
      { cause: error },
    );
  }
}

/**
 * What a failed Octokit call says, without the request: the HTTP status, and GitHub's own words
 * from a JSON body (`message`, then `errors`, then `documentation_url`, as Octokit words them).
 * A body that is not JSON (a proxy's or load balancer's page, which may echo the request's
 * headers, token included) is reduced to its first line, and only when that line is short and
 * names no credential. With no answer at all, the client's own message (a failed fetch).
 * Not redacted: callers redact the message they build from it.
 */
function gitHubSaid(error: unknown): { status?: number; text: string } {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    status?: unknown;
    message?: unknown;
    response?: { data?: unknown };
  };
  const status = typeof e.status === "number" ? e.status : undefined;
  const at = status !== undefined ? { status } : {};
  if (e.response === undefined)
    return { ...at, text: typeof e.message === "string" ? e.message : String(error) };
  const data = e.response.data;
  if (typeof data === "string") return { ...at, text: shortFirstLine(data) };
  if (typeof data !== "object" || data === null || Array.isArray(data) || data instanceof ArrayBuffer)
    return { ...at, text: "" };
  const json = data as { message?: unknown; errors?: unknown; documentation_url?: unknown };
  if (typeof json.message !== "string") return { ...at, text: "" };
  const errors = Array.isArray(json.errors)
    ? `: ${json.errors.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")}`
    : "";
  const docs = typeof json.documentation_url === "string" ? ` - ${json.documentation_url}` : "";
  return { ...at, text: `${json.message}${errors}${docs}` };
}

/** Longest first line of a non-JSON body quoted; a longer one is left out, not cut (a cut could keep part of a secret). */
const MAX_QUOTED_LINE = 80;

/** Words of a line that may quote a credential (a header dump): such a line is left out. */
const CREDENTIAL_WORDS = /authori[sz]ation|bearer|basic|token|cookie|secret|password|api[-_ ]?key/i;

/**
 * The first line of text of a non-JSON body (HTML tags dropped), whitespace collapsed, when it
 * is short and names no credential: `502 Bad Gateway`; otherwise the empty string.
 */
function shortFirstLine(body: string): string {
  for (const raw of body.replace(/<[^>]*>/g, "\n").split(/\r?\n|\r/)) {
    const line = raw
      .replace(/[\p{Cc}\p{Cf}]/gu, " ")
      .replace(/\s+/g, " ")
      .trim();
    if (line === "") continue;
    return line.length <= MAX_QUOTED_LINE && !CREDENTIAL_WORDS.test(line) ? line : "";
  }
  return "";
}

/**
 * When GitHub says to come back: `retry-after` seconds (secondary limit), or `x-ratelimit-reset`
 * (epoch seconds) when `x-ratelimit-remaining` is 0 (primary limit), on a 403 or 429.
 */
export function rateLimitRetryAt(
  status: number | undefined,
  headers: Readonly<Record<string, string | undefined>>,
): Date | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return new Date(Date.now() + retryAfter * 1000);
  if (headers["x-ratelimit-remaining"] === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    if (Number.isFinite(reset) && reset > 0) return new Date(reset * 1000);
  }
  return undefined;
}
