/**
 * Runs the real `iam-hygiene` executable as a child process, the way a user or a CI job does,
 * against a sandbox started by the test, and gives back its exit code and output.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Sandbox, Scenario } from "../../sandbox/index.ts";

/** The package's `bin`, as `npx iam-hygiene` runs it. */
export const BIN = resolve(import.meta.dirname, "../../bin/iam-hygiene.js");

/** What a run printed and how it ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a child: no AWS settings of the test runner's own, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("AWS_") && key !== "DEBUG") env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `iam-hygiene ...args` in `cwd` and waits for it to exit. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: options.env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? -1 : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `iam-hygiene ...args` and resolves once `ready` appears on stdout; the caller stops it. */
export function startCli(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; ready: RegExp },
): Promise<{ output: () => string; stop: (signal?: NodeJS.Signals) => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`not ready within 30 s: ${out}${err}`));
    }, 30_000);
    const check = () => {
      if (options.ready.test(out)) {
        clearTimeout(timer);
        resolveStart({
          output: () => out,
          stop: async (signal = "SIGINT") => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready: ${out}${err}`));
    });
  });
}

/** A fresh working directory with these files in it. */
export async function workDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "iam-hygiene-cli-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const DAY = 86_400_000;

/**
 * A small account: ten staff tagged with their email, one service user. Alice left ten days
 * ago and her key was used yesterday (critical); the others are clean.
 */
export function smallCompany(now = Date.now()): { scenario: Scenario; departures: string } {
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  const names = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy"];
  return {
    scenario: {
      accountId: "111122223333",
      iam: {
        users: [
          ...names.map((name, i) => ({
            userName: name,
            path: "/staff/",
            tags: { email: `${name}@corp.example` },
            createdAt: at(300),
            accessKeys: [
              {
                id: `AKIA${name.toUpperCase().padEnd(16, "0")}`,
                status: "Active" as const,
                createdAt: at(30 + i),
                lastUsedAt: at(name === "alice" ? 1 : 2),
                lastUsedService: "s3",
              },
            ],
          })),
          {
            userName: "svc-reports",
            path: "/service/",
            tags: { owner: "bob@corp.example" },
            createdAt: at(300),
            accessKeys: [
              { status: "Active" as const, createdAt: at(20), lastUsedAt: at(1), lastUsedService: "s3" },
            ],
          },
        ],
      },
    },
    departures: `email,name,departed_at\nalice@corp.example,Alice Archer,${at(10)}\n`,
  };
}

/** The environment that points a child's AWS SDK at `sandbox`. */
export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return childEnv({ ...sandbox.env(), ...extra });
}
