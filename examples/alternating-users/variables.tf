variable "region" {
  description = "AWS region of the database, the parameters and the ECS services."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (with a NAT gateway or VPC endpoints) for the rotation Lambda."
  type        = list(string)
}

variable "db_security_group_id" {
  description = "Security group of the existing database."
  type        = string
}

variable "db_host" {
  description = "Endpoint address of the existing RDS or Aurora PostgreSQL database."
  type        = string
}

variable "db_name" {
  description = "Database the Lambda connects to."
  type        = string
  default     = "postgres"
}

variable "db_username" {
  description = "Primary application role: it owns the objects; its twin acts as it."
  type        = string
}

variable "db_twin_username" {
  description = "Name of the twin role, or null for \"<db_username>_clone\". Created on the first rotation."
  type        = string
  default     = null
}

variable "admin_parameter_name" {
  description = "Existing SecureString holding {\"username\", \"password\"} of a role with CREATEROLE (e.g. the RDS master user)."
  type        = string
}

variable "admin_parameter_kms_key_arn" {
  description = "Customer managed KMS key of the admin parameter when it is not parameter_kms_key_arn, or null."
  type        = string
  default     = null
}

variable "username_parameter_name" {
  description = "Parameter created here that tells the applications which role to log in as."
  type        = string
}

variable "password_parameter_name" {
  description = "Existing SecureString parameter holding the primary role's current password."
  type        = string
}

variable "database_url_parameter_name" {
  description = "Existing parameter that receives the DATABASE_URL (role and password together) after each rotation, or null."
  type        = string
  default     = null
}

variable "parameter_kms_key_arn" {
  description = "Customer managed KMS key of the password and URL parameters, or null for aws/ssm."
  type        = string
  default     = null
}

variable "ecs_cluster_name" {
  description = "Cluster of the services that read the parameters."
  type        = string
  default     = null
}

variable "ecs_service_names" {
  description = "Services refreshed after each rotation."
  type        = list(string)
  default     = []
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when a rotation fails, or null."
  type        = string
  default     = null
}
