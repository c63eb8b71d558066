import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { rolloutVerdict } from "../../../lambda-src/ecs/rollout";

const OURS = "ecs-svc/ours";

function service(deployments: Deployment[], extra: Partial<Service> = {}): Service {
  return { serviceName: "web", status: "ACTIVE", deployments, ...extra };
}

const ours = (d: Partial<Deployment> = {}): Deployment => ({
  id: OURS,
  status: "PRIMARY",
  rolloutState: "IN_PROGRESS",
  desiredCount: 2,
  runningCount: 1,
  ...d,
});

describe("rolloutVerdict", () => {
  it("is in progress while our deployment rolls out, saying how far", () => {
    const verdict = rolloutVerdict(service([ours(), { id: "old", status: "ACTIVE" }]), OURS);
    expect(verdict).toEqual({
      kind: "in-progress",
      detail: `deployment ${OURS}: 1/2 tasks running`,
    });
  });

  it("is completed when ECS marks our deployment COMPLETED", () => {
    const verdict = rolloutVerdict(
      service([ours({ rolloutState: "COMPLETED", runningCount: 2 })]),
      OURS,
    );
    expect(verdict.kind).toBe("completed");
  });

  it("is failed when the circuit breaker stops our deployment without a rollback", () => {
    const verdict = rolloutVerdict(
      service([ours({ rolloutState: "FAILED", rolloutStateReason: "tasks failed to start" })]),
      OURS,
    );
    expect(verdict).toEqual({
      kind: "failed",
      detail: `deployment ${OURS} failed: tasks failed to start`,
    });
  });

  it("is rolled back when ours FAILED and a rollback deployment is PRIMARY", () => {
    const verdict = rolloutVerdict(
      service([
        { id: "ecs-svc/rollback", status: "PRIMARY", rolloutState: "IN_PROGRESS" },
        ours({ status: "ACTIVE", rolloutState: "FAILED" }),
      ]),
      OURS,
    );
    expect(verdict.kind).toBe("rolled-back");
    expect(verdict).toMatchObject({ detail: expect.stringContaining("ecs-svc/rollback") });
  });

  it("is rolled back, not superseded, when ECS dropped ours and only its events tell", () => {
    // The state after a finished rollback: one stable deployment, exactly what the SDK waiter
    // (waitUntilServicesStable) would call a success.
    const after = service(
      [
        {
          id: "ecs-svc/rollback",
          status: "PRIMARY",
          rolloutState: "COMPLETED",
          runningCount: 2,
          desiredCount: 2,
        },
      ],
      {
        events: [
          {
            message: `(service web) (deployment ${OURS}) deployment failed: tasks failed to start.`,
          },
        ],
      },
    );
    expect(rolloutVerdict(after, OURS).kind).toBe("rolled-back");
  });

  it("is superseded when another deployment replaced ours (someone deployed meanwhile)", () => {
    const later = service([
      { id: "ecs-svc/later", status: "PRIMARY", rolloutState: "IN_PROGRESS" },
      ours({ status: "ACTIVE" }),
    ]);
    expect(rolloutVerdict(later, OURS)).toEqual({ kind: "superseded", by: "ecs-svc/later" });
    const gone = service([{ id: "ecs-svc/later", status: "PRIMARY", rolloutState: "COMPLETED" }]);
    expect(rolloutVerdict(gone, OURS)).toEqual({ kind: "superseded", by: "ecs-svc/later" });
  });

  it("is failed when the service was deleted or is draining", () => {
    expect(rolloutVerdict(undefined, OURS).kind).toBe("failed");
    expect(rolloutVerdict(service([ours()], { status: "DRAINING" }), OURS)).toEqual({
      kind: "failed",
      detail: "the service is DRAINING",
    });
  });

  it("without rolloutState, is completed only when ours is the single deployment at its count", () => {
    const classic = (d: Partial<Deployment>, others: Deployment[] = []) =>
      rolloutVerdict(service([ours({ rolloutState: undefined, ...d }), ...others]), OURS).kind;
    expect(classic({ runningCount: 2 })).toBe("completed");
    expect(classic({ runningCount: 1 })).toBe("in-progress");
    expect(classic({ runningCount: 2 }, [{ id: "old", status: "ACTIVE" }])).toBe("in-progress");
  });
});
