/**
 * Proof that a secret did not leak: searches text for every spelling a password takes on its
 * way through logs, URLs and JSON. Deliberately independent of lambda-src/errors.ts `redact()`,
 * so a bug there cannot hide itself here.
 */

export interface Leak {
  /** Which secret ("old password", ...) and in which spelling; never the secret itself. */
  readonly secret: string;
  readonly spelling: string;
  readonly where: string;
}

function spellings(secret: string): Record<string, string> {
  return {
    plain: secret,
    "URL-encoded": encodeURIComponent(secret),
    "RFC 3986-encoded": encodeURIComponent(secret).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ),
    "JSON-escaped": JSON.stringify(secret).slice(1, -1),
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
