/**
 * Redaction: every text this function produces (logs, errors, notifications) passes through
 * `redact()` with every secret the run has seen (docs/design.md §Invariants 3).
 */

const REDACTED = "[REDACTED]";

/** Every way a secret can show up in text we produce: plain, in a URL, inside a JSON string. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, encodeURIComponent(secret), strictUriEncode(secret), json];
}

/** RFC 3986 encoding: encodeURIComponent plus the sub-delimiters it leaves alone. */
export function strictUriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Remove every known secret from `text`, in each spelling it can take. Longer spellings go
 * first so that a secret containing another one is removed whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret) for (const spelling of spellings(secret)) needles.add(spelling);
  }
  let result = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    result = result.split(needle).join(REDACTED);
  }
  return result;
}

/** The name of a thrown SDK error (its exception type, e.g. "ParameterNotFound"). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}

/** A one-line, secret-free summary of any thrown value, for logs and `cause` fields. */
export function describeError(error: unknown, secrets: Iterable<string | undefined>): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix =
      typeof code === "string" && code !== error.name ? `${error.name} ${code}` : error.name;
    return redact(`${prefix}: ${error.message}`, secrets);
  }
  return redact(String(error), secrets);
}
