variable "region" {
  description = "AWS region of the database, the secret and the ECS cluster."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (with a NAT gateway or VPC endpoints) for the rotation Lambda and the application tasks."
  type        = list(string)
}

variable "db_security_group_id" {
  description = "Security group of the existing database; the example admits the Lambda and the application on db_port."
  type        = string
}

# The secret holds host, port, dbname and username too; the module takes them as inputs rather
# than reading the secret, so that no password ever reaches the Terraform state.
variable "db_host" {
  description = "Endpoint address of the database: the secret's \"host\"."
  type        = string
}

variable "db_port" {
  description = "Port of the database: the secret's \"port\"."
  type        = number
  default     = 5432
}

variable "db_name" {
  description = "Database the Lambda connects to: the secret's \"dbname\"."
  type        = string
  default     = "postgres"
}

variable "db_username" {
  description = "PostgreSQL role whose password is rotated: the secret's \"username\"."
  type        = string
}

variable "db_ca_bundle_file" {
  description = "PEM CA bundle inside the Lambda runtime that signs the database certificate; the default is the runtime's Amazon CA bundle, which includes the RDS CAs."
  type        = string
  default     = "/var/runtime/ca-cert.pem"
}

variable "secret_arn" {
  description = "Full ARN of the existing RDS-format secret {\"engine\", \"host\", \"port\", \"dbname\", \"username\", \"password\"} holding the role's current password."
  type        = string
}

variable "secret_kms_key_arn" {
  description = "Customer managed KMS key of the secret, or null for the AWS managed aws/secretsmanager key."
  type        = string
  default     = null
}

variable "schedule_expression" {
  description = "When Secrets Manager rotates the secret (its rotation_rules), in UTC."
  type        = string
  default     = "cron(0 3 ? * SUN *)"
}

variable "ecs_cluster_name" {
  description = "Existing ECS cluster that runs the application."
  type        = string
}

variable "app_image" {
  description = "Image of the stand-in application; it needs sh and psql."
  type        = string
  default     = "public.ecr.aws/docker/library/postgres:17-alpine"
}

variable "app_desired_count" {
  description = "Tasks of the application service."
  type        = number
  default     = 1
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when a rotation fails, or null."
  type        = string
  default     = null
}
