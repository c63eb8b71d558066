import type { LoginOutcome } from "../../lambda-src/core/ports";
import { decideRecovery } from "../../lambda-src/core/recovery";
import { SecretStoreError } from "../../lambda-src/core/ports";
import { CredentialDriftError, RotationError } from "../../lambda-src/errors";
import { strictUriEncode } from "../../lambda-src/redact";
import { ParameterStoreError } from "../../lambda-src/secrets/parameter-store";
import { rotate, type Invocation, type RotationResult } from "../../lambda-src/rotation";
import type { StepName } from "../../lambda-src/core/steps";
import { expectNoSecret } from "../support/leaks";
import { crashBoundaries, freshRotationSteps } from "../support/steps";
import {
  INITIAL_PASSWORD,
  ROLE,
  createWorld,
  someParameterLogsIn,
  stagedPassword,
  type World,
} from "./fakes";

const FIFTEEN_MINUTES = 15 * 60 * 1000;

function invocation(world: World, id = "req-1", leaseMs = FIFTEEN_MINUTES): Invocation {
  return { invocationId: id, deadline: world.clock.now + leaseMs };
}

class Crash extends Error {}

/** Every secret the world has held; expectNoSecret looks for each in every spelling. */
function secretsOf(world: World): Array<string | undefined> {
  return [
    INITIAL_PASSWORD,
    world.store.value(world.config.parameters.password),
    stagedPassword(world),
  ];
}

function expectRotatedTo(world: World, result: RotationResult): string {
  const { password, pending, databaseUrl } = world.config.parameters;
  const published = world.store.value(password);
  expect(published).toBeDefined();
  expect(published).not.toBe(INITIAL_PASSWORD);
  expect(world.database.accepts(published ?? "")).toBe(true);
  expect(world.database.accepts(INITIAL_PASSWORD)).toBe(false);
  expect(world.store.value(pending)).toBeUndefined();
  expect(world.store.value(databaseUrl ?? "")).toBe(
    `postgresql://${ROLE}:${strictUriEncode(published ?? "")}@db.internal.example:5432/app?sslmode=verify-full`,
  );
  expect(result.services.map((s) => s.ok)).toEqual([true, true]);
  return published ?? "";
}

describe("rotate: a fresh rotation", () => {
  it("changes the password once, publishes both parameters, refreshes services, deletes pending", async () => {
    const world = createWorld();
    const result = await rotate(world.config, world.deps(), invocation(world));

    expect(result.outcome).toBe("rotated");
    expectRotatedTo(world, result);
    expect(world.database.passwordChanges).toBe(1);
    expect(world.ecs.calls).toEqual([["web", "worker"]]);
    // The world publishes the password and DATABASE_URL, not a username.
    expect(result.steps.map((s) => s.step)).toEqual(freshRotationSteps(["publish-username"]));
    expect(result.publishGapMs).toBe(0);
    expect(world.metrics.names()).toEqual(["RotationSucceeded", "RotationDuration", "PublishGap"]);
  });

  it("sends the database a SCRAM verifier, never the password", async () => {
    const world = createWorld();
    await rotate(world.config, world.deps(), invocation(world));
    const published = world.store.value(world.config.parameters.password) ?? "";
    expect(world.database.verifiersReceived).toHaveLength(1);
    expect(world.database.verifiersReceived[0]).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(world.database.verifiersReceived[0]).not.toContain(published);
  });

  it("keeps the KMS key the password parameter already uses, for both writes", async () => {
    const world = createWorld();
    let pendingKey: string | undefined;
    world.store.afterMutation = () => {
      pendingKey ??= world.store.values.get(world.config.parameters.pending)?.keyId;
    };
    await rotate(world.config, world.deps(), invocation(world));
    expect(pendingKey).toBe("alias/app");
    expect(world.store.values.get(world.config.parameters.password)?.keyId).toBe("alias/app");
  });

  it("uses the configured KMS key when there is one", async () => {
    const world = createWorld({ KMS_KEY_ID: "alias/rotation" });
    await rotate(world.config, world.deps(), invocation(world));
    expect(world.store.values.get(world.config.parameters.password)?.keyId).toBe("alias/rotation");
  });

  it("skips the DATABASE_URL write and the ECS refresh when neither is configured", async () => {
    const world = createWorld({ DATABASE_URL_PARAMETER: "", ECS_SERVICES: "", ECS_CLUSTER: "" });
    const result = await rotate(world.config, world.deps(), invocation(world));
    expect(result.outcome).toBe("rotated");
    expect(result.steps.map((s) => s.step)).not.toContain("publish-url");
    expect(result.services).toEqual([]);
    expect(world.ecs.calls).toEqual([]);
  });

  it("logs every line with a step and an outcome, and no secret anywhere", async () => {
    const world = createWorld();
    const result = await rotate(world.config, world.deps(), invocation(world));
    for (const line of world.logger.lines) {
      expect(typeof line.step).toBe("string");
      expect(typeof line.outcome).toBe("string");
    }
    expectNoSecret(world.logger.text() + JSON.stringify(result), secretsOf(world));
  });
});

describe("rotate: bad state stops the run before anything changes", () => {
  async function expectFailure(world: World, kind: string): Promise<RotationError> {
    const before = new Map(world.store.values);
    const error = await rotate(world.config, world.deps(), invocation(world)).catch((e) => e);
    expect(error).toBeInstanceOf(RotationError);
    expect((error as RotationError).kind).toBe(kind);
    expect(world.store.values).toEqual(before);
    expect(world.database.passwordChanges).toBe(0);
    expect(world.metrics.names()).toContain("RotationFailed");
    expectNoSecret(`${(error as Error).message}\n${world.logger.text()}`, secretsOf(world));
    return error as RotationError;
  }

  it("a missing password parameter names it and how to create it", async () => {
    const world = createWorld();
    world.store.values.clear();
    const error = await expectFailure(world, "parameter-missing");
    expect(error.message).toContain("/app/db/password does not exist");
    expect(error.action).toContain("create /app/db/password");
  });

  it("a password parameter with a trailing newline is malformed, not a login failure", async () => {
    const world = createWorld();
    world.store.values.set("/app/db/password", { value: `${INITIAL_PASSWORD}\n`, keyId: "k" });
    const error = await expectFailure(world, "parameter-malformed");
    expect(error.message).toContain("/app/db/password");
  });

  it("a wrong current password is credential drift, and nothing is staged", async () => {
    const world = createWorld();
    world.database.resetOutOfBand("Someone-Else-Set-This-1!");
    const error = await expectFailure(world, "credential-drift");
    expect(error).toBeInstanceOf(CredentialDriftError);
    expect(error.message).toContain("credential drift");
  });

  it("an unreachable database is reported as such, and nothing is staged", async () => {
    const world = createWorld();
    world.database.reachable = false;
    const error = await expectFailure(world, "database-unreachable");
    expect(error.message).toContain("db.internal.example:5432");
    expect(error.step).toBe("read");
  });

  it("access denied from SSM names the operation and the fix", async () => {
    const world = createWorld();
    world.store.failOn = (operation) =>
      operation === "create"
        ? new ParameterStoreError(
            "PutParameter",
            "/app/db/password-pending",
            "AccessDeniedException",
            "not authorized",
          )
        : undefined;
    const error = await expectFailure(world, "parameter-store");
    expect(error.step).toBe("stage");
    expect(error.message).toContain("grant the rotation role ssm:PutParameter");
  });
});

describe("rotate: the lease", () => {
  it("a run that finds an unexpired pending parameter exits cleanly and says who holds it", async () => {
    const world = createWorld();
    const first = invocation(world, "req-first");
    await expect(
      rotate(world.config, world.deps({ hooks: { afterStep: crashAfter("stage") } }), first),
    ).rejects.toThrow(Crash);

    world.clock.advance(60_000);
    const second = await rotate(world.config, world.deps(), invocation(world, "req-second"));
    expect(second.outcome).toBe("skipped");
    expect(second.reason).toBe(
      `skipped: rotation in progress by req-first until ${new Date(first.deadline).toISOString()}`,
    );
    expect(world.database.passwordChanges).toBe(0);
    expect(world.metrics.names()).toContain("RotationSkipped");
  });

  it("two concurrent runs: exactly one rotates, the other loses the Overwrite=false race and skips", async () => {
    const world = createWorld();
    const results = await Promise.all([
      rotate(world.config, world.deps(), invocation(world, "req-a")),
      rotate(world.config, world.deps(), invocation(world, "req-b")),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(["rotated", "skipped"]);
    expect(results.find((r) => r.outcome === "skipped")?.reason).toMatch(
      /^skipped: rotation in progress by req-(a|b) until /,
    );
    // Both runs read "no pending" before either staged: the lock, not the read, decided.
    const skip = world.logger.lines.find((line) => line.outcome === "skipped");
    expect(skip?.step).toBe("stage");
    expect(world.database.passwordChanges).toBe(1);
    expectRotatedTo(world, results.find((r) => r.outcome === "rotated") as RotationResult);
  });

  it("a failing run releases its lease, so the next run recovers at once", async () => {
    const world = createWorld();
    const afterStep = (step: StepName) => {
      if (step === "apply") world.database.reachable = false;
    };
    const error = await rotate(
      world.config,
      world.deps({ hooks: { afterStep } }),
      invocation(world),
    )
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect((error as RotationError).kind).toBe("database-unreachable");
    expect((error as RotationError).step).toBe("verify");

    world.database.reachable = true;
    const result = await rotate(world.config, world.deps(), invocation(world, "req-2"));
    expect(result.outcome).toBe("recovered");
    expectRotatedTo(world, result);
    expect(world.database.passwordChanges).toBe(1);
  });
});

function crashAfter(target: StepName) {
  return (step: StepName) => {
    if (step === target) throw new Crash(`simulated crash after ${step}`);
  };
}

describe("rotate: a crash at any step boundary, then a re-run", () => {
  it.each(crashBoundaries(["publish-username"]))(
    "after %s: no lockout at any instant, and the re-run completes with one password change",
    async (boundary) => {
      const world = createWorld();
      const violations: string[] = [];
      const watch = (where: string) => () => {
        if (!someParameterLogsIn(world)) violations.push(where);
      };
      world.store.afterMutation = watch("store write");
      world.database.afterChange = watch("ALTER ROLE");

      const first = invocation(world, "req-crashed", 60_000);
      const hooks = { afterStep: crashAfter(boundary) };
      await expect(rotate(world.config, world.deps({ hooks }), first)).rejects.toThrow(Crash);
      expect(someParameterLogsIn(world)).toBe(true);

      world.clock.now = first.deadline;
      const result = await rotate(world.config, world.deps(), invocation(world, "req-rerun"));

      expect(result.outcome).toBe("recovered");
      expectRotatedTo(world, result);
      expect(world.database.passwordChanges).toBe(1);
      expect(violations).toEqual([]);
      expectNoSecret(world.logger.text() + JSON.stringify(result), secretsOf(world));
    },
  );

  it("after stage the re-run stages a password of its own and applies it; after apply it publishes the staged one", async () => {
    for (const [boundary, path] of [
      ["stage", ["recover", "stage", "apply", "verify"]],
      ["apply", ["recover", "publish-url", "publish-password"]],
    ] as const) {
      const world = createWorld();
      const first = invocation(world, "req-crashed", 1000);
      await expect(
        rotate(world.config, world.deps({ hooks: { afterStep: crashAfter(boundary) } }), first),
      ).rejects.toThrow(Crash);
      const staged = stagedPassword(world);
      world.clock.now = first.deadline;
      const result = await rotate(world.config, world.deps(), invocation(world, "req-rerun"));
      const steps = result.steps.map((s) => s.step);
      expect(steps.slice(1, 1 + path.length)).toEqual(path);
      const published = world.store.value(world.config.parameters.password);
      if (boundary === "apply") expect(published).toBe(staged);
      else expect(published).not.toBe(staged);
      expect(world.database.accepts(published ?? "")).toBe(true);
      expect(world.database.passwordChanges).toBe(1);
    }
  });
});

describe("rotate: a pending parameter someone else wrote (docs/design.md §Invariants 2)", () => {
  const PLANTED = "Chosen-By-Someone-Else-1!";
  function plant(world: World, leaseExpiresAt: Date): void {
    const record = {
      version: 1,
      password: PLANTED,
      username: ROLE,
      stagedAt: new Date(world.clock.now).toISOString(),
      leaseExpiresAt: leaseExpiresAt.toISOString(),
      invocationId: "planted",
    };
    world.store.values.set(world.config.parameters.pending, {
      value: JSON.stringify(record),
      keyId: "alias/app",
    });
  }

  it("a lease a year ahead is reported and treated as expired, not skipped forever", async () => {
    const world = createWorld();
    plant(world, new Date(world.clock.now + 365 * 24 * 3600 * 1000));
    const result = await rotate(world.config, world.deps(), invocation(world));
    expect(result.outcome).toBe("recovered");
    expect(world.metrics.names()).not.toContain("RotationSkipped");
    expect(world.logger.text()).toContain("lease-out-of-reach");
    expectRotatedTo(world, result);
  });

  it("a lease within the function's timeout is still honoured", async () => {
    const world = createWorld();
    plant(world, new Date(world.clock.now + FIFTEEN_MINUTES - 1000));
    const result = await rotate(world.config, world.deps(), invocation(world));
    expect(result.outcome).toBe("skipped");
  });

  it("the planted password is never applied nor published; one of the run's own is", async () => {
    const world = createWorld();
    plant(world, new Date(world.clock.now - 1000));
    const result = await rotate(world.config, world.deps(), invocation(world));
    expect(result.outcome).toBe("recovered");
    const published = expectRotatedTo(world, result);
    expect(published).not.toBe(PLANTED);
    expect(world.database.accepts(PLANTED)).toBe(false);
    expect(world.database.passwordChanges).toBe(1);
  });
});

describe("rotate: database sessions", () => {
  it.each(["read", "stage", "recover", "apply"] as const)(
    "are all closed when the run stops after %s",
    async (boundary) => {
      const world = createWorld();
      if (boundary === "recover") {
        const first = invocation(world, "req-old", 1000);
        const hooks = { afterStep: crashAfter("stage") };
        await expect(rotate(world.config, world.deps({ hooks }), first)).rejects.toThrow(Crash);
        world.clock.now = first.deadline;
      }
      const hooks = { afterStep: crashAfter(boundary) };
      await expect(
        rotate(world.config, world.deps({ hooks }), invocation(world, "req-2")),
      ).rejects.toThrow(Crash);
      expect(world.database.openSessions).toBe(0);
    },
  );

  it("are all closed after a successful rotation and after a failed one", async () => {
    const world = createWorld();
    await rotate(world.config, world.deps(), invocation(world));
    expect(world.database.openSessions).toBe(0);
    world.store.failOn = (operation) => (operation === "create" ? new Error("boom") : undefined);
    await expect(rotate(world.config, world.deps(), invocation(world))).rejects.toThrow();
    expect(world.database.openSessions).toBe(0);
  });
});

describe("rotate: recovery from a stale pending parameter", () => {
  async function staleWorld(mutate: (world: World) => void): Promise<World> {
    const world = createWorld();
    const first = invocation(world, "req-old", 1000);
    await expect(
      rotate(world.config, world.deps({ hooks: { afterStep: crashAfter("stage") } }), first),
    ).rejects.toThrow(Crash);
    world.clock.now = first.deadline + 1;
    mutate(world);
    return world;
  }

  it("credential drift: neither password logs in, so only the lease changes", async () => {
    const world = await staleWorld((w) => w.database.resetOutOfBand("Out-Of-Band-Passw0rd!"));
    const staged = stagedPassword(world);
    const error = await rotate(world.config, world.deps(), invocation(world, "req-new")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialDriftError);
    expect((error as Error).message).toContain("credential drift");
    expect((error as RotationError).stateLeft).toContain("nothing changed");
    expect(world.store.value("/app/db/password")).toBe(INITIAL_PASSWORD);
    expect(stagedPassword(world)).toBe(staged);
    expect(world.database.passwordChanges).toBe(0);
    expect(world.database.accepts("Out-Of-Band-Passw0rd!")).toBe(true);
    expectNoSecret((error as Error).message + world.logger.text(), secretsOf(world));
  });

  it("an unreachable database is not drift: it changes nothing and says unreachable", async () => {
    const world = await staleWorld((w) => (w.database.reachable = false));
    const error = await rotate(world.config, world.deps(), invocation(world, "req-new")).catch(
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(CredentialDriftError);
    expect((error as RotationError).kind).toBe("database-unreachable");
    expect((error as RotationError).step).toBe("recover");
    expect(world.store.value("/app/db/password")).toBe(INITIAL_PASSWORD);
    expect(world.database.passwordChanges).toBe(0);
  });

  it("a malformed pending parameter names it and never echoes its value", async () => {
    const world = createWorld();
    const value = `{"password":"Leaky-Secret-Value-1!"`;
    world.store.values.set("/app/db/password-pending", { value, keyId: "k" });
    const error = await rotate(world.config, world.deps(), invocation(world)).catch(
      (e: unknown) => e,
    );
    expect((error as RotationError).kind).toBe("parameter-malformed");
    expect((error as Error).message).toContain("/app/db/password-pending");
    expect((error as Error).message).not.toContain("Leaky-Secret-Value-1!");
    expect(world.logger.text()).not.toContain("Leaky-Secret-Value-1!");
    expect(world.database.passwordChanges).toBe(0);
  });

  it("a pending parameter staged for another role is refused", async () => {
    const world = await staleWorld((w) => {
      const name = w.config.parameters.pending;
      const record = JSON.parse(w.store.value(name) ?? "{}") as Record<string, unknown>;
      w.store.values.set(name, {
        value: JSON.stringify({ ...record, username: "other" }),
        keyId: "k",
      });
    });
    const error = await rotate(world.config, world.deps(), invocation(world, "req-new")).catch(
      (e: unknown) => e,
    );
    expect((error as RotationError).kind).toBe("parameter-malformed");
    expect((error as Error).message).toContain("staged for role other");
  });
});

describe("rotate: ECS refresh failures", () => {
  it("fail the run after the password is published and pending deleted, naming the service", async () => {
    const world = createWorld();
    world.ecs.failing.add("worker");
    const error = await rotate(world.config, world.deps(), invocation(world)).catch(
      (e: unknown) => e,
    );
    expect((error as RotationError).kind).toBe("refresh-failed");
    expect((error as Error).message).toContain("main/worker rolled-back (deployment ecs-svc/");
    expect((error as RotationError).action).toContain(
      "aws ecs update-service --cluster main --service worker --force-new-deployment",
    );
    expect(world.store.value(world.config.parameters.pending)).toBeUndefined();
    expect(world.database.accepts(world.store.value("/app/db/password") ?? "")).toBe(true);
    expect(world.database.passwordChanges).toBe(1);
  });
});

describe("decideRecovery: docs/design.md §Invariants 2 as a table", () => {
  const accepted: LoginOutcome = { kind: "accepted", currentUser: ROLE };
  const rejected: LoginOutcome = { kind: "rejected", sqlState: "28P01", detail: "no" };
  const unreachable: LoginOutcome = { kind: "unreachable", detail: "ETIMEDOUT" };

  it.each([
    { staged: accepted, current: undefined, verdict: "publish" },
    { staged: unreachable, current: undefined, verdict: "unreachable" },
    { staged: rejected, current: accepted, verdict: "reapply" },
    { staged: rejected, current: rejected, verdict: "drift" },
    { staged: rejected, current: unreachable, verdict: "unreachable" },
  ] as const)(
    "staged $staged.kind, current $current.kind → $verdict",
    ({ staged, current, verdict }) => {
      expect(decideRecovery(staged, current)).toBe(verdict);
    },
  );

  it("never calls a network failure drift", () => {
    expect(decideRecovery(rejected, unreachable)).not.toBe("drift");
    expect(decideRecovery(unreachable, rejected)).not.toBe("drift");
  });
});

describe("rotate: publishing (docs/design.md §Data flow, step 5)", () => {
  const USERNAME = "/app/db/username";
  const throttled = () => new SecretStoreError("PutParameter throttled (ThrottlingException)");

  it("writes DATABASE_URL, the single value with both halves, before its mirrors", async () => {
    const world = createWorld({ USERNAME_PARAMETER: USERNAME });
    await rotate(world.config, world.deps(), invocation(world));
    const published = world.store.writes.filter((w) => w !== world.config.parameters.pending);
    expect(published).toEqual(["/app/db/url", "/app/db/password", USERNAME]);
  });

  it("retries a failing write within the run, so no reader is left with a mismatched pair", async () => {
    const world = createWorld({ USERNAME_PARAMETER: USERNAME });
    let failures = 2;
    world.store.failOn = (operation, name) =>
      operation === "put" && name === USERNAME && failures-- > 0 ? throttled() : undefined;
    const result = await rotate(world.config, world.deps(), invocation(world));
    expect(result.outcome).toBe("rotated");
    expect(world.store.value(USERNAME)).toBe(ROLE);
    expect(world.logger.text()).toContain('"outcome":"retry"');
  }, 15_000);

  it("a write that keeps failing says what each reader gets", async () => {
    const world = createWorld({ USERNAME_PARAMETER: USERNAME });
    world.store.failOn = (operation, name) =>
      operation === "put" && name === USERNAME ? throttled() : undefined;
    const error = await rotate(world.config, world.deps(), invocation(world)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RotationError);
    const { step, stateLeft } = error as RotationError;
    expect(step).toBe("publish-username");
    expect(stateLeft).toContain("/app/db/url, /app/db/password hold the new value");
    expect(stateLeft).toContain(`${USERNAME} may still hold the previous password`);
    expect(stateLeft).toContain(`a reader of both /app/db/password and ${USERNAME}`);
    expect(stateLeft).toContain("resume schedule");
  }, 15_000);
});
