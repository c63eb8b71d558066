# Every check that involves more than one variable, in one place. A variable's own validation
# block checks only that variable (variables.tf); these run at plan time when the values are
# known, and at apply time otherwise (IDs and ARNs of resources created in the same run). The
# module's first resources depend on this one, so a failed check creates nothing.
resource "terraform_data" "validations" {
  count = local.create ? 1 : 0

  lifecycle {
    # Network: how the function reaches the database and the AWS APIs.
    precondition {
      condition     = (var.db_security_group_id != null) != (length(var.db_cidr_blocks) > 0)
      error_message = "Set exactly one of db_security_group_id (the database's security group) or db_cidr_blocks (its subnets), so the function can reach the database."
    }
    precondition {
      condition     = !var.create_db_ingress_rule || var.db_security_group_id != null
      error_message = "create_db_ingress_rule = true needs db_security_group_id: the rule is added to that group."
    }
    precondition {
      condition     = var.create_vpc_endpoints || length(var.https_egress_cidr_blocks) > 0
      error_message = "The function cannot reach the SSM and ECS APIs: set https_egress_cidr_blocks (NAT gateway or proxy) or create_vpc_endpoints = true."
    }

    # Parameters: one grant and one value per parameter; two roles on one parameter would
    # overwrite each other.
    precondition {
      condition     = length(local.parameter_clashes) == 0
      error_message = "The password, pending, DATABASE_URL, username and (alternating-users) admin parameters must be different parameters: ${join("; ", local.parameter_clashes)}."
    }

    # Each grant of a key, topic or bus has its own switch, so that Terraform knows at plan time
    # which policy statements exist even before a key or topic created in the same run has an ARN.
    precondition {
      condition     = var.use_parameter_kms_key == (var.parameter_kms_key_arn != null)
      error_message = "Set use_parameter_kms_key = true exactly when parameter_kms_key_arn is set: the switch grants the function that key."
    }
    precondition {
      condition     = !local.alternating_users || var.use_admin_parameter_kms_key == (var.admin_parameter_kms_key_arn != null)
      error_message = "Set use_admin_parameter_kms_key = true exactly when admin_parameter_kms_key_arn is set: the switch grants the function that key."
    }
    precondition {
      condition     = var.use_notification_sns_topic == (var.notification_sns_topic_arn != null)
      error_message = "Set use_notification_sns_topic = true exactly when notification_sns_topic_arn is set: the switch lets the function publish to that topic."
    }
    precondition {
      condition     = var.use_notification_event_bus == (var.notification_event_bus != null)
      error_message = "Set use_notification_event_bus = true exactly when notification_event_bus is set: the switch lets the function put events on that bus."
    }

    # Secret store (secrets-manager.tf): each store's own settings, and none of the other's.
    precondition {
      condition     = local.secrets_manager || var.password_parameter_name != null
      error_message = "secret_store = \"ssm\" (the default) needs password_parameter_name: the SecureString parameter holding the current password. To rotate a Secrets Manager secret instead, set secret_store = \"secretsmanager\" and secret_arn."
    }
    precondition {
      condition     = local.secrets_manager || length(local.secrets_manager_settings_set) == 0
      error_message = "${join(", ", local.secrets_manager_settings_set)}: Secrets Manager settings, used only with secret_store = \"secretsmanager\". Set secret_store = \"secretsmanager\", or remove them."
    }
    precondition {
      condition     = !local.secrets_manager || var.secret_arn != null
      error_message = "secret_store = \"secretsmanager\" needs secret_arn: the full ARN of the RDS-format JSON secret to rotate (e.g. aws_secretsmanager_secret.db.arn)."
    }
    precondition {
      condition     = !local.secrets_manager || length(local.ssm_settings_set) == 0
      error_message = "${join(", ", local.ssm_settings_set)}: SSM settings, which have no meaning with secret_store = \"secretsmanager\": the secret holds username, password, host, port and dbname for the applications, Secrets Manager stages the new password as AWSPENDING (no pending parameter), encrypts with the secret's own key (secret_kms_key_arn), and alternating-users reads admin_secret_arn. Remove them."
    }
    precondition {
      # Unknown until apply when the secret is created in the same run; then checked at apply.
      condition     = !local.secrets_manager || var.secret_arn == null || try(split(":", var.secret_arn)[3] == local.region, true)
      error_message = "secret_arn is in another region than the function (${local.region}): Secrets Manager invokes a rotation function of the secret's own region. Deploy the module in the secret's region."
    }
    precondition {
      condition     = !local.secrets_manager || var.use_secret_kms_key == (var.secret_kms_key_arn != null)
      error_message = "Set use_secret_kms_key = true exactly when secret_kms_key_arn is set: the switch grants the function that key, through Secrets Manager only."
    }
    precondition {
      condition     = !local.secrets_manager || !local.alternating_users || var.admin_secret_arn != null
      error_message = "secret_store = \"secretsmanager\" with rotation_strategy = \"alternating-users\" needs admin_secret_arn: the secret holding {\"username\", \"password\"} of a role with CREATEROLE (e.g. the RDS master user secret), which the rotated secret's \"masterarn\" names."
    }
    precondition {
      condition     = !local.secrets_manager || var.admin_secret_arn == null || var.admin_secret_arn != var.secret_arn
      error_message = "admin_secret_arn must be another secret than secret_arn: the function only reads the admin secret, and rotates secret_arn."
    }
    precondition {
      # Secrets Manager rotates at most every four hours and takes no rate in minutes.
      condition     = !local.secrets_manager || startswith(var.schedule_expression, "cron(") || can(regex("^rate\\((1 day|[1-9][0-9]* days|([4-9]|1[0-9]|2[0-3]) hours)\\)$", var.schedule_expression))
      error_message = "With secret_store = \"secretsmanager\", schedule_expression becomes the secret's rotation_rules, which take rate(<n> days), rate(<n> hours) for n from 4 to 23, or cron(...); not ${var.schedule_expression}."
    }
    precondition {
      condition     = !local.secrets_manager || !var.create_vpc_endpoints || contains(var.vpc_endpoint_services, "secretsmanager")
      error_message = "secret_store = \"secretsmanager\" with create_vpc_endpoints = true needs \"secretsmanager\" in vpc_endpoint_services: the function calls Secrets Manager."
    }

    # Rotation strategy.
    precondition {
      condition     = local.secrets_manager || !local.alternating_users || var.admin_parameter_name != null
      error_message = "rotation_strategy = \"alternating-users\" needs admin_parameter_name: a SecureString holding {\"username\": ..., \"password\": ...} of a role with CREATEROLE, which creates the twin role and changes its password."
    }
    precondition {
      # Characters, not bytes: Terraform has no byte length; the Lambda checks bytes at load time.
      condition     = !local.alternating_users || (length(local.derived_names.twin_username) <= 63 && local.derived_names.twin_username != var.db_username)
      error_message = "The twin role name (db_twin_username, default \"<db_username>_clone\") must be at most 63 characters and differ from db_username; set a shorter db_twin_username."
    }

    # ECS restart.
    precondition {
      condition     = length(var.ecs_service_names) == 0 || var.ecs_cluster_name != null
      error_message = "ecs_service_names is set but ecs_cluster_name is null: set the cluster that runs these services."
    }

    # Password policy: the Lambda refuses the same policies at load time (lambda-src/password.ts).
    precondition {
      condition     = local.password_entropy_bits >= 128
      error_message = "password_length ${var.password_length} over ${local.password_alphabet_size} allowed characters gives ${floor(local.password_entropy_bits)} bits of entropy, under the minimum of 128: set password_length to at least ${local.password_length_for_128_bits}, or exclude fewer characters (password_exclude_characters)."
    }
  }
}

locals {
  # The settings of one store that are set: with the other store they are refused (checks above).
  secrets_manager_settings_set = [
    for name, set in {
      secret_arn               = var.secret_arn != null
      secret_kms_key_arn       = var.secret_kms_key_arn != null
      use_secret_kms_key       = var.use_secret_kms_key
      admin_secret_arn         = var.admin_secret_arn != null
      secret_rotation_duration = var.secret_rotation_duration != null
    } : name if set
  ]
  ssm_settings_set = [
    for name, set in {
      password_parameter_name     = var.password_parameter_name != null
      pending_parameter_name      = var.pending_parameter_name != null
      database_url_parameter_name = var.database_url_parameter_name != null
      database_url_template       = var.database_url_template != null
      username_parameter_name     = var.username_parameter_name != null
      admin_parameter_name        = var.admin_parameter_name != null
      admin_parameter_kms_key_arn = var.admin_parameter_kms_key_arn != null
      use_admin_parameter_kms_key = var.use_admin_parameter_kms_key
      parameter_kms_key_arn       = var.parameter_kms_key_arn != null
      use_parameter_kms_key       = var.use_parameter_kms_key
    } : name if set
  ]
}

locals {
  # Generated passwords draw uniformly from printable ASCII minus the excluded characters, so
  # a policy gives password_length × log2(alphabet size) bits. Null exclusions mean the
  # Lambda's default, DEFAULT_EXCLUDED_CHARACTERS in lambda-src/config/schema.ts (a test keeps
  # the two equal): URL delimiters, quotes, backslash, backtick, space, and $ and # for .env files.
  password_default_excluded_characters = "/@\"'\\:` $#"
  password_printable_ascii             = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
  password_excluded                    = split("", coalesce(var.password_exclude_characters, local.password_default_excluded_characters))
  password_alphabet_size               = length([for c in split("", local.password_printable_ascii) : c if !contains(local.password_excluded, c)])
  password_bits_per_character          = log(max(local.password_alphabet_size, 2), 2)
  password_entropy_bits                = local.password_alphabet_size < 2 ? 0 : var.password_length * local.password_bits_per_character
  password_length_for_128_bits         = ceil(128 / local.password_bits_per_character)
}
