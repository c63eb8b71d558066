/**
 * Where a rolling deployment stands, judged from one DescribeServices answer. A pure function,
 * so each state ECS can be in is a unit test.
 *
 * Why not the SDK's waitUntilServicesStable: it only asks "one deployment, runningCount ==
 * desiredCount". A deployment that the circuit breaker rolled back also ends that way (the
 * rollback deployment becomes the only one and reaches its count), so the waiter would report a
 * failed refresh as a success; it also knows nothing of FAILED, of our deployment id, or of
 * another deployment that replaced ours, and it waits for up to ten services as one.
 */
import type { Deployment, Service } from "@aws-sdk/client-ecs";

export type RolloutVerdict =
  | { readonly kind: "in-progress"; readonly detail: string }
  | { readonly kind: "completed"; readonly detail: string }
  | { readonly kind: "failed"; readonly detail: string }
  | { readonly kind: "rolled-back"; readonly detail: string }
  /** Someone deployed after us: follow that deployment (its tasks also read the new value). */
  | { readonly kind: "superseded"; readonly by: string };

export function rolloutVerdict(service: Service | undefined, deploymentId: string): RolloutVerdict {
  if (!service) return { kind: "failed", detail: "the service no longer exists" };
  if (service.status !== "ACTIVE") {
    return { kind: "failed", detail: `the service is ${service.status ?? "not ACTIVE"}` };
  }
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === deploymentId);
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const counts = (d: Deployment) => `${d.runningCount ?? 0}/${d.desiredCount ?? 0} tasks running`;

  if (ours === undefined) {
    if (rolledBackAccordingToEvents(service, deploymentId)) {
      return {
        kind: "rolled-back",
        detail: rolledBackTo(deploymentId, primary?.id),
      };
    }
    if (primary?.id) return { kind: "superseded", by: primary.id };
    return { kind: "failed", detail: `deployment ${deploymentId} disappeared` };
  }

  switch (ours.rolloutState) {
    case "COMPLETED":
      return {
        kind: "completed",
        detail: `deployment ${deploymentId} completed (${counts(ours)})`,
      };
    case "FAILED": {
      const reason = ours.rolloutStateReason ? `: ${ours.rolloutStateReason}` : "";
      if (primary && primary.id !== deploymentId) {
        return {
          kind: "rolled-back",
          detail: `${rolledBackTo(deploymentId, primary.id)}${reason}`,
        };
      }
      return { kind: "failed", detail: `deployment ${deploymentId} failed${reason}` };
    }
    default:
      break;
  }

  if (ours.status !== "PRIMARY" && primary?.id && primary.id !== deploymentId) {
    return { kind: "superseded", by: primary.id };
  }
  // Services without rolloutState (older API callers, daemon services on some platforms):
  // the classic definition of stable, as the SDK waiter uses it.
  if (
    ours.rolloutState === undefined &&
    deployments.length === 1 &&
    (ours.runningCount ?? 0) === (ours.desiredCount ?? 0)
  ) {
    return { kind: "completed", detail: `deployment ${deploymentId} is stable (${counts(ours)})` };
  }
  return { kind: "in-progress", detail: `deployment ${deploymentId}: ${counts(ours)}` };
}

/**
 * Once a rollback finished, ECS drops the failed deployment from `deployments`; what remains
 * is the service event "(deployment <id>) deployment failed" / "rolling back".
 */
function rolledBackAccordingToEvents(service: Service, deploymentId: string): boolean {
  return (service.events ?? []).some(
    (event) =>
      event.message?.includes(deploymentId) === true &&
      /deployment failed|rolling back|rolled back/i.test(event.message),
  );
}

/** What a rolled-back deployment's detail says. */
function rolledBackTo(deploymentId: string, primary: string | undefined): string {
  const to = primary ?? "the previous deployment";
  return `deployment ${deploymentId} failed and ECS rolled back to ${to}`;
}
