/**
 * DATABASE_URL rendering. Every value is percent-encoded with RFC 3986 rules (stricter than
 * encodeURIComponent, which leaves `!'()*` alone), so any password a policy allows, and any
 * role or database name, survives URL parsers in every language the applications use.
 */
import { strictUriEncode } from "./redact";

export const URL_PLACEHOLDERS = ["username", "password", "host", "port", "database"] as const;
export type UrlPlaceholder = (typeof URL_PLACEHOLDERS)[number];
export type UrlValues = Readonly<Record<UrlPlaceholder, string | number>>;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders in `template` that `buildDatabaseUrl` cannot fill, e.g. a typo like {user}. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map(([, name]) => name ?? "")
    .filter((name) => !(URL_PLACEHOLDERS as readonly string[]).includes(name));
}

/** Problems with a template, each naming the fix; empty when the template is usable. */
export function databaseUrlTemplateProblems(template: string): string[] {
  const problems = unknownPlaceholders(template).map(
    (name) =>
      `unknown placeholder {${name}}; use ${URL_PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`,
  );
  if (!template.includes("{password}")) problems.push("must contain {password}");
  return problems;
}

export class DatabaseUrlTemplateError extends Error {
  override readonly name = "DatabaseUrlTemplateError";
}

/** Fill `template`'s placeholders with URL-encoded values. */
export function buildDatabaseUrl(template: string, values: UrlValues): string {
  const problems = databaseUrlTemplateProblems(template);
  if (problems.length > 0) {
    throw new DatabaseUrlTemplateError(`DATABASE_URL template: ${problems.join("; ")}`);
  }
  return template.replace(PLACEHOLDER, (_match, name: UrlPlaceholder) =>
    strictUriEncode(String(values[name])),
  );
}
