resource "aws_security_group" "this" {
  count = local.create ? 1 : 0

  #checkov:skip=CKV2_AWS_5:Attached to the function (main.tf vpc_config, via local.security_group_ids, which checkov does not follow inside a module call); module.tftest.hcl "function_settings" asserts the attachment.

  name_prefix = "${var.name}-"
  description = "Password rotation Lambda ${var.name}: egress to the database and to AWS APIs only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true

    # Checks that involve several variables (a validation block may only see its own before Terraform 1.9).
    precondition {
      condition     = (var.db_security_group_id != null) != (length(var.db_cidr_blocks) > 0)
      error_message = "Set exactly one of db_security_group_id (the database's security group) or db_cidr_blocks (its subnets), so the Lambda can reach the database."
    }
    precondition {
      condition     = !var.create_db_ingress_rule || var.db_security_group_id != null
      error_message = "create_db_ingress_rule = true needs db_security_group_id: the rule is added to that group."
    }
    precondition {
      condition     = length(var.ecs_service_names) == 0 || var.ecs_cluster_name != null
      error_message = "ecs_service_names is set but ecs_cluster_name is null: set the cluster that runs these services."
    }
    precondition {
      # One grant and one value per parameter: two roles on one parameter would overwrite each other.
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
    precondition {
      condition     = var.create_vpc_endpoints || length(var.https_egress_cidr_blocks) > 0
      error_message = "The Lambda cannot reach the SSM and ECS APIs: set https_egress_cidr_blocks (NAT or proxy) or create_vpc_endpoints = true."
    }
  }
}

locals {
  # The function's only ways out: the database port, and 443 for the AWS APIs (through a NAT
  # gateway or proxy, or to the module's interface endpoints). The keys must be known at plan
  # time, so they come from lists and switches, never from whether an ID is null: an ID of a
  # resource created in the same run is unknown until apply. Without db_cidr_blocks the database
  # is reached through db_security_group_id (validations.tf checks that exactly one is set).
  egress_rules = {
    for rule in concat(
      length(var.db_cidr_blocks) > 0 ? [] : [{
        key               = "database"
        description       = "PostgreSQL to the database security group"
        port              = var.db_port
        security_group_id = var.db_security_group_id
        cidr              = null
      }],
      [for cidr in var.db_cidr_blocks : {
        key               = "database-${cidr}"
        description       = "PostgreSQL to the database subnet ${cidr}"
        port              = var.db_port
        security_group_id = null
        cidr              = cidr
      }],
      [for cidr in var.https_egress_cidr_blocks : {
        key               = "https-${cidr}"
        description       = "HTTPS to the AWS APIs (SSM, ECS) via ${cidr}"
        port              = 443
        security_group_id = null
        cidr              = cidr
      }],
      var.create_vpc_endpoints ? [{
        key         = "endpoints"
        description = "HTTPS to the VPC interface endpoints"
        port        = 443
        # one(), not [0]: this list is built before "if local.create" drops it; with create = false there is no group.
        security_group_id = one(aws_security_group.endpoints[*].id)
        cidr              = null
      }] : [],
    ) : rule.key => rule if local.create
  }
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress_rules

  security_group_id            = aws_security_group.this[0].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group_id
  cidr_ipv4                    = each.value.cidr

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "database" {
  count = local.create && var.create_db_ingress_rule ? 1 : 0

  security_group_id            = var.db_security_group_id
  description                  = "PostgreSQL from the ${var.name} password rotation Lambda"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = aws_security_group.this[0].id

  tags = var.tags
}

# Interface endpoints for private subnets without a NAT gateway. The Lambda calls SSM and ECS;
# SSM calls KMS on its behalf; logs reach CloudWatch through the Lambda service, but the
# endpoint keeps any SDK call to CloudWatch Logs inside the VPC too.
resource "aws_security_group" "endpoints" {
  count = local.create && var.create_vpc_endpoints ? 1 : 0

  name_prefix = "${var.name}-endpoints-"
  description = "VPC interface endpoints used by the ${var.name} password rotation Lambda"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-endpoints" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints" {
  count = local.create && var.create_vpc_endpoints ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the ${var.name} password rotation Lambda"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.this[0].id

  tags = var.tags
}

resource "aws_vpc_endpoint" "this" {
  for_each = local.create && var.create_vpc_endpoints ? toset(var.vpc_endpoint_services) : toset([])

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.vpc_endpoint_subnet_ids != null ? var.vpc_endpoint_subnet_ids : var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(var.tags, { Name = "${var.name}-${each.value}" })
}
