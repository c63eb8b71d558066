/**
 * The environment variables the Lambda reads, each with the Terraform variable an operator
 * changes to fix it. This is the TypeScript side of the contract with the module: `locals.tf`
 * `lambda_settings` sets exactly these keys (docs/design.md §Configuration contract;
 * test/module/contract.test.ts checks both directions).
 */
export const CONFIG_KEYS = {
  DB_HOST: "db_host",
  DB_PORT: "db_port",
  DB_NAME: "db_name",
  DB_USER: "db_username",
  DB_TLS_MODE: "db_tls_mode",
  DB_CA_BUNDLE_FILE: "db_ca_bundle_file",
  DB_CONNECT_TIMEOUT_MS: "db_connect_timeout_ms",
  DB_STATEMENT_TIMEOUT_MS: "db_statement_timeout_ms",
  PASSWORD_PARAMETER: "password_parameter_name",
  PENDING_PARAMETER: "pending_parameter_name",
  DATABASE_URL_PARAMETER: "database_url_parameter_name",
  DATABASE_URL_TEMPLATE: "database_url_template",
  KMS_KEY_ID: "parameter_kms_key_arn",
  PASSWORD_LENGTH: "password_length",
  PASSWORD_EXCLUDE_CHARACTERS: "password_exclude_characters",
  ECS_CLUSTER: "ecs_cluster_name",
  ECS_SERVICES: "ecs_service_names",
  POWERTOOLS_SERVICE_NAME: "name",
  POWERTOOLS_METRICS_NAMESPACE: "metrics_namespace",
  POWERTOOLS_LOG_LEVEL: "log_level",
  POWERTOOLS_TRACE_ENABLED: "tracing_enabled",
  // Rotation strategy (lambda-src/strategies/).
  ROTATION_STRATEGY: "rotation_strategy",
  ADMIN_PARAMETER: "admin_parameter_name",
  USERNAME_PARAMETER: "username_parameter_name",
  DB_TWIN_USER: "db_twin_username",
  // ECS refresh (lambda-src/ecs/) and notifications (lambda-src/notify.ts).
  ECS_DISCOVERY_CLUSTERS: "ecs_discovery_cluster_names",
  ECS_RESTART_METHOD: "ecs_restart_method",
  ECS_SERVICE_RESTART_METHODS: "ecs_service_restart_methods",
  ECS_REFRESH_CONCURRENCY: "ecs_refresh_concurrency",
  ECS_WAIT_TIMEOUT_SECONDS: "ecs_wait_timeout_seconds",
  ECS_STOP_TASK_PACING_SECONDS: "ecs_stop_task_pacing_seconds",
  REFRESH_STATE_PARAMETER: "refresh_state_parameter_name",
  NOTIFY_SNS_TOPIC_ARN: "notification_sns_topic_arn",
  NOTIFY_EVENT_BUS: "notification_event_bus",
  NOTIFY_EVENT_SOURCE: "notification_event_source",
  // Secret store: SSM Parameter Store or Secrets Manager.
  SECRET_STORE: "secret_store",
  SECRET_ARN: "secret_arn",
  ADMIN_SECRET_ARN: "admin_secret_arn",
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
