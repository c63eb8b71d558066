/**
 * What the PostgreSQL server saw (log_statement = all): counting ALTER ROLE statements for a
 * role is how the tests prove "exactly one password change", independent of what the
 * rotation reports about itself.
 */

/** A position in the server log; statements logged after it are "new". */
export type LogMark = number;

export function markServerLog(readServerLog: () => string): LogMark {
  return readServerLog().length;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The logged `ALTER ROLE <role> … PASSWORD …` statements since `mark`, in order. */
export function passwordChanges(
  readServerLog: () => string,
  role: string,
  mark: LogMark,
): string[] {
  const name = `(?:"${escapeRegExp(role.replace(/"/g, '""'))}"|${escapeRegExp(role)})`;
  const statement = new RegExp(
    `statement: ALTER ROLE ${name}\\s+(?:WITH\\s+)?(?:LOGIN\\s+)?(?:ENCRYPTED\\s+)?PASSWORD\\s+[^\\n]*`,
    "gi",
  );
  return readServerLog().slice(mark).match(statement) ?? [];
}
