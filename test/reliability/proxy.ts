/**
 * A counting HTTP proxy in front of the sandbox, on 127.0.0.1: every request is forwarded
 * unchanged, and each IAM write that the sandbox answered 200 is recorded with its target
 * (access key id, user name), so a test can say "this key was deactivated exactly once" even
 * when the SDK retried around faults. A request the sandbox dropped is dropped here too.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One IAM write the sandbox accepted. */
export interface AppliedWrite {
  readonly action: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly status?: string;
}

/** IAM actions that change state. */
export const IAM_WRITE_ACTION = /^(Update|Delete|Put|Create|Attach|Detach|Upload|Enable|Deactivate|Tag)/;

/** A running proxy. */
export class CountingProxy {
  readonly applied: AppliedWrite[] = [];
  readonly #server: Server;

  private constructor(target: URL) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer: IncomingMessage) => {
            if (answer.statusCode === 200) this.#record(req, body);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on("error", () => req.socket.destroy());
        upstream.end(body);
      });
    });
  }

  /** Starts a proxy to `targetEndpoint` (`http://127.0.0.1:PORT`). */
  static async start(targetEndpoint: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(new URL(targetEndpoint));
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Applied writes of `action` per target (access key id, else user name). */
  perTarget(action: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const w of this.applied) {
      if (w.action !== action) continue;
      const target = w.accessKeyId ?? w.userName ?? "?";
      out.set(target, (out.get(target) ?? 0) + 1);
    }
    return out;
  }

  reset(): void {
    this.applied.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }

  #record(req: IncomingMessage, body: Buffer): void {
    if (!String(req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) return;
    const form = new URLSearchParams(body.toString("utf8"));
    const action = form.get("Action");
    if (!action || !IAM_WRITE_ACTION.test(action)) return;
    this.applied.push({
      action,
      ...(form.get("AccessKeyId") ? { accessKeyId: form.get("AccessKeyId")! } : {}),
      ...(form.get("UserName") ? { userName: form.get("UserName")! } : {}),
      ...(form.get("Status") ? { status: form.get("Status")! } : {}),
    });
  }
}
