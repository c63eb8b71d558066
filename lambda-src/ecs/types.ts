/**
 * The vocabulary of the ECS refresh (DESIGN step 6): which services, how each one is
 * refreshed, and how each refresh ended. Every string here is secret-free by construction:
 * it is built from ECS names, ARNs, states and ECS's own reasons.
 */

/**
 * `rolling`: a new deployment (UpdateService forceNewDeployment), for the ECS deployment
 * controller. `stop-tasks`: stop one task at a time and wait for its replacement, for
 * CODE_DEPLOY and EXTERNAL services, where UpdateService cannot force a deployment.
 */
export type RefreshStrategy = "rolling" | "stop-tasks";

/** What an operator configures: a strategy, or `auto` (chosen from the deployment controller). */
export type StrategySetting = RefreshStrategy | "auto";

export const STRATEGY_SETTINGS: readonly StrategySetting[] = ["auto", "rolling", "stop-tasks"];

/** How a service's refresh ended. */
export type RefreshOutcome =
  /** The new deployment COMPLETED, or every task was replaced by a running (healthy) one. */
  | "completed"
  /** The deployment FAILED, the service cannot be refreshed, or ECS refused a call. */
  | "failed"
  /** The deployment circuit breaker rolled the deployment back. */
  | "rolled-back"
  /** Still in progress when the wait ended (the wait timeout, or the Lambda's remaining time). */
  | "timed-out";

/** One service's refresh, as reported in the RotationResult, the logs and notifications. */
export interface ServiceRefresh {
  readonly service: string;
  readonly cluster: string;
  /** Undefined when the service could not be planned (missing, not ACTIVE, impossible strategy). */
  readonly strategy: RefreshStrategy | undefined;
  readonly outcome: RefreshOutcome;
  /** outcome === "completed". */
  readonly ok: boolean;
  /** From the first ECS call for this service until its outcome was known. */
  readonly durationMs: number;
  /** The deployment this run started (rolling), or followed when another one replaced it. */
  readonly deploymentId?: string;
  /** stop-tasks: how many of `tasksTotal` running tasks were replaced. */
  readonly tasksReplaced?: number;
  readonly tasksTotal?: number;
  /** One secret-free sentence: what happened, and for a failure why. */
  readonly detail: string;
}

/** A service the refresh will work on, with what ECS says about it and the strategy it gets. */
export interface PlannedService {
  readonly service: string;
  readonly cluster: string;
  readonly arn: string | undefined;
  /** Listed in ECS_SERVICES, or found by discovery (its task definition reads a rotated parameter). */
  readonly source: "listed" | "discovered";
  /** ECS, CODE_DEPLOY or EXTERNAL; undefined when ECS does not know the service. */
  readonly controller: string | undefined;
  readonly strategy: RefreshStrategy | undefined;
  readonly desiredCount: number;
  readonly runningCount: number;
  /** The current task definition (for EXTERNAL services: the PRIMARY task set's). */
  readonly taskDefinition: string | undefined;
  /** Why this service cannot be refreshed; the refresh reports it as failed without touching it. */
  readonly problem?: string;
}

export interface RefreshPlan {
  readonly services: readonly PlannedService[];
  /** Problems that are not one service's: a cluster that cannot be searched, for instance. */
  readonly problems: readonly string[];
}

/** What the refresh step returns: each service's outcome, plus problems that are no service's. */
export interface RefreshReport {
  readonly services: readonly ServiceRefresh[];
  readonly problems: readonly string[];
}

export interface RefreshRequest {
  /** Epoch ms when the Lambda will be stopped; every wait ends before it, with a margin. */
  readonly deadline: number;
}

/** What the rotation and the dry run need from ECS; faked in unit tests. */
export interface ServiceRefresher {
  /** Read-only: the services to refresh (listed and discovered) and each one's strategy. */
  plan(): Promise<RefreshPlan>;
  /** Refresh every planned service; never throws for a service, reports each outcome. */
  refresh(request: RefreshRequest): Promise<RefreshReport>;
}
