/**
 * The `rolling` restartMethod: UpdateService forceNewDeployment starts a deployment that replaces
 * every task with one started now, which reads the new value from SSM; then poll until that
 * deployment COMPLETED, FAILED or was rolled back, or the time is up. UpdateService's answer is
 * the first look; later ones come from the refresh's shared poller (poller.ts).
 */
import { UpdateServiceCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { rolloutVerdict } from "./rollout";
import type { ServicePoller } from "./services";
import type { PlannedService } from "../core/ports";

export type RollingResult = {
  readonly outcome: "completed" | "failed" | "rolled-back" | "timed-out";
  /** The deployment started, or followed when another one replaced it; absent when none started. */
  readonly deploymentId?: string;
  readonly detail: string;
};

/** The deployment UpdateService just created: the newest PRIMARY one. */
function newPrimary(service: Service | undefined): string | undefined {
  const primaries = (service?.deployments ?? []).filter((d) => d.status === "PRIMARY");
  primaries.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  return primaries[0]?.id;
}

export async function rollService(
  ecs: ECSClient,
  poller: ServicePoller,
  target: PlannedService,
  deadline: number,
): Promise<RollingResult> {
  const { cluster, service } = target;
  const out = await ecs.send(
    new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }),
  );
  let deploymentId = newPrimary(out.service);
  if (!deploymentId) {
    return { outcome: "failed", detail: "ECS started no PRIMARY deployment" };
  }
  const followed: string[] = [];
  let last = `deployment ${deploymentId} started`;
  const judge = (described: Service | undefined) => {
    const current = deploymentId as string;
    const seen = rolloutVerdict(described, current);
    if (seen.kind === "superseded") {
      // A deployment started after ours also starts every task after the new value was
      // published, so it refreshes the secret as well: wait for that one instead.
      followed.push(current);
      deploymentId = seen.by;
      last = `deployment ${current} was replaced by ${seen.by}`;
      return { done: false } as const;
    }
    if (seen.kind === "in-progress") {
      last = seen.detail;
      return { done: false } as const;
    }
    return { done: true, value: seen } as const;
  };
  const first = judge(out.service);
  const verdict = first.done
    ? first.value
    : await poller.until({ cluster, service }, judge, deadline, true);
  const note = followed.length > 0 ? ` (after ${followed.join(", ")} was replaced)` : "";
  if (verdict === undefined) {
    return { outcome: "timed-out", deploymentId, detail: `still in progress: ${last}${note}` };
  }
  return { outcome: verdict.kind, deploymentId, detail: `${verdict.detail}${note}` };
}
