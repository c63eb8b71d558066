/**
 * Looking for secrets in text the way an attacker reading logs, errors or notifications would:
 * in every spelling a password takes on its way through URLs and JSON. The spellings and the
 * search are the demo's (test/support/secret-scan.ts), written apart from lambda-src/redact.ts's
 * redaction, so that a bug there cannot hide itself here.
 */
import { findLeaks } from "./secret-scan";

/** Where each secret shows up in `text`, as "<which secret> (<spelling>)"; empty is clean. */
export function leaks(text: string, secrets: ReadonlyMap<string, string>): string[] {
  return findLeaks(text, "text", Object.fromEntries(secrets)).map(
    (leak) => `${leak.secret} (${leak.spelling})`,
  );
}

/** Expects none of `secrets` (unset ones skipped) in `text`, in any spelling. */
export function expectNoSecret(text: string, secrets: ReadonlyArray<string | undefined>): void {
  const named = secrets.flatMap((secret, i): Array<[string, string]> =>
    secret ? [[`secret #${i + 1}`, secret]] : [],
  );
  expect(leaks(text, new Map(named))).toEqual([]);
}
