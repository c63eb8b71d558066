data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  create = var.create

  partition = data.aws_partition.current.partition
  # id, not name: name is deprecated in provider 6.x; id is the region name in 5.x and 6.x.
  region     = data.aws_region.current.id
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  # ARN prefixes of this account and region, by service; an ARN is "<prefix>:<resource>".
  arn_prefix = {
    for service in ["ec2", "ecs", "events", "ssm"] :
    service => "arn:${local.partition}:${service}:${local.region}:${local.account_id}"
  }

  # SSM calls KMS on the function's behalf: the kms:ViaService value of every KMS grant.
  ssm_via_service = "ssm.${local.region}.${data.aws_partition.current.dns_suffix}"

  # The function's own security group first, then the caller's.
  security_group_ids = concat(aws_security_group.this[*].id, var.additional_security_group_ids)

  lambda_zip_path = coalesce(var.lambda_zip_path, "${path.module}/dist/rotator.zip")

  # The names the Lambda derives itself when a setting is unset (lambda-src/config/derived.ts), derived
  # here the same way so that the checks and grants use the names the function will use.
  # No pending parameter with Secrets Manager (AWSPENDING stages the password), nor in ssm mode
  # without a password parameter (validations.tf refuses that configuration).
  derived_names = {
    pending_parameter = (
      local.secrets_manager ? null :
      var.pending_parameter_name != null ? var.pending_parameter_name :
      var.password_parameter_name != null ? "${var.password_parameter_name}-pending" : null
    )
    twin_username = coalesce(var.db_twin_username, "${var.db_username}_clone")
    # One in-flight refresh record per function (lambda-src/core/refresh-record.ts), with either store.
    refresh_state_parameter = coalesce(var.refresh_state_parameter_name, "/rds-secret-rotation/${var.name}/refresh")
  }

  # Every SSM parameter the function uses, by role; "<role>_parameter_name" is the variable that
  # sets it. Unset optional ones are left out; the admin one counts only for alternating-users.
  # With Secrets Manager only the in-flight refresh record: the other settings are refused there
  # (validations.tf), and no SSM grant is made for a parameter the function never uses.
  parameter_names = {
    for role, name in {
      password      = var.password_parameter_name
      pending       = local.derived_names.pending_parameter
      database_url  = var.database_url_parameter_name
      username      = var.username_parameter_name
      admin         = local.alternating_users ? var.admin_parameter_name : null
      refresh_state = local.derived_names.refresh_state_parameter
    } : role => name if name != null && (!local.secrets_manager || role == "refresh_state")
  }
  # SSM ARNs drop the leading slash of hierarchical names: "/app/db" -> "parameter/app/db".
  parameter_arns = {
    for role, name in local.parameter_names : role => "${local.arn_prefix.ssm}:parameter/${trimprefix(name, "/")}"
  }
  # Parameters named by two roles: the one uniqueness check (validations.tf).
  parameter_clashes = [
    for name, roles in { for role, name in local.parameter_names : name => "${role}_parameter_name"... } :
    "${join(" and ", roles)} both name ${name}" if length(roles) > 1
  ]

  # Exactly the keys of CONFIG_KEYS in lambda-src/config/keys.ts (test/module/contract.test.ts).
  # Nothing here is secret: the password lives only in SSM or Secrets Manager.
  lambda_settings = {
    DB_HOST                      = var.db_host
    DB_PORT                      = var.db_port
    DB_NAME                      = var.db_name
    DB_USER                      = var.db_username
    DB_TLS_MODE                  = var.db_tls_mode
    DB_CA_BUNDLE_FILE            = var.db_ca_bundle_file
    DB_CONNECT_TIMEOUT_MS        = var.db_connect_timeout_ms
    DB_STATEMENT_TIMEOUT_MS      = var.db_statement_timeout_ms
    PASSWORD_PARAMETER           = var.password_parameter_name
    PENDING_PARAMETER            = local.derived_names.pending_parameter
    DATABASE_URL_PARAMETER       = var.database_url_parameter_name
    DATABASE_URL_TEMPLATE        = var.database_url_template
    KMS_KEY_ID                   = var.parameter_kms_key_arn
    PASSWORD_LENGTH              = var.password_length
    PASSWORD_EXCLUDE_CHARACTERS  = var.password_exclude_characters
    ECS_CLUSTER                  = var.ecs_cluster_name
    ECS_SERVICES                 = join(",", var.ecs_service_names)
    POWERTOOLS_SERVICE_NAME      = var.name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level
    POWERTOOLS_TRACE_ENABLED     = var.tracing_enabled

    # Rotation strategy (strategy.tf).
    ROTATION_STRATEGY  = var.rotation_strategy
    ADMIN_PARAMETER    = var.admin_parameter_name
    USERNAME_PARAMETER = var.username_parameter_name
    DB_TWIN_USER       = var.db_twin_username

    # ECS restart (refresh.tf) and notifications (notifications.tf).
    ECS_DISCOVERY_CLUSTERS       = join(",", var.ecs_discovery_cluster_names)
    ECS_RESTART_METHOD           = var.ecs_restart_method
    ECS_SERVICE_RESTART_METHODS  = join(",", [for service, method in var.ecs_service_restart_methods : "${service}=${method}"])
    ECS_REFRESH_CONCURRENCY      = var.ecs_refresh_concurrency
    ECS_WAIT_TIMEOUT_SECONDS     = var.ecs_wait_timeout_seconds
    ECS_STOP_TASK_PACING_SECONDS = var.ecs_stop_task_pacing_seconds
    REFRESH_STATE_PARAMETER      = local.derived_names.refresh_state_parameter
    NOTIFY_SNS_TOPIC_ARN         = var.notification_sns_topic_arn
    NOTIFY_EVENT_BUS             = var.notification_event_bus
    NOTIFY_EVENT_SOURCE          = var.notification_event_source

    # Secret store (secrets-manager.tf); the secret ARNs are "" with SSM.
    SECRET_STORE     = var.secret_store
    SECRET_ARN       = local.secrets_manager ? var.secret_arn : null
    ADMIN_SECRET_ARN = local.secrets_manager && local.alternating_users ? var.admin_secret_arn : null
  }

  # Environment values are strings; the Lambda treats "" as unset, so optional settings are
  # written as "" rather than omitted.
  lambda_environment = { for k, v in local.lambda_settings : k => v == null ? "" : tostring(v) }

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
