/** The public surface of the rotation Lambda: what the handler, the tests and scripts use. */
export { handler, createHandler, parseAction } from "./handler";
export type {
  HandlerOverrides,
  RotationHandler,
  InvocationContext,
  RotationAction,
} from "./handler";
export { rotate, decideRecovery } from "./rotation";
export type {
  Invocation,
  RotationDeps,
  RotationHooks,
  RotationOutcome,
  RotationResult,
  RecoveryVerdict,
  StepTiming,
} from "./rotation";
export { STEP_NAMES, type StepName } from "./steps";
export { dryRun, type DryRunReport, type DryRunCheck } from "./dry-run";
export { loadConfig, ConfigError, CONFIG_KEYS, type Config } from "./config";
export {
  RotationError,
  CredentialDriftError,
  RotationInProgress,
  redact,
  type RotationErrorKind,
} from "./errors";
export { generatePassword, validatePasswordPolicy, PasswordPolicyError } from "./password";
export { buildDatabaseUrl } from "./database-url";
export { scramSha256Verifier } from "./db/scram";
export {
  createPostgres,
  connect,
  setPassword,
  LoginFailedError,
  type LoginOutcome,
  type RoleDatabase,
  type RoleSession,
} from "./db/postgres";
export {
  createRoleAdministration,
  type AdminSession,
  type IdentifiedLogin,
  type RoleAdministration,
} from "./db/roles";
export { rotateAlternatingUsers, type AlternatingUsers } from "./alternating/rotation";
export {
  createParameterStore,
  ParameterStoreError,
  type SecretStore,
} from "./secrets/parameter-store";
export {
  createServiceRefresher,
  refreshFailure,
  refreshSettings,
  type PlannedService,
  type RefreshPlan,
  type RefreshReport,
  type RefreshSettings,
  type RefreshStrategy,
  type ServiceRefresh,
  type ServiceRefresher,
} from "./ecs/refresh";
export {
  createNotifier,
  type NotificationDelivery,
  type Notifier,
  type RotationNotice,
} from "./notify";
export { parsePending, serializePending, type PendingRecord } from "./pending";
