# The rotate schedule exists with SSM only: with Secrets Manager, the secret's rotation_rules are
# the schedule (secrets-manager.tf) and Secrets Manager itself invokes the function.
resource "aws_cloudwatch_event_rule" "this" {
  count = local.create && !local.secrets_manager ? 1 : 0

  name = "${var.name}-schedule"
  # EventBridge rejects descriptions over 512 characters at apply time; a long name is cut.
  description         = substr("Rotates the password in ${local.password_store_name} on a schedule", 0, 512)
  schedule_expression = var.schedule_expression
  # The rule exists even when disabled, so switching the schedule on and off changes no ARN.
  state = var.schedule_enabled ? "ENABLED" : "DISABLED"

  tags = var.tags

  depends_on = [terraform_data.validations]
}

resource "aws_cloudwatch_event_target" "this" {
  count = local.create && !local.secrets_manager ? 1 : 0

  rule      = aws_cloudwatch_event_rule.this[0].name
  target_id = "rotate"
  arn       = aws_lambda_function.this[0].arn
  # The payload is the shipped sample event, so the sample the tests deliver is what the rule sends.
  input = jsonencode(jsondecode(file("${path.module}/events/rotate.json")))

  # EventBridge retries failed deliveries for 24 h by default; a missed rotation waits for the next one.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "schedule" {
  count = local.create && !local.secrets_manager ? 1 : 0

  statement_id  = "AllowScheduleRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[0].arn
}

# Self-healing: a frequent rule that only finishes an interrupted rotation ({"action":"resume"})
# and never starts one, so a run cut short (a timeout, a throttled write, a crash) completes
# within one resume interval with nobody touching it. With nothing pending, a run reads one
# parameter and ends "nothing-to-resume" (no login, no metric, no notification).
resource "aws_cloudwatch_event_rule" "resume" {
  count = local.create ? 1 : 0

  name                = "${var.name}-resume"
  description         = substr("Finishes an interrupted rotation of ${local.password_store_name}; never starts one", 0, 512)
  schedule_expression = var.resume_schedule_expression
  state               = var.resume_schedule_enabled ? "ENABLED" : "DISABLED"

  tags = var.tags

  depends_on = [terraform_data.validations]
}

resource "aws_cloudwatch_event_target" "resume" {
  count = local.create ? 1 : 0

  rule      = aws_cloudwatch_event_rule.resume[0].name
  target_id = "resume"
  arn       = aws_lambda_function.this[0].arn
  input     = jsonencode(jsondecode(file("${path.module}/events/resume.json")))

  # The next interval retries anyway.
  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "resume" {
  count = local.create ? 1 : 0

  statement_id  = "AllowResumeRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.resume[0].arn
}
