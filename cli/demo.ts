/**
 * `iam-hygiene demo` (`npm start`): the whole story against local stand-ins. It starts the AWS
 * sandbox and the Slack, Jira and GitHub fakes in-process, seeds Northwind Analytics, points the
 * standard AWS environment at the sandbox and the config's enterprise URLs at the fakes, then
 * runs the same scan the `scan` command and the Lambdas run: report mode, then enforce mode.
 * Nothing here changes how a scan works; it only decides where the scan's calls go.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  ATTACKER_IP,
  CAST,
  companyScenario,
  DOMAIN,
  departureCsv,
  GITHUB_ORG,
  POOL_CLIENT_ID,
  POOL_ID,
  person,
  SECURITY_CHANNEL,
  slackDirectory,
  staff,
} from "../demo/company.ts";
import { type ProbeResult, refreshSession, useAccessKey } from "../demo/probes.ts";
import { type Probe, style, tellStory } from "../demo/story.ts";
import { runPreflight } from "../lambdas/preflight.ts";
import { toHtmlReport } from "../lambdas/report/html.ts";
import { formatJsonReport, toJsonReport } from "../lambdas/report/json.ts";
import type { ScanReport } from "../lambdas/scan.ts";
import { createRuntime } from "../lambdas/wiring.ts";
import { startSandbox } from "../sandbox/index.ts";
import { FakeGitHubOrg } from "../sandbox/providers/github-org.ts";
import { FakeJira } from "../sandbox/providers/jira.ts";
import { FakeSlack } from "../sandbox/providers/slack.ts";
import { loadConfig } from "./config-file.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import type { CommandIo } from "./io.ts";
import { runConfiguredScan } from "./run.ts";

/** Options of `demo`. */
export interface DemoOptions {
  /** Where `report.html`, `report.json`, `story.txt` and the demo's store go. @default "." */
  readonly outDir?: string;
  /** Print only where the files are. */
  readonly quiet?: boolean;
}

/** Secrets the demo's config names; the fakes accept exactly these. */
const SECRETS = {
  IAM_HYGIENE_DEMO_SLACK_TOKEN: "xoxb-northwind-demo",
  IAM_HYGIENE_DEMO_JIRA_TOKEN: "jira-northwind-demo",
  IAM_HYGIENE_DEMO_GITHUB_TOKEN: "ghp_northwindDemoOrgOwnerToken00000000000",
} as const;
const JIRA_EMAIL = `iam-hygiene@${DOMAIN}`;

/** The demo company's config: what a security team would write, with URLs aimed at the fakes. */
function demoConfig(
  urls: { slack: string; jira: string; github: string },
  paths: { departures: string; store: string },
) {
  return {
    mode: "enforce",
    departures: { source: { type: "file", path: paths.departures }, timeZone: "UTC" },
    protectedPrincipals: ["break-glass-*"],
    sources: {
      // The sandbox generates credential reports at once; AWS takes seconds, hence 1 s by default.
      "aws-iam": { reportPollMs: 50 },
      "aws-cognito": { enabled: true, pools: [{ userPoolId: POOL_ID, matchAttributes: ["email"] }] },
      github: {
        enabled: true,
        org: GITHUB_ORG,
        token: { env: "IAM_HYGIENE_DEMO_GITHUB_TOKEN" },
        baseUrl: urls.github,
      },
    },
    notifications: {
      slack: {
        enabled: true,
        token: { env: "IAM_HYGIENE_DEMO_SLACK_TOKEN" },
        securityChannel: SECURITY_CHANNEL,
        apiUrl: urls.slack,
      },
    },
    tickets: {
      type: "jira",
      host: urls.jira,
      projectKey: "SEC",
      email: JIRA_EMAIL,
      apiToken: { env: "IAM_HYGIENE_DEMO_JIRA_TOKEN" },
    },
    store: { type: "local", dir: paths.store },
    audit: { type: "file", path: join(paths.store, "audit.jsonl") },
  };
}

function probe(label: string, result: ProbeResult, expect: Probe["expect"]): Probe {
  return { label, result, expect };
}

/** Runs the demo; exit 0 when every proof came out as expected, 1 otherwise. */
export async function demoCommand(options: DemoOptions, io: CommandIo): Promise<ExitCode> {
  const started = performance.now();
  const outDir = resolve(io.cwd, options.outDir ?? ".");
  const storeDir = join(outDir, ".iam-hygiene-demo");
  const color = io.stdout.isTTY === true && io.env.NO_COLOR === undefined && !options.quiet;
  const s = style(color);
  const step = (line: string): void => {
    if (!options.quiet && io.stderr.isTTY) io.stderr.write(`${s.dim(line)}\n`);
  };

  // The demo's own state from an earlier run would make the outbox think everything was said.
  await rm(storeDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "iam-hygiene-demo-"));

  const now = new Date();
  const sandbox = await startSandbox({ port: 0, scenario: companyScenario(now) });
  const slack = await FakeSlack.start({
    users: slackDirectory(),
    channels: [SECURITY_CHANNEL],
    tokens: [SECRETS.IAM_HYGIENE_DEMO_SLACK_TOKEN],
  });
  const jira = await FakeJira.start("SEC", JIRA_EMAIL, SECRETS.IAM_HYGIENE_DEMO_JIRA_TOKEN);
  const github = await FakeGitHubOrg.start({ org: GITHUB_ORG, token: SECRETS.IAM_HYGIENE_DEMO_GITHUB_TOKEN });
  const savedEnv = { ...process.env };
  try {
    step(`sandbox on ${sandbox.endpoint}; Slack, Jira and GitHub fakes on 127.0.0.1`);
    seedGitHub(github);

    // The standard AWS environment, as a shell pointed at the sandbox would have it: the SDK
    // clients the composition root builds read these themselves.
    Object.assign(process.env, sandbox.env(), SECRETS);
    const target = { endpoint: sandbox.endpoint, region: sandbox.region };

    const departuresPath = join(work, "departures.csv");
    await writeFile(departuresPath, departureCsv(now));
    const configPath = join(work, "iam-hygiene.json");
    await writeFile(
      configPath,
      `${JSON.stringify(demoConfig({ slack: slack.apiUrl, jira: jira.host, github: github.url }, { departures: departuresPath, store: storeDir }), null, 2)}\n`,
    );

    // Twelve days after Dana left, someone uses her key from a Tor exit node.
    const attack = probe(
      `Dana Whitfield's key ${CAST.dana.keyId}, used 12 days after she left, from ${ATTACKER_IP}`,
      await useAccessKey(
        target,
        { accessKeyId: CAST.dana.keyId, secretAccessKey: CAST.dana.secret },
        ATTACKER_IP,
      ),
      "works",
    );
    const marcusToken = sandbox.cognito.listRefreshTokens(POOL_ID, person("marcus").userName)[0]?.token ?? "";
    const priyaToken = sandbox.cognito.listRefreshTokens(POOL_ID, person("priya").userName)[0]?.token ?? "";
    const before = [
      probe(
        "Marcus Oyelaran's Cognito refresh token (left 3 days ago)",
        await refreshSession(target, POOL_CLIENT_ID, marcusToken),
        "works",
      ),
    ];

    const loaded = await loadConfig(configPath, io.cwd);
    const scan = (apply: boolean): Promise<ScanReport> =>
      runConfiguredScan({
        config: loaded.config,
        configPath,
        env: process.env,
        apply,
        trigger: "cli:demo",
      });
    // First what an operator runs before trusting a scan with an account: the read-only preflight.
    step("check: the read-only preflight");
    const preflight = await runPreflight(
      createRuntime({ config: loaded.config, configPath, env: process.env }),
    );
    step("scan 1: report mode");
    const reportRun = await scan(false);
    const slackAfterReport = slack.messages.length;
    step("scan 2: enforce mode (--apply)");
    const enforceRun = await scan(true);

    const tomKey = sandbox.iam.users.get(person("tom").userName)?.accessKeys[0];
    const breakGlassKey = sandbox.iam.users.get("break-glass-admin")?.accessKeys[0];
    const jsmithKey = sandbox.iam.users.get("jsmith")?.accessKeys[0];
    const keyOf = (k: typeof tomKey) => ({
      accessKeyId: k?.accessKeyId ?? "AKIAMISSING000000000",
      secretAccessKey: k?.secretAccessKey ?? "missing",
    });
    const aishaLeft = github.credentialAuthorizations.filter((a) => a.login === CAST.aisha.login).length;
    const aishaGrants = github.patGrants.filter((g) => g.owner.login === CAST.aisha.login).length;
    const after = [
      probe(
        `Dana Whitfield's key ${CAST.dana.keyId}`,
        await useAccessKey(
          target,
          { accessKeyId: CAST.dana.keyId, secretAccessKey: CAST.dana.secret },
          ATTACKER_IP,
        ),
        "refused",
      ),
      probe(`Tom Brennan's key ${CAST.tom.keyId}`, await useAccessKey(target, keyOf(tomKey)), "refused"),
      probe(
        "Marcus Oyelaran's Cognito refresh token",
        await refreshSession(target, POOL_CLIENT_ID, marcusToken),
        "refused",
      ),
      probe(
        `Aisha Karim's GitHub org access (${CAST.aisha.login})`,
        aishaLeft + aishaGrants === 0
          ? {
              ok: false,
              error: "Revoked",
              message: "no SSO authorization or fine-grained token grant left in the org",
            }
          : {
              ok: true,
              detail: `${aishaLeft} SSO authorization(s) and ${aishaGrants} token grant(s) still live`,
            },
        "refused",
      ),
      probe(
        `Priya Raman's key ${CAST.priya.keyId} (a colleague who stays)`,
        await useAccessKey(target, { accessKeyId: CAST.priya.keyId, secretAccessKey: CAST.priya.secret }),
        "works",
      ),
      probe(
        "Priya Raman's Cognito refresh token",
        await refreshSession(target, POOL_CLIENT_ID, priyaToken),
        "works",
      ),
      probe("break-glass-admin's key (protected)", await useAccessKey(target, keyOf(breakGlassKey)), "works"),
      probe(
        "jsmith's key (weak match: waits for a human)",
        await useAccessKey(target, keyOf(jsmithKey)),
        "works",
      ),
      probe(
        "svc-billing-export (Tom's service user: ticketed, never revoked)",
        await useAccessKey(target, keyOf(sandbox.iam.users.get("svc-billing-export")?.accessKeys[0])),
        "works",
      ),
    ];

    const files = {
      html: join(outDir, "report.html"),
      json: join(outDir, "report.json"),
      story: join(outDir, "story.txt"),
    };
    await writeFile(files.json, formatJsonReport(enforceRun));
    await writeFile(files.html, toHtmlReport(enforceRun));

    const everyone = staff();
    const serviceUsers = [...sandbox.iam.users.values()].filter((u) => u.path.startsWith("/service/")).length;
    const slackNames = new Map(everyone.map((m) => [m.slackId, `${m.first} ${m.last} <${m.email}>`]));
    const storyInput = {
      company: {
        name: "Northwind Analytics",
        staff: everyone.length,
        iamUsers: sandbox.iam.users.size,
        serviceUsers,
        poolUsers: "20,000 customers and 11 staff",
        githubOrg: GITHUB_ORG,
        departuresFile: "departures.csv",
        departed: departureCsv(now).trim().split("\n").length - 1,
      },
      preflight,
      attack,
      before,
      report: toJsonReport(reportRun),
      enforce: toJsonReport(enforceRun),
      slackAfterReport,
      slack: slack.messages.slice(slackAfterReport),
      slackNames,
      securityChannel: SECURITY_CHANNEL,
      tickets: jira.issues,
      ticketHost: jira.host,
      after,
      files: [files.html, files.json, files.story],
    };
    const elapsedMs = performance.now() - started;
    // performance.now() counts from the process's start: loading the TypeScript sources included.
    const processMs = performance.now();
    const plainStory = tellStory({ ...storyInput, elapsedMs, processMs }).join("\n");
    await writeFile(files.story, `${plainStory}\n`);
    if (options.quiet) {
      io.stdout.write(`${files.html}\n${files.json}\n${files.story}\n`);
    } else {
      io.stdout.write(`${tellStory({ ...storyInput, elapsedMs, processMs }, s).join("\n")}\n`);
    }
    const proofs = [attack, ...before, ...after];
    const unexpected = proofs.filter((p) => p.result.ok !== (p.expect === "works"));
    for (const p of unexpected) io.stderr.write(`iam-hygiene demo: unexpected outcome: ${p.label}\n`);
    return unexpected.length === 0 ? EXIT.ok : EXIT.runtimeError;
  } finally {
    // The demo changed its own process's environment only; put it back for anything after it.
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await Promise.all([sandbox.close(), slack.close(), jira.close(), github.close()]);
    await rm(work, { recursive: true, force: true });
  }
}

/** Aisha's grants (and a colleague's, which must stay), with SAML identities linking logins to emails. */
function seedGitHub(github: FakeGitHubOrg): void {
  const aisha = person("aisha");
  const priya = person("priya");
  github.samlIdentities = new Map([
    [CAST.aisha.login, aisha.email],
    ["praman", priya.email],
  ]);
  github.addCredentialAuthorization(CAST.aisha.login, {
    credential_type: "OAuth app token",
    authorized_credential_note: "Northwind CI dashboard",
    credential_accessed_at: new Date(Date.now() - 2 * 86_400_000).toISOString(),
  });
  github.addCredentialAuthorization(CAST.aisha.login, { credential_type: "personal access token" });
  github.addPatGrant(CAST.aisha.login);
  github.addCredentialAuthorization("praman", { credential_type: "personal access token" });
}
