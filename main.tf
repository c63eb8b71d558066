resource "aws_cloudwatch_log_group" "this" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV_AWS_158:KMS encryption is opt-in through var.log_kms_key_arn; log lines carry no secrets (docs/design.md §Invariants 3) and CloudWatch encrypts at rest by default.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags

  depends_on = [terraform_data.validations]
}

resource "aws_lambda_function" "this" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV_AWS_116:Retries are 0 on purpose and the schedules send constant events (events/rotate.json, events/resume.json): there is nothing to replay; the hourly resume run finishes an interrupted rotation, and failures raise the Errors alarm (monitoring.tf).
  #checkov:skip=CKV_AWS_173:The environment holds no secret (the password lives only in SSM or Secrets Manager); a customer managed key is opt-in through var.kms_key_arn.
  #checkov:skip=CKV_AWS_272:Code signing is opt-in through var.code_signing_config_arn; the committed zip is a reproducible build pinned by source_code_hash.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is opt-in through var.tracing_enabled (it needs X-Ray egress or an endpoint).
  function_name = var.name
  # Lambda rejects descriptions over 256 characters at apply time; long names are cut, not rejected.
  description = substr("Rotates the PostgreSQL password of ${var.db_username}@${var.db_host} stored in ${local.password_location}", 0, 256)
  role        = aws_iam_role.this[0].arn

  filename         = local.lambda_zip_path
  source_code_hash = filebase64sha256(local.lambda_zip_path)
  handler          = "index.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout

  # One rotation at a time (docs/design.md §Invariants 4); the pending parameter is the second lock.
  reserved_concurrent_executions = 1

  kms_key_arn             = var.kms_key_arn
  code_signing_config_arn = var.code_signing_config_arn

  environment {
    variables = local.lambda_environment
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = local.security_group_ids
  }

  dynamic "tracing_config" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      mode = "Active"
    }
  }

  tags = var.tags

  # The group must exist (with its retention and key) before Lambda creates it on first log line,
  # and the role's policy before Lambda checks its ENI permissions.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count = local.create ? 1 : 0

  function_name = aws_lambda_function.this[0].function_name

  # A rotation that failed must not silently run again: the next run is the next schedule or an operator.
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}
