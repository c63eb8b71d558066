resource "aws_security_group" "this" {
  count = local.create ? 1 : 0

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
      condition = !contains(
        compact([var.password_parameter_name, var.database_url_parameter_name]),
        local.pending_parameter_name,
      ) && var.password_parameter_name != var.database_url_parameter_name
      error_message = "password_parameter_name, pending_parameter_name and database_url_parameter_name must be three different parameters."
    }
    precondition {
      condition     = var.create_vpc_endpoints || length(var.https_egress_cidr_blocks) > 0
      error_message = "The Lambda cannot reach the SSM and ECS APIs: set https_egress_cidr_blocks (NAT or proxy) or create_vpc_endpoints = true."
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "database_sg" {
  count = local.create && var.db_security_group_id != null ? 1 : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "PostgreSQL to the database security group"
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port
  referenced_security_group_id = var.db_security_group_id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "database_cidr" {
  for_each = local.create ? toset(var.db_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "PostgreSQL to the database subnet ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.db_port
  to_port           = var.db_port
  cidr_ipv4         = each.value

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = local.create ? toset(var.https_egress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to the AWS APIs (SSM, ECS) via ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value

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

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  count = local.create && var.create_vpc_endpoints ? 1 : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "HTTPS to the VPC interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints[0].id

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
