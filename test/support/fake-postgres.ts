/**
 * An impostor PostgreSQL server on 127.0.0.1: it accepts the SSLRequest, completes TLS with
 * its own certificate (made with the test PKI, for DNS:localhost), reads the startup message
 * and then asks for the password the way a downgrading impostor would. It records every byte
 * it receives (before and inside TLS) so a test can prove no spelling of a password reached
 * it. After the authentication it claims success and answers any query with the user name
 * of the startup message, so a client without a guard would believe it logged in.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { createTestPki } from "./pki";

/** What the impostor asks for after the startup message. */
export type ImpostorBehaviour =
  /** AuthenticationCleartextPassword (R, 3). */
  | "cleartext"
  /** AuthenticationMD5Password (R, 5) with a salt. */
  | "md5"
  /** AuthenticationOk (R, 0) at once, without any exchange. */
  | "ok-without-scram"
  /** AuthenticationSASL offering SCRAM-SHA-256 only (no channel binding), then a bogus final. */
  | "scram-without-binding"
  /** A full SCRAM exchange whose server signature is wrong, then AuthenticationOk. */
  | "scram-wrong-signature";

export interface FakePostgres {
  readonly host: string;
  readonly port: number;
  /** The CA that signed the impostor's certificate (for verify-full tests). */
  readonly caFile: string;
  /** Every byte received, on every connection, TLS payload decrypted. */
  received(): Buffer;
  /** How many connections completed the startup message. */
  startups(): number;
  close(): Promise<void>;
}

export const MD5_SALT = Buffer.from([1, 2, 3, 4]);

/** Every form a password could take on the wire, as the fake server would see it. */
export function passwordSpellings(password: string, user: string): string[] {
  const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("hex");
  const inner = md5(password + user);
  return [
    password,
    encodeURIComponent(password),
    Buffer.from(password).toString("base64"),
    Buffer.from(password).toString("hex"),
    inner,
    `md5${md5(Buffer.concat([Buffer.from(inner), MD5_SALT]))}`,
  ];
}

function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (s: string) => Buffer.from(`${s}\0`);
const auth = (code: number, rest: Buffer = Buffer.alloc(0)) =>
  message("R", Buffer.concat([int32(code), rest]));

/** AuthenticationOk, BackendKeyData, ReadyForQuery: what a server sends once logged in. */
const LOGGED_IN = Buffer.concat([
  auth(0),
  message("K", Buffer.concat([int32(4242), int32(1)])),
  message("Z", Buffer.from("I")),
]);

/** One query's answer: a text column per name, each holding `value`. */
function rows(columns: readonly string[], value: string): Buffer {
  const description = Buffer.concat([
    Buffer.from([0, columns.length]),
    ...columns.map(
      (c) =>
      Buffer.concat([cstring(c), int32(0), Buffer.from([0, 0]), int32(25), Buffer.from([255, 255]), int32(-1), Buffer.from([0, 0])]), // prettier-ignore
    ),
  ]);
  const data = Buffer.concat([
    Buffer.from([0, columns.length]),
    ...columns.map(() => Buffer.concat([int32(Buffer.byteLength(value)), Buffer.from(value)])),
  ]);
  return Buffer.concat([
    message("T", description),
    message("D", data),
    message("C", cstring("SELECT 1")),
    message("Z", Buffer.from("I")),
  ]);
}

/** Reads length-prefixed messages; the startup message has no type byte. */
class Reader {
  private buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (type: string, body: Buffer) => void) {}
  private typed = false;
  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const header = this.typed ? 5 : 4;
      if (this.buffer.length < header) return;
      const length = this.buffer.readInt32BE(header - 4);
      const total = length + header - 4;
      if (this.buffer.length < total) return;
      const type = this.typed ? String.fromCharCode(this.buffer[0] ?? 0) : "startup";
      this.onMessage(type, this.buffer.subarray(header, total));
      this.buffer = this.buffer.subarray(total);
      this.typed = true;
    }
  }
}

function startupUser(body: Buffer): string {
  const parts = body.subarray(4).toString("utf8").split("\0");
  const at = parts.indexOf("user");
  return at >= 0 ? (parts[at + 1] ?? "") : "";
}

function speak(tls: TLSSocket, behaviour: ImpostorBehaviour, onStartup: () => void): void {
  let user = "";
  const reader = new Reader((type, body) => {
    if (type === "startup") {
      user = startupUser(body);
      onStartup();
      if (behaviour === "cleartext") tls.write(auth(3));
      else if (behaviour === "md5") tls.write(auth(5, MD5_SALT));
      else if (behaviour === "ok-without-scram") tls.write(LOGGED_IN);
      else {
        const offered =
          behaviour === "scram-without-binding" ? ["SCRAM-SHA-256"] : ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]; // prettier-ignore
        tls.write(auth(10, Buffer.concat([...offered.map(cstring), Buffer.from([0])])));
      }
    } else if (type === "p" && body.includes(Buffer.from("r="))) {
      if (body.toString("latin1").includes(",p=")) {
        // The client's final message (it carries the proof): answer with a wrong signature.
        const bogus = Buffer.alloc(32, 7).toString("base64");
        tls.write(Buffer.concat([auth(12, Buffer.from(`v=${bogus}`)), LOGGED_IN]));
      } else {
        const nonce = /r=([^,\0]+)/.exec(body.toString("latin1"))?.[1] ?? "";
        const salt = Buffer.alloc(16, 1).toString("base64");
        tls.write(auth(11, Buffer.from(`r=${nonce}impostor,s=${salt},i=4096`)));
      }
    } else if (type === "p") {
      // A password message (cleartext or MD5): claim success.
      tls.write(LOGGED_IN);
    } else if (type === "Q") {
      const both = body.toString("utf8").includes("session_user");
      tls.write(rows(both ? ["session_user", "current_user"] : ["current_user"], user));
    } else if (type === "X") {
      tls.end();
    }
  });
  tls.on("data", (chunk: Buffer) => reader.push(chunk));
}

export async function startFakePostgres(behaviour: ImpostorBehaviour): Promise<FakePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "fake-pg-"));
  const pki = createTestPki(dir);
  const key = readFileSync(pki.serverKeyFile);
  const cert = readFileSync(pki.serverCertFile);
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let startups = 0;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    // The SSLRequest (8 bytes), in the clear; anything else is recorded and ignored.
    socket.once("data", (first: Buffer) => {
      chunks.push(first);
      socket.write("S");
      const tls = new TLSSocket(socket, { isServer: true, key, cert });
      tls.on("error", () => undefined);
      tls.on("data", (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
      speak(tls, behaviour, () => startups++);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake server: no port");

  return {
    host: "localhost",
    port: address.port,
    caFile: pki.caFile,
    received: () => Buffer.concat(chunks),
    startups: () => startups,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
