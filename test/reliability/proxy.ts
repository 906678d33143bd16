/**
 * A counting HTTP proxy in front of the sandbox, on 127.0.0.1: every request is forwarded
 * unchanged, and each IAM write that the sandbox answered 200 is recorded with its target
 * (access key id, user name), so a test can say "this key was deactivated exactly once" even
 * when the SDK retried around faults. A request the sandbox dropped is dropped here too.
 *
 * It can also hold one request back before forwarding it (`holdNext`): a request that the
 * client has sent and that is still in the network, which lands even if the client dies.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One IAM write the sandbox accepted. */
export interface AppliedWrite {
  readonly action: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly status?: string;
  /** When the proxy received the request and when the sandbox answered it (epoch ms). */
  readonly receivedAtMs: number;
  readonly answeredAtMs: number;
  /**
   * The SDK's `amz-sdk-invocation-id`: the same on every attempt of one command, so the SDK's
   * re-sends of one call (after a lost answer) can be told from a second call.
   */
  readonly invocationId?: string;
}

/** A request the proxy holds back: what it is, and when it arrived (epoch ms). */
export interface HeldRequest {
  readonly action: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly receivedAtMs: number;
}

/** IAM actions that change state. */
export const IAM_WRITE_ACTION = /^(Update|Delete|Put|Create|Attach|Detach|Upload|Enable|Deactivate|Tag)/;

interface Hold {
  readonly action: string;
  readonly ms: number;
  readonly resolve: (held: HeldRequest) => void;
}

/** A running proxy. */
export class CountingProxy {
  readonly applied: AppliedWrite[] = [];
  readonly #server: Server;
  #hold: Hold | undefined;
  #inFlight = 0;

  private constructor(target: URL) {
    this.#server = createServer((req, res) => {
      const receivedAtMs = Date.now();
      this.#inFlight++;
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          this.#inFlight--;
        }
      };
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const forward = () => {
          const upstream = request(
            {
              host: target.hostname,
              port: target.port,
              method: req.method,
              path: req.url,
              headers: req.headers,
            },
            (answer: IncomingMessage) => {
              if (answer.statusCode === 200) this.#record(req, body, receivedAtMs);
              // The client may be gone (killed): the write has landed all the same.
              if (res.destroyed) {
                answer.resume();
                answer.on("end", settle);
              } else {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
                answer.on("end", settle);
              }
              answer.on("error", settle);
            },
          );
          upstream.on("error", () => {
            settle();
            req.socket.destroy();
          });
          upstream.end(body);
        };
        const held = this.#takeHold(req, body, receivedAtMs);
        if (held) setTimeout(forward, held.ms);
        else forward();
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

  /**
   * Holds the next IAM query request with this `Action` for `ms` before forwarding it. The
   * promise settles when that request has arrived (and is being held).
   */
  holdNext(action: string, ms: number): Promise<HeldRequest> {
    return new Promise((resolve) => {
      this.#hold = { action, ms, resolve };
    });
  }

  /** Requests received and not yet answered by the sandbox (held ones included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Waits until every request received so far has been answered (or `timeoutMs` passed). */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight > 0 && Date.now() < deadline) await sleep(10);
    return this.#inFlight === 0;
  }

  /**
   * Calls of `action` the sandbox applied, per target (access key id, else user name). The
   * attempts of one SDK call (one `amz-sdk-invocation-id`) count once: when an answer is lost
   * after the write landed, the SDK sends it again, and the sandbox applies a no-op (a key
   * deactivated again); a second call would be the scanner doing the work twice. With
   * `requests`, every applied request counts.
   */
  perTarget(action: string, options: { requests?: boolean } = {}): Map<string, number> {
    const calls = new Map<string, Set<string>>();
    this.applied.forEach((w, i) => {
      if (w.action !== action) return;
      const target = w.accessKeyId ?? w.userName ?? "?";
      const call = options.requests || w.invocationId === undefined ? `request ${i}` : w.invocationId;
      calls.set(target, (calls.get(target) ?? new Set()).add(call));
    });
    return new Map([...calls].map(([target, ids]) => [target, ids.size]));
  }

  reset(): void {
    this.applied.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }

  #takeHold(req: IncomingMessage, body: Buffer, receivedAtMs: number): Hold | undefined {
    const hold = this.#hold;
    if (!hold) return undefined;
    const form = formOf(req, body);
    if (form?.get("Action") !== hold.action) return undefined;
    this.#hold = undefined;
    hold.resolve({
      action: hold.action,
      ...(form.get("AccessKeyId") ? { accessKeyId: form.get("AccessKeyId")! } : {}),
      ...(form.get("UserName") ? { userName: form.get("UserName")! } : {}),
      receivedAtMs,
    });
    return hold;
  }

  #record(req: IncomingMessage, body: Buffer, receivedAtMs: number): void {
    const form = formOf(req, body);
    const action = form?.get("Action");
    if (!form || !action || !IAM_WRITE_ACTION.test(action)) return;
    this.applied.push({
      action,
      ...(form.get("AccessKeyId") ? { accessKeyId: form.get("AccessKeyId")! } : {}),
      ...(form.get("UserName") ? { userName: form.get("UserName")! } : {}),
      ...(form.get("Status") ? { status: form.get("Status")! } : {}),
      receivedAtMs,
      answeredAtMs: Date.now(),
      ...(typeof req.headers["amz-sdk-invocation-id"] === "string"
        ? { invocationId: req.headers["amz-sdk-invocation-id"] }
        : {}),
    });
  }
}

/** The form of an AWS query request (IAM, STS), or `undefined` for anything else. */
function formOf(req: IncomingMessage, body: Buffer): URLSearchParams | undefined {
  if (!String(req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded"))
    return undefined;
  return new URLSearchParams(body.toString("utf8"));
}
