locals {
  # The function's own metrics (lambda-src/observability.ts METRIC_NAMES): EMF lines in its log
  # stream, namespace var.metrics_namespace, Powertools' one dimension service = var.name.
  # test/module/contract.test.ts checks these names against the TypeScript ones.
  rotation_metrics = {
    succeeded   = "RotationSucceeded"
    failed      = "RotationFailed"
    skipped     = "RotationSkipped"
    duration    = "RotationDuration"
    publish_gap = "PublishGap"
    # A rotation whose ECS refresh continues after it (docs/operations.md §In-flight refresh).
    refresh_in_progress = "RefreshInProgress"
  }
}

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
  metric_name = local.rotation_metrics.failed
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

# Rotation that silently stopped: every run ends "skipped" because the pending parameter's lease
# stays held (a stuck or planted record whose lease is still within reach). A real rotation holds
# the lease for at most the function's timeout, so with the hourly resume schedule skips in N
# consecutive hours mean N runs in a row met the same lock.
resource "aws_cloudwatch_metric_alarm" "rotation_skipped" {
  count = local.create && var.create_rotation_skipped_alarm ? 1 : 0

  alarm_name        = "${var.name}-rotation-skipped"
  alarm_description = "Runs of ${var.name} were skipped in each of the last ${var.rotation_skipped_alarm_hours} hours: the pending parameter stays locked and no rotation happens. Read the skipped lines in ${local.log_group_name} (holder, leaseExpiresAt), then see docs/operations.md of the module."

  namespace   = var.metrics_namespace
  metric_name = local.rotation_metrics.skipped
  dimensions = {
    service = var.name
  }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = var.rotation_skipped_alarm_hours
  datapoints_to_alarm = var.rotation_skipped_alarm_hours
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # An hour without a skipped run breaks the streak.
  treat_missing_data = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions

  tags = var.tags
}

# One page per rotation function: its runs, why they failed, how long the services went without
# the new password, and how long their restart took. The counts and times are the function's
# own EMF metrics; failure kinds and restart times come from its JSON log lines (run.ts logs
# outcome "failed" with the error's kind, and each step's "<step> done" line with its ms).
locals {
  # [namespace, metric, dimension, value] of each of the function's metrics.
  dashboard_series = {
    for key, metric in local.rotation_metrics : key => [var.metrics_namespace, metric, "service", var.name]
  }
  # A timing metric's daily longest and average.
  dashboard_timing = {
    for key in ["publish_gap", "duration"] : key => [
      for stat, label in { Maximum = "Longest", Average = "Average" } :
      concat(local.dashboard_series[key], [{ stat = stat, label = label }])
    ]
  }

  # Place (the grid is 24 units wide) and content of each widget; every one is 6 units high.
  dashboard_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 12
      properties = {
        title = "Rotations per day"
        stat  = "Sum"
        metrics = [
          concat(local.dashboard_series.succeeded, [{ label = "Succeeded" }]),
          concat(local.dashboard_series.failed, [{ label = "Failed" }]),
          concat(local.dashboard_series.skipped, [{ label = "Skipped (another run held the lock)" }]),
          concat(local.dashboard_series.refresh_in_progress, [{ label = "Refresh handed over (reported when it settles)" }]),
          ["AWS/Lambda", "Errors", "FunctionName", var.name, { label = "Function errors (any cause)" }],
        ]
      }
    },
    {
      type = "log", x = 12, y = 0, width = 12
      properties = {
        title = "Failures by kind and step"
        view  = "table"
        query = "SOURCE '${local.log_group_name}' | filter outcome = \"failed\" and ispresent(kind) | stats count(*) as failures by kind, step | sort failures desc"
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 12
      properties = {
        title   = "Publish gap: password changed, not yet readable from SSM (ms)"
        metrics = local.dashboard_timing.publish_gap
      }
    },
    {
      type = "log", x = 12, y = 6, width = 12
      properties = {
        title = "ECS restart time per rotation (ms)"
        query = "SOURCE '${local.log_group_name}' | filter step = \"refresh\" and outcome = \"ok\" and ispresent(ms) | stats max(ms) as restart_ms by bin(1d)"
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 24
      properties = {
        title   = "Rotation duration (ms)"
        metrics = local.dashboard_timing.duration
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = local.create && var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for widget in local.dashboard_widgets : merge(widget, {
        height = 6
        properties = merge(
          { region = local.region, view = "timeSeries" },
          widget.type == "metric" ? { period = 86400 } : {},
          widget.properties,
        )
      })
    ]
  })
}
