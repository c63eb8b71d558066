import { createServer } from "node:net";

/**
 * A TCP port that was free a moment ago on 127.0.0.1. The kernel picks it; the tiny race
 * until the caller binds it is acceptable for a test harness (a collision fails loudly).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}
