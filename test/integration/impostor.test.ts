/**
 * docs/design.md §Invariants 6: only SCRAM-SHA-256 ever sees a password. An impostor on the
 * network path (test/support/fake-postgres.ts, a TLS server that asks for the password in
 * cleartext, for an MD5 hash, or says "OK" without SCRAM) receives no spelling of any
 * password, the whole handler publishes nothing, and the error names the server's behaviour.
 * The real cluster (scram-sha-256 over TLS) still logs in, with channel binding.
 */
import { loadConfig } from "../../lambda-src/config";
import { createPostgres } from "../../lambda-src/db/postgres";
import {
  passwordSpellings,
  startFakePostgres,
  type FakePostgres,
  type ImpostorBehaviour,
} from "../support/fake-postgres";
import {
  expectNothingChanged,
  expectRotationError,
  rotateExpectingFailure,
  setUp,
} from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { testPassword } from "./support/scenario";

jest.setTimeout(60_000);

useCapturedOutput();

const servers: FakePostgres[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function impostor(behaviour: ImpostorBehaviour): Promise<FakePostgres> {
  const server = await startFakePostgres(behaviour);
  servers.push(server);
  return server;
}

function dbConfig(server: FakePostgres, tlsMode: "verify-full" | "require") {
  return loadConfig({
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_USER: "app",
    DB_TLS_MODE: tlsMode,
    DB_CA_BUNDLE_FILE: tlsMode === "verify-full" ? server.caFile : "",
    DB_CONNECT_TIMEOUT_MS: "3000",
    PASSWORD_PARAMETER: "/impostor/password",
  }).db;
}

function expectNoPassword(server: FakePostgres, password: string, user: string): void {
  expect(server.startups()).toBeGreaterThan(0);
  const received = server.received().toString("latin1");
  for (const spelling of passwordSpellings(password, user)) {
    expect(received).not.toContain(spelling);
  }
}

const BEHAVIOUR_SHOWN: Record<ImpostorBehaviour, RegExp> = {
  cleartext: /asked for the password in cleartext \(AuthenticationCleartextPassword\)/,
  md5: /asked for an MD5 hash of the password \(AuthenticationMD5Password\)/,
  "ok-without-scram": /AuthenticationOk without completing SCRAM-SHA-256/,
  "scram-without-binding": /without channel binding \(SCRAM-SHA-256-PLUS\)/,
  "scram-wrong-signature": /server signature does not match/,
};

describe("the db adapter refuses an impostor before sending the password", () => {
  const cases: ReadonlyArray<[ImpostorBehaviour, "verify-full" | "require"]> = [
    ["cleartext", "require"],
    ["md5", "require"],
    ["ok-without-scram", "require"],
    ["scram-without-binding", "require"],
    ["scram-wrong-signature", "require"],
    // A server with a trusted certificate (a compromised or misconfigured one) gets no more.
    ["cleartext", "verify-full"],
    ["md5", "verify-full"],
    ["ok-without-scram", "verify-full"],
  ];

  it.each(cases)("%s, TLS %s", async (behaviour, tlsMode) => {
    const server = await impostor(behaviour);
    const password = testPassword();

    const login = await createPostgres(dbConfig(server, tlsMode)).canLogin("app", password);

    expect(login).toMatchObject({ kind: "unreachable", problem: "insecure-authentication" });
    expect(login.kind === "accepted" ? "" : login.detail).toMatch(BEHAVIOUR_SHOWN[behaviour]);
    expectNoPassword(server, password, "app");
  });
});

describe("the whole handler against an impostor: nothing staged or published", () => {
  it.each<ImpostorBehaviour>(["cleartext", "md5", "ok-without-scram", "scram-without-binding"])(
    "%s in TLS mode require",
    async (behaviour) => {
      const server = await impostor(behaviour);
      const { s, before, mark } = await setUp();
      const env = {
        ...s.env,
        DB_HOST: server.host,
        DB_PORT: String(server.port),
        DB_TLS_MODE: "require",
        DB_CA_BUNDLE_FILE: "",
      };

      const error = await rotateExpectingFailure(env);

      const failure = expectRotationError(error, "insecure-authentication", "read");
      expect(failure.message).toMatch(BEHAVIOUR_SHOWN[behaviour]);
      expect(failure.message).toContain(`localhost:${server.port}`);
      expectNoPassword(server, s.initialPassword, s.role);
      await expectNothingChanged(s, before, mark);
    },
  );
});

describe("the real cluster (scram-sha-256 over TLS) still logs in", () => {
  // pg's SCRAM module, as client.js calls it (a property read at each call, so a spy sees it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module has no types
  const sasl = require("pg/lib/crypto/sasl") as { startSession: (...args: unknown[]) => unknown };

  afterEach(() => jest.restoreAllMocks());

  it.each(["verify-full", "require"] as const)("TLS %s, with channel binding", async (tlsMode) => {
    const { s } = await setUp({ services: 0, databaseUrl: false });
    const db = loadConfig({ ...s.env, DB_TLS_MODE: tlsMode }).db;
    const startSession = jest.spyOn(sasl, "startSession");

    const login = await createPostgres(db).canLogin(s.role, s.initialPassword);

    expect(login).toEqual({ kind: "accepted", currentUser: s.role });
    expect(startSession).toHaveBeenCalledTimes(1);
    expect(startSession.mock.results[0]?.value).toMatchObject({ mechanism: "SCRAM-SHA-256-PLUS" });
  });
});
