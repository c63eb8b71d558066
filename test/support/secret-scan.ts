/**
 * Proof that a secret did not leak: searches text for every spelling a password takes on its
 * way through logs, URLs and JSON. Deliberately independent of lambda-src/redact.ts `redact()`,
 * so a bug there cannot hide itself here. The tests' scanner (test/support/leaks.ts) is this one.
 */

export interface Leak {
  /** Which secret ("old password", ...) and in which spelling; never the secret itself. */
  readonly secret: string;
  readonly spelling: string;
  readonly where: string;
}

/** Each way `secret` can be written out, by name; spellings may coincide. */
export function spellings(secret: string): Record<string, string> {
  const json = JSON.stringify(secret);
  return {
    plain: secret,
    "URL-encoded": encodeURIComponent(secret),
    "RFC 3986-encoded": encodeURIComponent(secret).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
    "JSON-escaped": json.slice(1, -1),
    // A JSON document carried in a JSON string, e.g. a pending record inside a log line.
    "JSON-in-JSON-escaped": JSON.stringify(json).slice(3, -3),
  };
}

/** Every (secret, spelling) found in `text`; `secrets` maps a label to the secret. */
export function findLeaks(
  text: string,
  where: string,
  secrets: Readonly<Record<string, string>>,
): Leak[] {
  const leaks: Leak[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    const seen = new Set<string>();
    for (const [spelling, needle] of Object.entries(spellings(secret))) {
      if (seen.has(needle)) continue;
      seen.add(needle);
      if (text.includes(needle)) leaks.push({ secret: label, spelling, where });
    }
  }
  return leaks;
}
