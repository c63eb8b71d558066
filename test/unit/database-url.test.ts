import {
  DatabaseUrlTemplateError,
  buildDatabaseUrl,
  databaseUrlTemplateProblems,
} from "../../lambda-src/database-url";
import { CHARACTER_CLASSES } from "../../lambda-src/password";

const TEMPLATE = "postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=verify-full";
const base = { username: "app", host: "db.example", port: 5432, database: "app" };

describe("buildDatabaseUrl", () => {
  it("fills every placeholder", () => {
    expect(buildDatabaseUrl(TEMPLATE, { ...base, password: "abcDEF123" })).toBe(
      "postgresql://app:abcDEF123@db.example:5432/app?sslmode=verify-full",
    );
  });

  it("encodes every punctuation character so a URL parser gives the password back", () => {
    const password = `Aa1${CHARACTER_CLASSES.punctuation}`;
    const url = new URL(buildDatabaseUrl(TEMPLATE, { ...base, password }));
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(url.username).toBe("app");
    expect(url.hostname).toBe("db.example");
    expect(url.port).toBe("5432");
  });

  it("encodes even the characters encodeURIComponent leaves alone (! ' ( ) *)", () => {
    expect(buildDatabaseUrl("x://{username}:{password}@h", { ...base, password: "!'()*" })).toBe(
      "x://app:%21%27%28%29%2A@h",
    );
  });

  it("encodes role and database names that need it", () => {
    const url = buildDatabaseUrl(TEMPLATE, {
      ...base,
      username: "app@tenant",
      database: "my db/prod",
      password: "p",
    });
    expect(url).toBe(
      "postgresql://app%40tenant:p@db.example:5432/my%20db%2Fprod?sslmode=verify-full",
    );
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe("app@tenant");
    expect(decodeURIComponent(parsed.pathname.slice(1))).toBe("my db/prod");
  });

  it("rejects unknown placeholders and a template without {password}", () => {
    expect(databaseUrlTemplateProblems("pg://{user}:{password}@{host}")).toEqual([
      expect.stringContaining("unknown placeholder {user}"),
    ]);
    expect(databaseUrlTemplateProblems("pg://{username}@{host}")).toEqual([
      "must contain {password}",
    ]);
    expect(() => buildDatabaseUrl("pg://{user}@h", { ...base, password: "p" })).toThrow(
      DatabaseUrlTemplateError,
    );
  });
});
