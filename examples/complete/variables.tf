variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name (dev, prod); prefixes every name and parameter path."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2 to 16 lowercase letters, digits or hyphens."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; subnets are carved from it."
  type        = string
  default     = "10.20.0.0/16"
}

variable "availability_zone_count" {
  description = "Number of Availability Zones for the private subnets (RDS needs at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 3
    error_message = "availability_zone_count must be 2 or 3."
  }
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 50
}

variable "db_multi_az" {
  description = "Run a standby in a second Availability Zone."
  type        = bool
  default     = true
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated backups."
  type        = number
  default     = 14
}

variable "initial_password_version" {
  description = "Bump to write a new initial password to the database and the parameters together (write-only arguments are sent only when this changes). Normal rotations do not need it."
  type        = number
  default     = 1
}

variable "app_image" {
  description = "Container image of the application that reads DB_PASSWORD and DATABASE_URL."
  type        = string
  default     = "public.ecr.aws/docker/library/postgres:16-alpine"
}

variable "app_desired_count" {
  description = "Number of application tasks."
  type        = number
  default     = 2
}

variable "rotation_schedule_expression" {
  description = "When the password rotates (UTC)."
  type        = string
  default     = "cron(0 3 ? * SUN *)"
}

variable "rotation_schedule_enabled" {
  description = "Rotate on the schedule."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Retention of the Lambda's and the application's logs."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "Log level of the rotation Lambda."
  type        = string
  default     = "INFO"
}

variable "create_vpc_endpoints" {
  description = "Give the rotation Lambda interface endpoints for SSM, ECS, KMS and Logs instead of going through the NAT gateway."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "E-mail address subscribed to rotation failure alarms, or null."
  type        = string
  default     = null
}
