/**
 * The SASL mechanisms the guard accepts (lambda-src/db/auth-guard.ts); the exchanges
 * themselves are tested against an impostor server in test/integration/impostor.test.ts.
 */
import { saslProblem } from "../../../lambda-src/db/auth-guard";

describe("saslProblem", () => {
  it("verify-full accepts SCRAM-SHA-256 with or without channel binding", () => {
    expect(saslProblem(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], "verify-full")).toBeUndefined();
    expect(saslProblem(["SCRAM-SHA-256"], "verify-full")).toBeUndefined();
  });

  it("require demands channel binding: the certificate is not verified", () => {
    expect(saslProblem(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], "require")).toBeUndefined();
    expect(saslProblem(["SCRAM-SHA-256"], "require")).toMatch(
      /without channel binding \(SCRAM-SHA-256-PLUS\).*"require"/,
    );
  });

  it("refuses a SASL request without SCRAM-SHA-256, naming what was offered", () => {
    expect(saslProblem(["OAUTHBEARER"], "verify-full")).toMatch(/only .*OAUTHBEARER/);
    expect(saslProblem([], "verify-full")).toMatch(/\(none\)/);
  });
});
