# Notifications at the end of each rotation (lambda-src/notify.ts): an SNS message and/or an
# EventBridge event. The function may publish only to the given topic, and put only its own
# events (its source, its two detail types) on the given bus. Each grant is switched on by a
# boolean, not by whether the ARN is null: a topic or bus created in the same run has no ARN
# until apply, and Terraform must know at plan time which statements exist.

locals {
  notification_event_bus_arn = (
    var.notification_event_bus == null ? null :
    startswith(var.notification_event_bus, "arn:") ? var.notification_event_bus :
    "${local.arn_prefix.events}:event-bus/${var.notification_event_bus}"
  )
}

data "aws_iam_policy_document" "notifications" {
  count = local.create ? 1 : 0

  dynamic "statement" {
    for_each = var.use_notification_sns_topic ? [var.notification_sns_topic_arn] : []
    content {
      sid       = "PublishRotationNotifications"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.use_notification_event_bus ? [local.notification_event_bus_arn] : []
    content {
      sid       = "PutRotationEvents"
      actions   = ["events:PutEvents"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "events:source"
        values   = [var.notification_event_source]
      }

      condition {
        test     = "StringEquals"
        variable = "events:detail-type"
        values   = ["RotationSucceeded", "RotationFailed"]
      }
    }
  }
}
