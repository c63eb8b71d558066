data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  create = var.create

  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  lambda_zip_path        = coalesce(var.lambda_zip_path, "${path.module}/dist/rotator.zip")
  pending_parameter_name = coalesce(var.pending_parameter_name, "${var.password_parameter_name}-pending")

  # SSM ARNs drop the leading slash of hierarchical names: "/app/db" -> "parameter/app/db".
  ssm_arn_prefix         = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/"
  password_parameter_arn = "${local.ssm_arn_prefix}${trimprefix(var.password_parameter_name, "/")}"
  pending_parameter_arn  = "${local.ssm_arn_prefix}${trimprefix(local.pending_parameter_name, "/")}"
  database_url_parameter_arn = (
    var.database_url_parameter_name == null ? null :
    "${local.ssm_arn_prefix}${trimprefix(var.database_url_parameter_name, "/")}"
  )

  # Empty without a cluster; the security group's precondition then names the missing variable.
  ecs_service_arns = var.ecs_cluster_name == null ? [] : [
    for service in var.ecs_service_names :
    "arn:${local.partition}:ecs:${local.region}:${local.account_id}:service/${var.ecs_cluster_name}/${service}"
  ]

  # Exactly the keys of CONFIG_KEYS in lambda-src/config.ts (test/module/contract.test.ts).
  # The Lambda treats "" as unset, so optional settings are written as "" rather than omitted.
  # Nothing here is secret: the password lives only in SSM.
  lambda_environment = {
    DB_HOST                      = var.db_host
    DB_PORT                      = tostring(var.db_port)
    DB_NAME                      = var.db_name
    DB_USER                      = var.db_username
    DB_TLS_MODE                  = var.db_tls_mode
    DB_CA_BUNDLE_FILE            = var.db_ca_bundle_file == null ? "" : var.db_ca_bundle_file
    DB_CONNECT_TIMEOUT_MS        = tostring(var.db_connect_timeout_ms)
    DB_STATEMENT_TIMEOUT_MS      = tostring(var.db_statement_timeout_ms)
    PASSWORD_PARAMETER           = var.password_parameter_name
    PENDING_PARAMETER            = local.pending_parameter_name
    DATABASE_URL_PARAMETER       = var.database_url_parameter_name == null ? "" : var.database_url_parameter_name
    DATABASE_URL_TEMPLATE        = var.database_url_template == null ? "" : var.database_url_template
    KMS_KEY_ID                   = var.parameter_kms_key_arn == null ? "" : var.parameter_kms_key_arn
    PASSWORD_LENGTH              = tostring(var.password_length)
    PASSWORD_EXCLUDE_CHARACTERS  = var.password_exclude_characters == null ? "" : var.password_exclude_characters
    ECS_CLUSTER                  = var.ecs_cluster_name == null ? "" : var.ecs_cluster_name
    ECS_SERVICES                 = join(",", var.ecs_service_names)
    POWERTOOLS_SERVICE_NAME      = var.name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level

    # Rotation strategy (strategy.tf).
    ROTATION_STRATEGY  = var.strategy
    ADMIN_PARAMETER    = var.admin_parameter_name == null ? "" : var.admin_parameter_name
    USERNAME_PARAMETER = var.username_parameter_name == null ? "" : var.username_parameter_name
    DB_TWIN_USER       = var.db_twin_username == null ? "" : var.db_twin_username

    # ECS refresh (refresh.tf) and notifications (notifications.tf).
    ECS_DISCOVERY_CLUSTERS       = join(",", var.ecs_discovery_cluster_names)
    ECS_REFRESH_STRATEGY         = var.ecs_refresh_strategy
    ECS_SERVICE_STRATEGIES       = join(",", [for service, strategy in var.ecs_service_strategies : "${service}=${strategy}"])
    ECS_REFRESH_CONCURRENCY      = tostring(var.ecs_refresh_concurrency)
    ECS_WAIT_TIMEOUT_SECONDS     = tostring(var.ecs_wait_timeout_seconds)
    ECS_STOP_TASK_PACING_SECONDS = tostring(var.ecs_stop_task_pacing_seconds)
    NOTIFY_SNS_TOPIC_ARN         = var.notification_sns_topic_arn == null ? "" : var.notification_sns_topic_arn
    NOTIFY_EVENT_BUS             = var.notification_event_bus == null ? "" : var.notification_event_bus
    NOTIFY_EVENT_SOURCE          = var.notification_event_source
  }

  log_group_name = "/aws/lambda/${var.name}"

  # Longest a rotation can run, plus slack, so the CLI neither times out nor retries the invoke.
  cli_read_timeout = var.timeout + 30
  invoke_command = {
    for action in ["rotate", "dry-run"] : action => join(" ", [
      # One attempt: the CLI would otherwise retry a slow or throttled invoke on its own.
      "AWS_MAX_ATTEMPTS=1 aws lambda invoke",
      "--region ${local.region}",
      "--function-name ${var.name}",
      "--cli-binary-format raw-in-base64-out",
      "--cli-read-timeout ${local.cli_read_timeout}",
      "--payload '${jsonencode({ action = action })}'",
      "${action}-result.json",
    ])
  }
}
