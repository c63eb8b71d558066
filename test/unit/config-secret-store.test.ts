/**
 * SECRET_STORE: "ssm" (default) needs the password parameter; "secretsmanager" needs the
 * secret's ARN instead (and, for alternating-users, the administrative secret's), refuses the
 * SSM-only settings it would ignore, and names the Terraform variable of each fix.
 */
import { loadConfig } from "../../lambda-src/config";
import { MINIMAL, problemsOf } from "./config-problems";

const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf";
const ADMIN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-master-Zy12Xw";
const { PASSWORD_PARAMETER: _unused, ...WITHOUT_PASSWORD } = MINIMAL;
const SM = { ...WITHOUT_PASSWORD, SECRET_STORE: "secretsmanager", SECRET_ARN: SECRET };

test("the default store is ssm", () => {
  expect(loadConfig(MINIMAL).secretStore).toEqual({ kind: "ssm" });
});

test("secretsmanager needs no password parameter, only the secret", () => {
  expect(loadConfig(SM).secretStore).toEqual({
    kind: "secretsmanager",
    secretArn: SECRET,
    adminSecretArn: undefined,
  });
});

test("ssm without a password parameter names the key and variable", () => {
  expect(problemsOf(WITHOUT_PASSWORD)).toEqual([
    expect.stringMatching(
      /^PASSWORD_PARAMETER is required when SECRET_STORE is "ssm".*password_parameter_name/,
    ),
  ]);
});

test("secretsmanager without SECRET_ARN, or with a partial ARN, is refused naming secret_arn", () => {
  expect(problemsOf({ ...SM, SECRET_ARN: "" })).toEqual([
    expect.stringMatching(/^SECRET_ARN is required .*secret_arn/),
  ]);
  expect(problemsOf({ ...SM, SECRET_ARN: "app/db" })).toEqual([
    expect.stringMatching(/^SECRET_ARN must be a Secrets Manager secret's full ARN.*secret_arn/),
  ]);
});

test("alternating-users with secretsmanager needs ADMIN_SECRET_ARN (not ADMIN_PARAMETER), a different secret", () => {
  const alternating = { ...SM, ROTATION_STRATEGY: "alternating-users" };
  expect(problemsOf(alternating)).toEqual([
    expect.stringMatching(/^ADMIN_SECRET_ARN is required .*admin_secret_arn/),
  ]);
  expect(problemsOf({ ...alternating, ADMIN_SECRET_ARN: SECRET })).toEqual([
    expect.stringMatching(/^ADMIN_SECRET_ARN must differ from SECRET_ARN/),
  ]);
  const config = loadConfig({ ...alternating, ADMIN_SECRET_ARN: ADMIN });
  expect(config.strategy).toMatchObject({ kind: "alternating-users", adminParameter: ADMIN });
});

test.each([
  ["PENDING_PARAMETER", "/app/db/pending"],
  ["DATABASE_URL_PARAMETER", "/app/db/url"],
  ["USERNAME_PARAMETER", "/app/db/user"],
  ["ADMIN_PARAMETER", "/app/db/admin"],
  ["KMS_KEY_ID", "alias/x"],
])("secretsmanager refuses the SSM-only %s it would ignore", (key, value) => {
  expect(problemsOf({ ...SM, [key]: value })).toEqual([
    expect.stringMatching(
      new RegExp(`^${key} must be unset when SECRET_STORE is "secretsmanager"`),
    ),
  ]);
});
