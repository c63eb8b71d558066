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

variable "db_port" {
  description = "Port of the existing database."
  type        = number
  default     = 5432
}

variable "db_ca_bundle_file" {
  description = "PEM CA bundle inside the Lambda runtime that signs the database certificate; the default is the runtime's Amazon CA bundle, which includes the RDS CAs."
  type        = string
  default     = "/var/runtime/ca-cert.pem"
}

variable "db_name" {
  description = "Database the Lambda connects to."
  type        = string
  default     = "postgres"
}

variable "db_username" {
  description = "PostgreSQL role whose password is rotated."
  type        = string
}

variable "password_parameter_name" {
  description = "Existing SecureString parameter holding the role's current password."
  type        = string
}

variable "database_url_parameter_name" {
  description = "Existing parameter that receives the DATABASE_URL after each rotation, or null."
  type        = string
  default     = null
}

variable "parameter_kms_key_arn" {
  description = "Customer managed KMS key of the parameters, or null for the AWS managed aws/ssm key."
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
