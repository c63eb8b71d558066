/**
 * One entry of the in-flight refresh record (core/refresh-record.ts, docs/design.md
 * §In-flight refresh): names, ARNs, IDs and times, never a secret.
 */

/** A service still being refreshed when the invocation that started it ended. */
export interface InFlightService {
  readonly service: string;
  readonly cluster: string;
  /** The service ARN, as ECS's deployment events name it in `resources`. */
  readonly arn: string;
  readonly restartMethod: "rolling" | "stop-tasks";
  /** Epoch ms of the first ECS call for it: its wait timeout counts from here. */
  readonly startedAt: number;
  /** rolling: the deployment to judge. stop-tasks: the task ARNs still to replace. */
  readonly deploymentId?: string;
  /** stop-tasks: the task definition, whose health checks decide when a replacement is ready. */
  readonly taskDefinition?: string;
  readonly tasks?: {
    readonly remaining: readonly string[];
    readonly replaced: number;
    readonly total: number;
  };
  /** The last thing known about it, for the report. */
  readonly detail: string;
}
