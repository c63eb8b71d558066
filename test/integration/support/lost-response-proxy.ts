/**
 * A pass-through HTTP proxy in front of the moto server that loses one response: the first
 * request matching `lose` reaches moto (and takes effect there), then the client's socket is
 * destroyed instead of answered, as a network failure after the server committed would. The
 * AWS SDK sees a connection reset and retries, as it does in production.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { forward, readAll } from "../../support/aws-json-error-proxy";

export interface LostResponseProxy {
  readonly endpoint: string;
  /** How many responses were lost (0 or 1). */
  readonly lost: number;
  stop(): Promise<void>;
}

/** Which request loses its response: its X-Amz-Target header and JSON body. */
export type LoseWhen = (target: string, body: Record<string, unknown>) => boolean;

const parseBody = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export async function startLostResponseProxy(
  target: string,
  lose: LoseWhen,
): Promise<LostResponseProxy> {
  const upstream = new URL(target);
  let lost = 0;
  const server = createServer((clientRequest, clientResponse) => {
    void (async () => {
      const body = await readAll(clientRequest);
      const amzTarget = String(clientRequest.headers["x-amz-target"] ?? "");
      const loseThis = lost === 0 && lose(amzTarget, parseBody(body));
      const forwarded = forward(upstream, clientRequest, body);
      forwarded.on("response", (response) => {
        if (loseThis) {
          lost += 1;
          response.resume();
          response.on("end", () => clientRequest.socket.destroy());
          return;
        }
        clientResponse.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(clientResponse);
      });
      forwarded.on("error", () => clientRequest.socket.destroy());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get lost() {
      return lost;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
