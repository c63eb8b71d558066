# The rotation strategy's permissions (its checks are in validations.tf). The statements here are merged
# into the function's one policy document (iam.tf); they exist only for what is configured.
# The username parameter is published by either strategy: its grant is in iam.tf.

locals {
  alternating_users = var.rotation_strategy == "alternating-users"
}

data "aws_iam_policy_document" "strategy" {
  count = local.create ? 1 : 0

  # Read-only: the administrative credentials are managed elsewhere (e.g. the RDS master user).
  dynamic "statement" {
    # Present only for alternating-users (locals.tf, parameter_names).
    for_each = [for role, arn in local.parameter_arns : arn if role == "admin"]
    content {
      sid       = "ReadAdministrativeCredentials"
      actions   = ["ssm:GetParameter"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.alternating_users && var.use_admin_parameter_kms_key ? [var.admin_parameter_kms_key_arn] : []
    content {
      sid     = "DecryptAdministrativeCredentialsThroughSsm"
      actions = ["kms:Decrypt"]
      # compact: a switch on without its ARN must reach the check in validations.tf, not fail here.
      resources = compact([statement.value])

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ssm_via_service]
      }
    }
  }
}
