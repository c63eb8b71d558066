/**
 * The state a completed rotation must leave, as a user would check it: the database, the
 * parameters the applications read, and the ECS services that restart on them.
 */
import type { Scenario, ScenarioState } from "./scenario";
import { snapshot } from "./scenario";

/**
 * Asserts the rotation away from `previousPassword` completed, given the state before it
 * (for the ECS deployments). Returns the new password.
 */
export async function expectRotated(
  s: Scenario,
  previousPassword: string,
  before: ScenarioState,
): Promise<string> {
  const after = await snapshot(s);
  expect(after.password?.type).toBe("SecureString");
  const next = after.password?.value ?? "";
  expect(next).not.toBe(previousPassword);
  expect(next.length).toBeGreaterThanOrEqual(16);

  expect(await s.h.canLogin(s.role, next)).toBe(true);
  expect(await s.h.canLogin(s.role, previousPassword)).toBe(false);

  expect(after.pending).toBeUndefined();

  if (s.parameters.databaseUrl) {
    expect(after.databaseUrl?.type).toBe("SecureString");
    expectDatabaseUrl(s, after.databaseUrl?.value ?? "", next);
  }

  for (const service of s.services) {
    const was = before.deployments[service] ?? [];
    const now = after.deployments[service] ?? [];
    expect(now.length).toBeGreaterThan(0);
    // moto restarts the PRIMARY deployment under a new id; real ECS adds one in front.
    expect(now[0]).not.toBe(was[0]);
  }
  return next;
}

/** The URL an application would parse: every part decodes to the right value. */
export function expectDatabaseUrl(s: Scenario, value: string, password: string): void {
  const url = new URL(value);
  expect(url.protocol).toBe("postgresql:");
  expect(decodeURIComponent(url.username)).toBe(s.role);
  expect(decodeURIComponent(url.password)).toBe(password);
  expect(url.hostname).toBe(s.h.host);
  expect(url.port).toBe(String(s.h.port));
  expect(decodeURIComponent(url.pathname.slice(1))).toBe(s.h.database);
  expect(url.searchParams.get("sslmode")).toBe("verify-full");
}
