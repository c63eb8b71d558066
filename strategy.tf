# The rotation strategy's permissions and cross-variable checks. The statements here are merged
# into the function's one policy document (iam.tf); they exist only for what is configured.

locals {
  alternating_users = var.strategy == "alternating-users"
  # Must match defaultTwinUser in lambda-src/config.ts.
  twin_username = coalesce(var.db_twin_username, "${var.db_username}_clone")

  admin_parameter_arn = (
    var.admin_parameter_name == null ? null :
    "${local.ssm_arn_prefix}${trimprefix(var.admin_parameter_name, "/")}"
  )
  username_parameter_arn = (
    var.username_parameter_name == null ? null :
    "${local.ssm_arn_prefix}${trimprefix(var.username_parameter_name, "/")}"
  )

  # The strategy's parameters must differ from each other and from the password, pending and
  # DATABASE_URL ones (whose own clashes the security group's preconditions report).
  strategy_parameter_names = compact([
    var.username_parameter_name,
    local.alternating_users ? var.admin_parameter_name : null,
  ])
  core_parameter_names = compact([
    var.password_parameter_name,
    local.pending_parameter_name,
    var.database_url_parameter_name,
  ])
}

data "aws_iam_policy_document" "strategy" {
  count = local.create ? 1 : 0

  # Read-only: the administrative credentials are managed elsewhere (e.g. the RDS master user).
  dynamic "statement" {
    for_each = local.alternating_users && local.admin_parameter_arn != null ? [local.admin_parameter_arn] : []
    content {
      sid       = "ReadAdministrativeCredentials"
      actions   = ["ssm:GetParameter"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.alternating_users && var.admin_parameter_kms_key_arn != null ? [var.admin_parameter_kms_key_arn] : []
    content {
      sid       = "DecryptAdministrativeCredentialsThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }

  # Published after each rotation next to the password (a String: a role name is no secret).
  dynamic "statement" {
    for_each = local.username_parameter_arn == null ? [] : [local.username_parameter_arn]
    content {
      sid       = "ReadAndPublishUsername"
      actions   = ["ssm:GetParameter", "ssm:PutParameter"]
      resources = [statement.value]
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
    precondition {
      condition = (
        length(distinct(local.strategy_parameter_names)) == length(local.strategy_parameter_names) &&
        length(setintersection(local.strategy_parameter_names, local.core_parameter_names)) == 0
      )
      error_message = "admin_parameter_name and username_parameter_name must differ from each other and from the password, pending and DATABASE_URL parameters."
    }
  }
}
