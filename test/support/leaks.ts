/**
 * Looking for secrets in text the way an attacker reading logs, errors or notifications would:
 * in every spelling a password takes on its way through URLs and JSON. Written apart from
 * lambda-src/errors.ts's redaction, so that a bug there cannot hide itself here.
 */

/** RFC 3986 encoding: encodeURIComponent plus the sub-delimiters it leaves alone. */
function strictUriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Plain, URL-encoded (both flavours), inside a JSON string, and inside JSON inside JSON. */
export function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      strictUriEncode(secret),
      json,
      JSON.stringify(JSON.stringify(secret)).slice(1, -1),
    ]),
  ];
}

/** Where each secret shows up in `text`, as "<which secret> (<spelling>)"; empty is clean. */
export function leaks(text: string, secrets: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [label, secret] of secrets) {
    for (const spelling of spellings(secret)) {
      if (text.includes(spelling)) {
        found.push(`${label} (${spelling === secret ? "plain" : "encoded"})`);
      }
    }
  }
  return found;
}

/** Expects none of `secrets` (unset ones skipped) in `text`, in any spelling. */
export function expectNoSecret(text: string, secrets: ReadonlyArray<string | undefined>): void {
  const named = secrets.flatMap((secret, i): Array<[string, string]> =>
    secret ? [[`secret #${i + 1}`, secret]] : [],
  );
  expect(leaks(text, new Map(named))).toEqual([]);
}
