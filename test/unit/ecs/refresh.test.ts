import {
  DescribeServicesCommand,
  ECSClient,
  ServiceNotActiveException,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { createServiceRefresher } from "../../../lambda-src/ecs/refresh";

const ecs = mockClient(ECSClient);
const refresher = createServiceRefresher(new ECSClient({ region: "eu-west-1" }));

beforeEach(() => ecs.reset());

describe("refresh", () => {
  it("forces a new deployment of each service and reports its PRIMARY deployment", async () => {
    ecs.on(UpdateServiceCommand).callsFake((input: { service: string }) => ({
      service: {
        deployments: [
          { id: `ecs-svc/${input.service}-new`, status: "PRIMARY" },
          { id: "ecs-svc/old", status: "ACTIVE" },
        ],
      },
    }));
    const results = await refresher.refresh("main", ["web", "worker"]);
    expect(results).toEqual([
      { service: "web", deploymentId: "ecs-svc/web-new", ok: true },
      { service: "worker", deploymentId: "ecs-svc/worker-new", ok: true },
    ]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: "main", service: "web", forceNewDeployment: true },
      { cluster: "main", service: "worker", forceNewDeployment: true },
    ]);
  });

  it("reports a failing service without hiding the others", async () => {
    ecs
      .on(UpdateServiceCommand, { service: "web" })
      .resolves({ service: { deployments: [{ id: "d-1", status: "PRIMARY" }] } })
      .on(UpdateServiceCommand, { service: "gone" })
      .rejects(
        new ServiceNotActiveException({ message: "Service was not ACTIVE.", $metadata: {} }),
      );
    const results = await refresher.refresh("main", ["web", "gone"]);
    expect(results[0]).toMatchObject({ service: "web", ok: true });
    expect(results[1]).toEqual({
      service: "gone",
      deploymentId: undefined,
      ok: false,
      error: "ServiceNotActiveException: Service was not ACTIVE.",
    });
  });
});

describe("describe", () => {
  it("batches by ten and marks unknown services MISSING", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
    ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services
        .filter((s) => s !== "svc-11")
        .map((s) => ({ serviceName: s, status: "ACTIVE" })),
    }));
    const statuses = await refresher.describe("main", names);
    expect(
      ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.length),
    ).toEqual([10, 2]);
    expect(statuses.at(-1)).toEqual({ service: "svc-11", status: "MISSING" });
    expect(statuses.filter((s) => s.status === "ACTIVE")).toHaveLength(11);
  });
});
