import { parseAdminCredentials } from "../../../../lambda-src/strategies/alternating-users/admin-credentials";
import { RotationError } from "../../../../lambda-src/errors";

const PARAMETER = "/app/db/admin";
const SECRET = "Adm1n-secret!";

function errorOf(text: string): RotationError {
  try {
    parseAdminCredentials(PARAMETER, text);
  } catch (error) {
    expect(error).toBeInstanceOf(RotationError);
    return error as RotationError;
  }
  throw new Error("expected a RotationError");
}

describe("parseAdminCredentials", () => {
  it("reads {username, password}", () => {
    expect(
      parseAdminCredentials(PARAMETER, JSON.stringify({ username: "master", password: SECRET })),
    ).toEqual({ username: "master", password: SECRET });
  });

  it("accepts the extra keys an RDS or Secrets Manager secret carries", () => {
    const text = JSON.stringify({ username: "master", password: SECRET, engine: "postgres" });
    expect(parseAdminCredentials(PARAMETER, text).username).toBe("master");
  });

  it.each([
    ["a bare password", SECRET, "not JSON"],
    ["no password", JSON.stringify({ username: "master" }), "password"],
    ["an empty username", JSON.stringify({ username: "", password: SECRET }), "username"],
    [
      "a password with a trailing newline",
      JSON.stringify({ username: "master", password: `${SECRET}\n` }),
      "password",
    ],
  ])("rejects %s, naming the parameter and the field, never the value", (_case, text, field) => {
    const error = errorOf(text);
    expect(error.kind).toBe("parameter-malformed");
    expect(error.message).toContain(PARAMETER);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain(SECRET);
    expect(error.action).toContain('{"username"');
  });
});
