/**
 * A local fake of the GitHub REST API issue endpoints iam-hygiene calls, on 127.0.0.1: list issues
 * of a repository (labels filter, state, `page`/`per_page` with a `Link` header), create, comment,
 * update state, and read the repository (`GET /repos/{owner}/{repo}`: `has_issues`, and the caller's
 * `permissions` when GitHub shows them). Errors have GitHub's shape (`{ message, documentation_url }`); a rate-limit switch
 * answers 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, as the primary limit does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalServer } from "./local-server.ts";

/** An issue (or pull request) as the fake keeps it. */
export interface FakeGitHubIssue {
  readonly number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  readonly pullRequest: boolean;
  readonly comments: { id: number; body: string }[];
}

/** A running fake GitHub with one repository. */
export class FakeGitHubIssues {
  readonly issues: FakeGitHubIssue[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** When true every call answers 503. */
  outage = false;
  /**
   * Whether the token has push access to the repository. Without it GitHub silently drops the
   * labels of a new issue ("Only users with push access can set labels for new issues. Labels
   * are silently dropped otherwise.", Create an issue). @default true
   */
  pushAccess = true;
  /** Whether `GET /repos/{owner}/{repo}` shows the caller's `permissions` (an App token's does not). */
  showsPermissions = true;
  /**
   * Whether the repository has issues enabled (`has_issues`). Disabled, creating one answers 410
   * Gone, as GitHub does ("Issues are disabled for this repo"). @default true
   */
  hasIssues = true;
  #server!: LocalServer;
  readonly #owner: string;
  readonly #repo: string;
  readonly #token: string;
  #rateLimited = 0;
  #seq = 0;

  private constructor(owner: string, repo: string, token: string) {
    this.#owner = owner;
    this.#repo = repo;
    this.#token = token;
  }

  /** Starts a fake holding `owner/repo`, accepting `token`. */
  static async start(owner = "acme", repo = "security", token = "ghp_test"): Promise<FakeGitHubIssues> {
    const fake = new FakeGitHubIssues(owner, repo, token);
    fake.#server = await LocalServer.listen((req, res) => fake.#handle(req, res));
    return fake;
  }

  /** The API base URL to give Octokit as `baseUrl`. */
  get baseUrl(): string {
    return this.#server.url;
  }

  /** The next `times` calls answer 403 with the primary rate limit exhausted. */
  rateLimit(times: number): void {
    this.#rateLimited = times;
  }

  /** Adds an issue or pull request directly, as if someone created it. */
  seed(issue: Partial<FakeGitHubIssue> & { title: string }): FakeGitHubIssue {
    this.#seq += 1;
    const created: FakeGitHubIssue = {
      number: this.#seq,
      body: "",
      state: "open",
      stateReason: null,
      labels: [],
      pullRequest: false,
      comments: [],
      ...issue,
    };
    this.issues.push(created);
    return created;
  }

  /** Issues (not pull requests) carrying a label. */
  withLabel(label: string): FakeGitHubIssue[] {
    return this.issues.filter((i) => !i.pullRequest && i.labels.includes(label));
  }

  async close(): Promise<void> {
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const method = req.method ?? "GET";
    const body = (await readJson(req)) as Record<string, unknown> | undefined;
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path: url.pathname, status });
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        ...headers,
      });
      res.end(JSON.stringify(payload));
    };
    const docs = "https://docs.github.com/rest";
    if (this.outage) return reply(503, { message: "Service Unavailable", documentation_url: docs });
    const token = (req.headers.authorization ?? "").replace(/^(token|bearer)\s+/i, "");
    if (token !== this.#token)
      return reply(401, { message: "Bad credentials", documentation_url: docs, status: "401" });
    if (this.#rateLimited > 0) {
      this.#rateLimited -= 1;
      return reply(
        403,
        {
          message: "API rate limit exceeded for user ID 1.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 60) },
      );
    }

    const base = `/repos/${this.#owner}/${this.#repo}/issues`;
    const path = url.pathname;
    if (path === base && method === "GET") {
      const state = url.searchParams.get("state") ?? "open";
      const labels = (url.searchParams.get("labels") ?? "").split(",").filter((l) => l !== "");
      const matching = this.issues.filter(
        (i) => (state === "all" || i.state === state) && labels.every((l) => i.labels.includes(l)),
      );
      if (url.searchParams.get("direction") === "desc") matching.reverse();
      return this.#page(
        url,
        matching.map((i) => this.#issueJson(i)),
        reply,
      );
    }
    if (path === base && method === "POST") {
      if (!this.hasIssues)
        return reply(410, {
          message: "Issues are disabled for this repo",
          documentation_url: "https://docs.github.com/rest/issues/issues#create-an-issue",
          status: "410",
        });
      if (typeof body?.title !== "string" || body.title === "") {
        return reply(422, {
          message: "Validation Failed",
          errors: [{ resource: "Issue", code: "missing_field", field: "title" }],
          documentation_url: docs,
        });
      }
      const issue = this.seed({
        title: body.title,
        body: typeof body.body === "string" ? body.body : "",
        labels: this.pushAccess ? ((body.labels as string[] | undefined) ?? []).map(String) : [],
      });
      return reply(201, this.#issueJson(issue));
    }
    if (path === `/repos/${this.#owner}/${this.#repo}` && method === "GET") {
      // https://docs.github.com/rest/repos/repos#get-a-repository (the fields iam-hygiene reads, and a few more)
      return reply(200, {
        id: 1_296_269,
        name: this.#repo,
        full_name: `${this.#owner}/${this.#repo}`,
        owner: { login: this.#owner, type: "Organization" },
        private: true,
        html_url: `https://github.test/${this.#owner}/${this.#repo}`,
        url: `${this.baseUrl}/repos/${this.#owner}/${this.#repo}`,
        has_issues: this.hasIssues,
        archived: false,
        disabled: false,
        visibility: "private",
        default_branch: "main",
        ...(this.showsPermissions
          ? {
              permissions: {
                admin: false,
                maintain: false,
                push: this.pushAccess,
                triage: this.pushAccess,
                pull: true,
              },
            }
          : {}),
      });
    }
    const match = new RegExp(`^${base}/(\\d+)(/comments)?$`).exec(path);
    const issue = match ? this.issues.find((i) => i.number === Number(match[1])) : undefined;
    if (match && issue !== undefined) {
      if (match[2] === "/comments" && method === "GET") {
        return this.#page(
          url,
          issue.comments.map((c) => ({ id: c.id, body: c.body })),
          reply,
        );
      }
      if (match[2] === "/comments" && method === "POST") {
        this.#seq += 1;
        const comment = { id: 90_000 + this.#seq, body: String(body?.body ?? "") };
        issue.comments.push(comment);
        return reply(201, comment);
      }
      if (match[2] === undefined && method === "PATCH") {
        if (body?.state === "open" || body?.state === "closed") issue.state = body.state;
        if (typeof body?.state_reason === "string") issue.stateReason = body.state_reason;
        if (typeof body?.title === "string") issue.title = body.title;
        return reply(200, this.#issueJson(issue));
      }
      if (match[2] === undefined && method === "GET") return reply(200, this.#issueJson(issue));
    }
    return reply(404, { message: "Not Found", documentation_url: docs, status: "404" });
  }

  #page(
    url: URL,
    all: unknown[],
    reply: (status: number, payload: unknown, headers?: Record<string, string>) => void,
  ): void {
    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30) || 30, 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (n: number): string => {
      const next = new URL(url);
      next.searchParams.set("page", String(n));
      return next.toString();
    };
    const links = [
      ...(page < last ? [`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : []),
      ...(page > 1 ? [`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`] : []),
    ];
    reply(
      200,
      all.slice((page - 1) * perPage, page * perPage),
      links.length > 0 ? { link: links.join(", ") } : {},
    );
  }

  #issueJson(issue: FakeGitHubIssue): Record<string, unknown> {
    const api = `${this.baseUrl}/repos/${this.#owner}/${this.#repo}/issues/${issue.number}`;
    return {
      id: 1_000_000 + issue.number,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      labels: issue.labels.map((name, i) => ({ id: i + 1, name })),
      url: api,
      html_url: `https://github.test/${this.#owner}/${this.#repo}/issues/${issue.number}`,
      comments: issue.comments.length,
      ...(issue.pullRequest ? { pull_request: { url: api.replace("/issues/", "/pulls/") } } : {}),
    };
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}
