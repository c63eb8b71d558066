# The handler throws when a rotation or a service refresh fails, so Lambda's Errors metric
# counts failed runs, including ones that never reached the rotation code (bad config, timeout).
resource "aws_cloudwatch_metric_alarm" "errors" {
  count = local.create && var.create_errors_alarm ? 1 : 0

  alarm_name        = "${var.name}-errors"
  alarm_description = "The ${var.name} password rotation failed. Read its log group ${local.log_group_name}; rerun with the command in the module output manual_rotation_command."

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions = {
    FunctionName = aws_lambda_function.this[0].function_name
  }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions

  tags = var.tags
}

# The function's own RotationFailed metric (EMF, dimension service = var.name): runs whose rotation
# or ECS refresh failed (a deployment rolled back or timed out included), by the rotation's own
# account. Errors above also counts what never reached it: bad configuration, the timeout.
resource "aws_cloudwatch_metric_alarm" "rotation_failed" {
  count = local.create && var.create_rotation_failed_alarm ? 1 : 0

  alarm_name        = "${var.name}-rotation-failed"
  alarm_description = "A password rotation or the ECS refresh after it failed (${var.name}). Read the log group ${local.log_group_name} (step and outcome on every line); the notification, if configured, lists each service's result. Check the setup with the dry_run_command output."

  namespace   = var.metrics_namespace
  metric_name = "RotationFailed"
  dimensions = {
    service = var.name
  }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions

  tags = var.tags
}
