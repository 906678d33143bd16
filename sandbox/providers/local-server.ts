/**
 * The HTTP plumbing the provider fakes share: a server on 127.0.0.1 and a free port, its base
 * URL, and a close that does not wait for keep-alive connections. A handler that throws answers
 * 500 with the error, so a fake's bug shows in the client's error instead of hanging the test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class LocalServer {
  private constructor(private readonly server: Server) {}

  /** Listens on 127.0.0.1 and a free port; every request goes to `handle`. */
  static async listen(
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): Promise<LocalServer> {
    const server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new LocalServer(server);
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }
}
