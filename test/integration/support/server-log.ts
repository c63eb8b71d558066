/**
 * What the PostgreSQL server saw (log_statement = all): counting ALTER ROLE statements for a
 * role is how the tests prove "exactly one password change", independent of what the
 * rotation reports about itself.
 */
import { statSync } from "node:fs";
import type { PgClusterInfo } from "../../support/pg-cluster-client";

/** A byte position in the server log; statements logged after it are "new". */
export type LogMark = number;

/** Marks the log's current end; read what follows with `h.readServerLog(mark)`. */
export function markServerLog(h: Pick<PgClusterInfo, "serverLogFile">): LogMark {
  return statSync(h.serverLogFile).size;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The `ALTER ROLE <role> … PASSWORD …` statements in `log`, in order. */
export function passwordChanges(log: string, role: string): string[] {
  const name = `(?:"${escapeRegExp(role.replace(/"/g, '""'))}"|${escapeRegExp(role)})`;
  const statement = new RegExp(
    `statement: ALTER ROLE ${name}\\s+(?:WITH\\s+)?(?:LOGIN\\s+)?(?:ENCRYPTED\\s+)?PASSWORD\\s+[^\\n]*`,
    "gi",
  );
  return log.match(statement) ?? [];
}
