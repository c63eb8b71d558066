import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_EXCLUDED_CHARACTERS, loadConfig } from "../../lambda-src/config";
import { MINIMAL, problemsOf } from "./config-problems";

describe("loadConfig", () => {
  it("fills every default from a minimal environment", () => {
    const config = loadConfig(MINIMAL);
    expect(config.db).toEqual({
      host: "db.example",
      port: 5432,
      database: "postgres",
      user: "app",
      tlsMode: "verify-full",
      caBundle: undefined,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10000,
    });
    expect(config.parameters).toEqual({
      password: "/app/db/password",
      pending: "/app/db/password-pending",
      refreshState: "/rds-secret-rotation/rds-secret-rotation/refresh",
      databaseUrl: undefined,
      databaseUrlTemplate:
        "postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=verify-full",
      kmsKeyId: undefined,
    });
    expect(config.passwordPolicy).toEqual({
      length: 32,
      excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS,
    });
    expect(config.ecs).toEqual({ cluster: undefined, services: [] });
  });

  it("excludes by default the characters that break URLs, shells and .env files", () => {
    for (const c of ["/", "@", '"', "'", "\\", ":", "`", " ", "$", "#"]) {
      expect(DEFAULT_EXCLUDED_CHARACTERS).toContain(c);
    }
  });

  it("treats blank optional settings as unset, which is what Terraform writes for null", () => {
    const config = loadConfig({ ...MINIMAL, PENDING_PARAMETER: "", DB_PORT: " ", KMS_KEY_ID: "" });
    expect(config.parameters.pending).toBe("/app/db/password-pending");
    expect(config.db.port).toBe(5432);
    expect(config.parameters.kmsKeyId).toBeUndefined();
  });

  it("splits the ECS service list", () => {
    const config = loadConfig({ ...MINIMAL, ECS_CLUSTER: "main", ECS_SERVICES: " web, worker ,," });
    expect(config.ecs.services).toEqual(["web", "worker"]);
  });

  it("names every missing required variable and the module variable that fixes it", () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DB_HOST is required.*fix: set the module variable `db_host`/),
        expect.stringMatching(/^DB_USER is required.*`db_username`/),
        expect.stringMatching(/^PASSWORD_PARAMETER .*`password_parameter_name`/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it("never falls back to plaintext: an unknown TLS mode is an error", () => {
    const [problem] = problemsOf({ ...MINIMAL, DB_TLS_MODE: "disable" });
    expect(problem).toContain("plaintext connections are not supported");
    expect(problem).toContain('(got "disable")');
    expect(problem).toContain("`db_tls_mode`");
  });

  it("rejects ports and lengths out of range", () => {
    expect(problemsOf({ ...MINIMAL, DB_PORT: "70000" })[0]).toMatch(
      /^DB_PORT must be at most 65535/,
    );
    expect(problemsOf({ ...MINIMAL, DB_PORT: "abc" })[0]).toMatch(
      /^DB_PORT must be a whole number/,
    );
    expect(problemsOf({ ...MINIMAL, PASSWORD_LENGTH: "8" })[0]).toMatch(
      /^PASSWORD_LENGTH must be at least 16/,
    );
  });

  it("names PASSWORD_LENGTH (password_length) for a policy under 128 bits", () => {
    const problems = problemsOf({
      ...MINIMAL,
      PASSWORD_LENGTH: "16",
      PASSWORD_EXCLUDE_CHARACTERS: "~",
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PASSWORD_LENGTH gives 104\.6 bits of entropy/),
    ]);
    expect(problems[0]).toContain("`password_length`");
    expect(problems[0]).not.toContain("password_exclude_characters");
  });

  it("rejects a role name longer than PostgreSQL's 63-byte identifier limit", () => {
    expect(problemsOf({ ...MINIMAL, DB_USER: "x".repeat(64) })[0]).toContain("63 bytes");
  });

  it("requires a cluster when services are listed", () => {
    expect(problemsOf({ ...MINIMAL, ECS_SERVICES: "web" })).toEqual([
      expect.stringMatching(/^ECS_CLUSTER is required when ECS_SERVICES lists services/),
    ]);
  });

  it("rejects a pending parameter that collides with the password parameter", () => {
    const [problem] = problemsOf({ ...MINIMAL, PENDING_PARAMETER: "/app/db/password" });
    expect(problem).toMatch(/^PENDING_PARAMETER must differ from PASSWORD_PARAMETER/);
  });

  it("rejects SSM names SSM itself would refuse", () => {
    expect(problemsOf({ ...MINIMAL, PASSWORD_PARAMETER: "/aws/reserved" })[0]).toMatch(
      /^PASSWORD_PARAMETER must be an SSM parameter name/,
    );
  });

  it("fails at load time when the exclusions empty a character class", () => {
    const [problem] = problemsOf({ ...MINIMAL, PASSWORD_EXCLUDE_CHARACTERS: "0123456789" });
    expect(problem).toMatch(/^PASSWORD_EXCLUDE_CHARACTERS .*every digits character/);
    expect(problem).toContain("`password_exclude_characters`");
  });

  it("rejects a DATABASE_URL template without {password} or with an unknown placeholder", () => {
    expect(problemsOf({ ...MINIMAL, DATABASE_URL_TEMPLATE: "postgres://{username}@h" })[0]).toMatch(
      /^DATABASE_URL_TEMPLATE must contain \{password\}/,
    );
    const [typo] = problemsOf({
      ...MINIMAL,
      DATABASE_URL_TEMPLATE: "postgres://{user}:{password}@{host}/{database}",
    });
    expect(typo).toMatch(/^DATABASE_URL_TEMPLATE has unknown placeholder\(s\) \{user\}/);
  });

  it("reads the CA bundle file, and names the file when it is missing or not PEM", () => {
    const dir = mkdtempSync(join(tmpdir(), "config-test-"));
    const pem = join(dir, "ca.pem");
    writeFileSync(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    expect(loadConfig({ ...MINIMAL, DB_CA_BUNDLE_FILE: pem }).db.caBundle).toContain(
      "BEGIN CERTIFICATE",
    );

    const missing = join(dir, "missing.pem");
    const [unreadable] = problemsOf({ ...MINIMAL, DB_CA_BUNDLE_FILE: missing });
    expect(unreadable).toContain("cannot be read (ENOENT)");
    expect(unreadable).toContain(`(got "${missing}")`);

    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "hello");
    expect(problemsOf({ ...MINIMAL, DB_CA_BUNDLE_FILE: notPem })[0]).toContain("holds no PEM");
  });

  it("says nothing was changed", () => {
    expect(() => loadConfig({})).toThrow(/nothing was changed/);
  });
});
