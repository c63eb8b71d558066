import { RotationError } from "../../../lambda-src/errors";
import {
  leaseHeld,
  newPendingRecord,
  parsePending,
  releaseLease,
  serializePending,
  takeOverLease,
} from "../../../lambda-src/core/pending";

const NOW = Date.parse("2025-06-01T03:00:00.000Z");
const holder = { invocationId: "req-1", deadline: NOW + 900_000 };

describe("pending record", () => {
  const record = newPendingRecord("Staged-Passw0rd!", "app", holder, NOW);

  it("serializes to the documented JSON shape and parses back", () => {
    expect(JSON.parse(serializePending(record))).toEqual({
      version: 1,
      password: "Staged-Passw0rd!",
      username: "app",
      stagedAt: "2025-06-01T03:00:00.000Z",
      leaseExpiresAt: "2025-06-01T03:15:00.000Z",
      invocationId: "req-1",
    });
    expect(parsePending("/p", serializePending(record), "read")).toEqual(record);
  });

  it("holds the lease until the holder's deadline, not a moment longer", () => {
    expect(leaseHeld(record, NOW)).toBe(true);
    expect(leaseHeld(record, holder.deadline - 1)).toBe(true);
    expect(leaseHeld(record, holder.deadline)).toBe(false);
  });

  it("a takeover keeps the password and stagedAt, and moves the lease to the new holder", () => {
    const taken = takeOverLease(record, { invocationId: "req-2", deadline: NOW + 2_000_000 });
    expect(taken).toMatchObject({
      password: record.password,
      stagedAt: record.stagedAt,
      invocationId: "req-2",
      leaseExpiresAt: new Date(NOW + 2_000_000).toISOString(),
    });
  });

  it("a released lease has expired", () => {
    expect(leaseHeld(releaseLease(record, NOW + 5), NOW + 5)).toBe(false);
  });
});

describe("parsePending errors", () => {
  function errorFor(text: string): RotationError {
    try {
      parsePending("/app/db/password-pending", text, "read");
    } catch (error) {
      return error as RotationError;
    }
    throw new Error("expected an error");
  }

  it("names the parameter and never echoes a value that is not JSON", () => {
    const error = errorFor("Plain-Password-Not-Json-1!");
    expect(error.kind).toBe("parameter-malformed");
    expect(error.message).toContain("/app/db/password-pending is malformed: not JSON");
    expect(error.message).not.toContain("Plain-Password-Not-Json-1!");
  });

  it("lists the bad fields, never their values", () => {
    const text = JSON.stringify({
      version: 2,
      password: "Leaky-1!",
      username: "app",
      stagedAt: "soon",
    });
    const error = errorFor(text);
    expect(error.message).toMatch(/version, stagedAt, leaseExpiresAt, invocationId/);
    expect(error.message).not.toContain("Leaky-1!");
  });
});
