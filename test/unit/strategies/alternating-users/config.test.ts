import { loadConfig } from "../../../../lambda-src/config";
import { MINIMAL, problemsOf } from "../../config-problems";

const ALTERNATING = {
  ...MINIMAL,
  ROTATION_STRATEGY: "alternating-users",
  ADMIN_PARAMETER: "/app/db/admin",
};

describe("the strategy settings", () => {
  it("default to single-user, with no username parameter", () => {
    const config = loadConfig(MINIMAL);
    expect(config.strategy).toEqual({ kind: "single-user" });
    expect(config.parameters.username).toBeUndefined();
  });

  it("treat blank values as unset, which is what Terraform writes for null", () => {
    const config = loadConfig({
      ...MINIMAL,
      ROTATION_STRATEGY: "",
      ADMIN_PARAMETER: "",
      USERNAME_PARAMETER: "",
      DB_TWIN_USER: "",
    });
    expect(config.strategy).toEqual({ kind: "single-user" });
  });

  it("name the twin <user>_clone by default", () => {
    expect(loadConfig(ALTERNATING).strategy).toEqual({
      kind: "alternating-users",
      adminParameter: "/app/db/admin",
      primaryUser: "app",
      twinUser: "app_clone",
    });
  });

  it("take a configured twin name and username parameter", () => {
    const config = loadConfig({
      ...ALTERNATING,
      DB_TWIN_USER: "app_b",
      USERNAME_PARAMETER: "/app/db/username",
    });
    expect(config.strategy).toMatchObject({ twinUser: "app_b" });
    expect(config.parameters.username).toBe("/app/db/username");
  });

  it("reject an unknown strategy, naming the variable and the choices", () => {
    expect(problemsOf({ ...MINIMAL, ROTATION_STRATEGY: "dual" })).toEqual([
      'ROTATION_STRATEGY must be "single-user" (default) or "alternating-users" (got "dual"); fix: set the module variable `rotation_strategy`',
    ]);
  });

  it("require the administrative credentials parameter with alternating-users", () => {
    const [problem] = problemsOf({ ...ALTERNATING, ADMIN_PARAMETER: undefined });
    expect(problem).toMatch(/^ADMIN_PARAMETER is required when ROTATION_STRATEGY is/);
    expect(problem).toContain('{"username": ..., "password": ...}');
    expect(problem).toContain("fix: set the module variable `admin_parameter_name`");
  });

  it("reject a default twin name over PostgreSQL's 63-byte limit, and say how to fix it", () => {
    const user = "u".repeat(58);
    const [problem] = problemsOf({ ...ALTERNATING, DB_USER: user });
    expect(problem).toContain("DB_TWIN_USER must be at most 63 bytes");
    expect(problem).toContain("is 64 bytes");
    expect(problem).toContain("`db_twin_username`");
    expect(loadConfig({ ...ALTERNATING, DB_USER: "u".repeat(57) }).strategy).toMatchObject({
      twinUser: `${"u".repeat(57)}_clone`,
    });
  });

  it("count the twin name's bytes, not its characters", () => {
    // 32 two-byte characters: 32 characters, 64 bytes.
    expect(problemsOf({ ...ALTERNATING, DB_TWIN_USER: "é".repeat(32) })[0]).toContain(
      "DB_TWIN_USER must be at most 63 bytes",
    );
  });

  it("reject a twin named like the primary", () => {
    expect(problemsOf({ ...ALTERNATING, DB_TWIN_USER: "app" })).toEqual([
      'DB_TWIN_USER must differ from DB_USER (got "app"); fix: set the module variable `db_twin_username`',
    ]);
  });

  it("reject parameters that clash with the ones the function writes", () => {
    expect(problemsOf({ ...ALTERNATING, ADMIN_PARAMETER: "/app/db/password" })[0]).toMatch(
      /^ADMIN_PARAMETER must differ from PASSWORD_PARAMETER: each parameter has one job/,
    );
    expect(
      problemsOf({ ...ALTERNATING, USERNAME_PARAMETER: "/app/db/password-pending" })[0],
    ).toMatch(/^USERNAME_PARAMETER must differ from PENDING_PARAMETER: each parameter has one job/);
    expect(
      problemsOf({
        ...ALTERNATING,
        USERNAME_PARAMETER: "/app/db/admin",
      })[0],
    ).toMatch(/^ADMIN_PARAMETER must differ/);
  });

  it("ignore the alternating-only settings with single-user", () => {
    const config = loadConfig({
      ...MINIMAL,
      ADMIN_PARAMETER: "/app/db/admin",
      DB_USER: "u".repeat(60),
    });
    expect(config.strategy).toEqual({ kind: "single-user" });
  });
});
