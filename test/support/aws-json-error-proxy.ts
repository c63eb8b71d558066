/**
 * A pass-through HTTP proxy in front of an IAM-enforcing moto that fixes one emulator gap:
 * moto 5.2.5 answers an IAM denial with a query-protocol XML body and a text/html content
 * type, even to JSON-protocol services such as SSM and ECS, so the AWS SDK fails with a
 * SyntaxError instead of raising AccessDeniedException. Real AWS answers JSON-protocol
 * requests with a JSON error ({"__type": "AccessDeniedException", ...}); this proxy rewrites
 * exactly those responses into that shape and forwards everything else byte for byte.
 * The request (including its Host header, part of the SigV4 signature) is forwarded as is.
 */
import { createServer, request, type ClientRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** Query-protocol error codes and the names JSON-protocol services use for them. */
const JSON_ERROR_NAMES: Readonly<Record<string, string>> = {
  AccessDenied: "AccessDeniedException",
  InvalidClientTokenId: "UnrecognizedClientException",
};

export interface JsonErrorProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

function asJsonError(xml: string): { type: string; body: string } | undefined {
  const code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? "";
  if (!code) return undefined;
  const type = JSON_ERROR_NAMES[code] ?? code;
  return { type, body: JSON.stringify({ __type: type, message }) };
}

/** Sends `clientRequest` (already read into `body`) on to `upstream` unchanged, headers and all. */
export function forward(
  upstream: URL,
  clientRequest: IncomingMessage,
  body: Buffer,
): ClientRequest {
  const forwarded = request({
    host: upstream.hostname,
    port: upstream.port,
    method: clientRequest.method,
    path: clientRequest.url,
    headers: clientRequest.headers,
  });
  forwarded.end(body);
  return forwarded;
}

export async function startJsonErrorProxy(target: string): Promise<JsonErrorProxy> {
  const upstream = new URL(target);
  const server = createServer((clientRequest, clientResponse) => {
    void (async () => {
      const forwarded = forward(upstream, clientRequest, await readAll(clientRequest));
      forwarded.on("response", (response) => {
        void (async () => {
          const payload = await readAll(response);
          const isJsonProtocol = clientRequest.headers["x-amz-target"] !== undefined;
          const rewritten =
            isJsonProtocol && response.statusCode === 403 && payload.includes("<ErrorResponse")
              ? asJsonError(payload.toString("utf8"))
              : undefined;
          if (rewritten) {
            clientResponse.writeHead(403, {
              "content-type": "application/x-amz-json-1.1",
              "x-amzn-errortype": rewritten.type,
              "content-length": Buffer.byteLength(rewritten.body),
            });
            clientResponse.end(rewritten.body);
          } else {
            clientResponse.writeHead(response.statusCode ?? 502, response.headers);
            clientResponse.end(payload);
          }
        })();
      });
      forwarded.on("error", (error) => {
        clientResponse.writeHead(502, { "content-type": "text/plain" });
        clientResponse.end(`proxy: ${error.message}`);
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Keep-alive sockets from SDK clients must not hold a finished test process open.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
