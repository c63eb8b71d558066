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

    # Rotation strategy.
    precondition {
      condition     = !local.alternating_users || var.admin_parameter_name != null
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
