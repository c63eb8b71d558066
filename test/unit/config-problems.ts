/** What the configuration tests share: the smallest valid environment, and its refusals. */
import { ConfigError, loadConfig } from "../../lambda-src/config";

export const MINIMAL = {
  DB_HOST: "db.example",
  DB_USER: "app",
  PASSWORD_PARAMETER: "/app/db/password",
};

/** The problems the ConfigError for `env` lists; fails the test when `env` is accepted. */
export function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}
