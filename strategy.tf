# The rotation strategy's permissions and cross-variable checks. The statements here are merged
# into the function's one policy document (iam.tf); they exist only for what is configured.
# The username parameter is published by either strategy: its grant is in iam.tf.

locals {
  alternating_users = var.strategy == "alternating-users"
  # Must match defaultTwinUser in lambda-src/config.ts.
  twin_username = coalesce(var.db_twin_username, "${var.db_username}_clone")
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
      sid       = "DecryptAdministrativeCredentialsThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.ssm_via_service]
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !local.alternating_users || var.admin_parameter_name != null
      error_message = "strategy = \"alternating-users\" needs admin_parameter_name: a SecureString holding {\"username\": ..., \"password\": ...} of a role with CREATEROLE, which creates the twin role and changes its password."
    }
    precondition {
      # Characters, not bytes: Terraform has no byte length; the Lambda checks bytes at load time.
      condition     = !local.alternating_users || (length(local.twin_username) <= 63 && local.twin_username != var.db_username)
      error_message = "The twin role name (db_twin_username, default \"<db_username>_clone\") must be at most 63 characters and differ from db_username; set a shorter db_twin_username."
    }
  }
}
