import { CredentialDriftError, RotationError, RotationInProgress } from "../../lambda-src/errors";
import { describeError, redact } from "../../lambda-src/redact";

describe("redact", () => {
  const secret = "p@ss w/rd!'(x)*\"\\";

  it("removes a secret plain, URL-encoded (both ways), and JSON-escaped", () => {
    const text = [
      secret,
      encodeURIComponent(secret),
      "p%40ss%20w%2Frd%21%27%28x%29%2A%22%5C",
      JSON.stringify({ v: secret }),
    ].join(" | ");
    const result = redact(text, [secret]);
    expect(result).not.toContain("p@ss");
    expect(result).not.toContain("p%40ss");
    expect(result).toBe(`[REDACTED] | [REDACTED] | [REDACTED] | {"v":"[REDACTED]"}`);
  });

  it("removes every occurrence of every secret, longest first", () => {
    expect(redact("a=Secret-1 b=Secret-12 c=Secret-1", ["Secret-1", "Secret-12"])).toBe(
      "a=[REDACTED] b=[REDACTED] c=[REDACTED]",
    );
  });

  it("ignores undefined and empty secrets", () => {
    expect(redact("nothing to hide", [undefined, ""])).toBe("nothing to hide");
  });
});

describe("describeError", () => {
  it("keeps name and code, drops the secret", () => {
    const error = Object.assign(new Error("bad value Hunter2-Hunter2"), { code: "E42" });
    expect(describeError(error, ["Hunter2-Hunter2"])).toBe("Error E42: bad value [REDACTED]");
  });
});

describe("RotationError", () => {
  it("says the step, the problem, the state left and the next action", () => {
    const error = new RotationError({
      step: "verify",
      kind: "verify-failed",
      problem: "the database rejects the new password",
      stateLeft: "pending holds the staged password",
      action: "re-run",
      cause: "28P01",
    });
    expect(error.message).toBe(
      'Rotation failed at step "verify": the database rejects the new password (cause: 28P01). ' +
        "State left: pending holds the staged password. Next: re-run",
    );
    expect(error).toMatchObject({ step: "verify", kind: "verify-failed", name: "RotationError" });
  });

  it("CredentialDriftError is a RotationError of kind credential-drift", () => {
    const error = new CredentialDriftError({
      step: "recover",
      kind: "credential-drift",
      problem: "credential drift",
      stateLeft: "nothing changed",
      action: "fix",
    });
    expect(error).toBeInstanceOf(RotationError);
    expect(error.kind).toBe("credential-drift");
    expect(error.name).toBe("CredentialDriftError");
  });

  it("RotationInProgress says who holds the lease and until when", () => {
    expect(new RotationInProgress("req-1", "2025-01-01T00:00:00.000Z").message).toBe(
      "rotation in progress by req-1 until 2025-01-01T00:00:00.000Z",
    );
  });
});
