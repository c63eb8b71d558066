################################################################################
# Module: switches and naming
################################################################################

variable "create" {
  description = "Create the module's resources. Set to false to keep the module in code without deploying anything."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the function, its role, security group, schedule, alarms and dashboard, and the service dimension of its metrics. Unique per account: IAM roles are global."
  type        = string
  # Required on purpose: a default would collide when the module is used twice in an account,
  # and a name derived from password_parameter_name would change (and replace everything, the
  # log group included) whenever the parameter is renamed.
  nullable = false

  validation {
    # 64 is the Lambda and IAM role limit; "-endpoints-" and "-schedule" suffixes still fit their resources' limits.
    condition     = can(regex("^[a-zA-Z0-9_-]{1,52}$", var.name))
    error_message = "name must be 1 to 52 characters of letters, digits, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports them."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Function: the Lambda function and its role
################################################################################

variable "lambda_zip_path" {
  description = "Path of the Lambda package. Defaults to the module's committed, reproducible build `dist/rotator.zip`; override only to deploy your own build of lambda-src."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_zip_path == null ? true : endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must point to a .zip file."
  }
}

variable "runtime" {
  description = "Lambda runtime: \"nodejs22.x\" or \"nodejs24.x\" (the aws provider accepts nodejs24.x from 6.19.0 on; 5.x refuses it at plan). nodejs20.x is refused: AWS deprecated it on 2026-04-30 and the bundled AWS SDK needs Node.js 22 from January 2027."
  type        = string
  default     = "nodejs22.x"
  nullable    = false

  # The accepted list is also what scripts/setup.mjs reads to install one Node.js per runtime
  # for the deploy tests, so a runtime added here is run by them too.
  validation {
    condition = contains(["nodejs22.x", "nodejs24.x"], var.runtime)
    error_message = (can(regex("^nodejs(\\d|1\\d|20)\\.x$", var.runtime))
      ? "runtime = \"${var.runtime}\" is no longer accepted: AWS Lambda deprecated Node.js 20 and older (nodejs20.x on 2026-04-30), and the bundled AWS SDK needs Node.js 22 or later. Set runtime = \"nodejs24.x\" (with hashicorp/aws 6.19.0 or later) or \"nodejs22.x\" (the default); changing it updates the function in place."
    : "runtime must be \"nodejs22.x\" or \"nodejs24.x\".")
  }
}

variable "architecture" {
  description = "Instruction set of the function. The bundle is plain JavaScript, so both work; arm64 costs less."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Function timeout in seconds. A run waits for the ECS services to become stable while it may; a refresh that takes longer is handed over and finished by ECS's deployment events (docs/operations.md, In-flight refresh)."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.timeout >= 30 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 30 to 900 (the Lambda maximum)."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key to encrypt the function's environment variables. They hold no secret; null uses the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code signing configuration to enforce on the package, or null."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null ? true : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]+$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code signing config ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-...)."
  }
}

variable "tracing_enabled" {
  description = "Enable active AWS X-Ray tracing: the Lambda then loads the Powertools Tracer, traces its AWS SDK calls and annotates each run (action, outcome, error kind; never a password or error text). The subnets then also need a route to X-Ray."
  type        = bool
  default     = false
  nullable    = false
}

variable "role_permissions_boundary_arn" {
  description = "ARN of an IAM permissions boundary for the function's role, or null."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.role_permissions_boundary_arn))
    error_message = "role_permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

################################################################################
# Network: how the function reaches the database and the AWS APIs; see network.tf
################################################################################

variable "vpc_id" {
  description = "ID of the VPC of the database; the function's security group is created in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-0123456789abcdef0)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the function, with a route to the database and to the SSM and ECS APIs (NAT gateway or VPC endpoints). Use at least two Availability Zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids must list at least one subnet ID (subnet-0123456789abcdef0)."
  }
}

variable "additional_security_group_ids" {
  description = "More security groups to attach to the function, besides the one this module creates."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.additional_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "additional_security_group_ids must be security group IDs (sg-0123456789abcdef0)."
  }
}

variable "db_security_group_id" {
  description = "Security group of the database. The function may connect to it on db_port. Set this or db_cidr_blocks."
  type        = string
  default     = null

  validation {
    condition     = var.db_security_group_id == null ? true : can(regex("^sg-[0-9a-f]{8,17}$", var.db_security_group_id))
    error_message = "db_security_group_id must be a security group ID (sg-0123456789abcdef0)."
  }
}

variable "db_cidr_blocks" {
  description = "IPv4 CIDR blocks of the database (its subnets), when it is not reachable by security group. Set this or db_security_group_id."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.db_cidr_blocks : can(cidrhost(cidr, 0)) && !startswith(cidr, "0.0.0.0/")])
    error_message = "db_cidr_blocks must be IPv4 CIDR blocks narrower than 0.0.0.0/0 (e.g. 10.0.16.0/20)."
  }
}

variable "create_db_ingress_rule" {
  description = "Add an ingress rule on db_security_group_id that admits the function on db_port. Leave false when you manage that group's rules elsewhere."
  type        = bool
  default     = false
  nullable    = false
}

variable "https_egress_cidr_blocks" {
  description = "CIDR blocks the function may reach on port 443 for the AWS APIs. The default suits a NAT gateway; with VPC endpoints only, use [] or the VPC CIDR."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.https_egress_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "https_egress_cidr_blocks must be IPv4 CIDR blocks (e.g. 0.0.0.0/0 or 10.0.0.0/16)."
  }
}

variable "create_vpc_endpoints" {
  description = "Create interface VPC endpoints (vpc_endpoint_services) for subnets without a NAT gateway. Leave false if the VPC has them: one per service per VPC."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_endpoint_services" {
  description = "AWS services to create interface endpoints for when create_vpc_endpoints is true. Add \"sns\" and \"events\" when notifications are on, and \"secretsmanager\" with secret_store = \"secretsmanager\"."
  type        = list(string)
  default     = ["ssm", "ecs", "kms", "logs"]
  nullable    = false

  validation {
    condition     = length(var.vpc_endpoint_services) > 0 && alltrue([for s in var.vpc_endpoint_services : contains(["ssm", "secretsmanager", "ecs", "kms", "logs", "monitoring", "xray", "sns", "events"], s)])
    error_message = "vpc_endpoint_services must be a non-empty subset of ssm, secretsmanager, ecs, kms, logs, monitoring, xray, sns, events."
  }
}

variable "vpc_endpoint_subnet_ids" {
  description = "Subnets for the interface endpoints, at most one per Availability Zone. Null uses subnet_ids."
  type        = list(string)
  default     = null

  validation {
    condition     = var.vpc_endpoint_subnet_ids == null ? true : length(var.vpc_endpoint_subnet_ids) > 0
    error_message = "vpc_endpoint_subnet_ids must be null or list at least one subnet ID."
  }
}

################################################################################
# Database: the PostgreSQL server and role (CONFIG_KEYS DB_*)
################################################################################

variable "db_host" {
  description = "Host name of the PostgreSQL server (the RDS instance or Aurora cluster endpoint). TLS verification checks the certificate against this name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9.-]{1,253}$", var.db_host))
    error_message = "db_host must be a DNS name or IPv4 address (letters, digits, dots and hyphens), such as mydb.abc123.eu-west-1.rds.amazonaws.com."
  }
}

variable "db_port" {
  description = "Port of the PostgreSQL server."
  type        = number
  default     = 5432
  nullable    = false

  validation {
    condition     = var.db_port >= 1 && var.db_port <= 65535 && floor(var.db_port) == var.db_port
    error_message = "db_port must be a whole number from 1 to 65535."
  }
}

variable "db_name" {
  description = "Database the function connects to."
  type        = string
  default     = "postgres"
  nullable    = false

  validation {
    condition     = length(var.db_name) > 0 && length(var.db_name) <= 63
    error_message = "db_name must be 1 to 63 characters (PostgreSQL's identifier limit)."
  }
}

variable "db_username" {
  description = "PostgreSQL role whose password is rotated. It logs in with its current password and changes its own password, so it needs no extra privilege."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.db_username) > 0 && length(var.db_username) <= 63
    error_message = "db_username must be 1 to 63 characters (PostgreSQL's identifier limit)."
  }
}

variable "db_tls_mode" {
  description = "TLS mode: \"verify-full\" checks the server certificate and host name; \"require\" encrypts without checking them and therefore demands SCRAM channel binding (SCRAM-SHA-256-PLUS) from the server. Either way only SCRAM-SHA-256 sees the password. Plaintext is not supported."
  type        = string
  default     = "verify-full"
  nullable    = false

  validation {
    condition     = contains(["verify-full", "require"], var.db_tls_mode)
    error_message = "db_tls_mode must be \"verify-full\" or \"require\"; plaintext connections are not supported."
  }
}

variable "db_ca_bundle_file" {
  description = "PEM CA bundle inside the Lambda runtime that signs the database certificate. The default is the runtime's Amazon bundle (RDS CAs included); null uses Node's store."
  type        = string
  # Node.js 20 and later runtimes no longer load this bundle by themselves; the function does.
  default = "/var/runtime/ca-cert.pem"

  validation {
    condition     = var.db_ca_bundle_file == null ? true : startswith(var.db_ca_bundle_file, "/")
    error_message = "db_ca_bundle_file must be an absolute path inside the Lambda runtime (e.g. /var/runtime/ca-cert.pem or /var/task/my-ca.pem)."
  }
}

variable "db_connect_timeout_ms" {
  description = "Timeout for opening a database connection, in milliseconds."
  type        = number
  default     = 5000
  nullable    = false

  validation {
    condition     = var.db_connect_timeout_ms >= 100 && var.db_connect_timeout_ms <= 60000 && floor(var.db_connect_timeout_ms) == var.db_connect_timeout_ms
    error_message = "db_connect_timeout_ms must be a whole number from 100 to 60000."
  }
}

variable "db_statement_timeout_ms" {
  description = "Timeout for each SQL statement, in milliseconds."
  type        = number
  default     = 10000
  nullable    = false

  validation {
    condition     = var.db_statement_timeout_ms >= 100 && var.db_statement_timeout_ms <= 600000 && floor(var.db_statement_timeout_ms) == var.db_statement_timeout_ms
    error_message = "db_statement_timeout_ms must be a whole number from 100 to 600000."
  }
}

################################################################################
# Parameters: where the password is kept and published (CONFIG_KEYS *_PARAMETER, KMS_KEY_ID, PASSWORD_*)
################################################################################

variable "password_parameter_name" {
  description = "secret_store = \"ssm\" (required there): name of the SecureString SSM parameter that holds the current password (e.g. /myapp/prod/db/password). It must exist before the first rotation. Leave null with secret_store = \"secretsmanager\"."
  type        = string
  default     = null

  validation {
    # Room for the "-pending" suffix of the default pending parameter within SSM's 1011 characters.
    # (Lengths are checked apart: RE2 caps a repeat count at 1000.)
    condition = var.password_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.password_parameter_name)) && length(var.password_parameter_name) <= 1003 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.password_parameter_name)) &&
      (startswith(var.password_parameter_name, "/") || !strcontains(var.password_parameter_name, "/"))
    )
    error_message = "password_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1003 characters, starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "pending_parameter_name" {
  description = "SSM parameter that stages the new password during a rotation and acts as its lock. Null uses \"<password_parameter_name>-pending\"."
  type        = string
  default     = null

  validation {
    condition = var.pending_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.pending_parameter_name)) && length(var.pending_parameter_name) <= 1011 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.pending_parameter_name)) &&
      (startswith(var.pending_parameter_name, "/") || !strcontains(var.pending_parameter_name, "/"))
    )
    error_message = "pending_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1011 characters, starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "refresh_state_parameter_name" {
  description = "SSM parameter (a String holding JSON, no secret) where a rotation records an ECS refresh that outlives its invocation; ECS deployment events and the resume schedule finish it. A record beyond one parameter's 8 KB keeps compressed parts under its path (<parameter>/part-<n>). Null uses \"/rds-secret-rotation/<name>/refresh\"."
  type        = string
  default     = null

  validation {
    condition = var.refresh_state_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.refresh_state_parameter_name)) && length(var.refresh_state_parameter_name) <= 1000 &&
      length(split("/", trimprefix(var.refresh_state_parameter_name, "/"))) <= 14 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.refresh_state_parameter_name)) &&
      (startswith(var.refresh_state_parameter_name, "/") || !strcontains(var.refresh_state_parameter_name, "/"))
    )
    error_message = "refresh_state_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1000 characters and 14 levels (its parts add \"/part-<n>\" within SSM's 1011 and 15), starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "database_url_parameter_name" {
  description = "SSM parameter that receives the full connection URL (DATABASE_URL) after each rotation, or null for none."
  type        = string
  default     = null

  validation {
    condition = var.database_url_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.database_url_parameter_name)) && length(var.database_url_parameter_name) <= 1011 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.database_url_parameter_name)) &&
      (startswith(var.database_url_parameter_name, "/") || !strcontains(var.database_url_parameter_name, "/"))
    )
    error_message = "database_url_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1011 characters, starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "database_url_template" {
  description = "DATABASE_URL template with {username} {password} {host} {port} {database} (URL-encoded). Null: postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=<db_tls_mode>."
  type        = string
  default     = null

  validation {
    condition     = var.database_url_template == null ? true : strcontains(var.database_url_template, "{password}")
    error_message = "database_url_template must contain {password}; placeholders: {username} {password} {host} {port} {database}."
  }
}

variable "parameter_kms_key_arn" {
  description = "Customer managed KMS key of the SecureString parameters, used only through SSM. Null when they use aws/ssm (no grant needed). Set use_parameter_kms_key with it."
  type        = string
  default     = null

  validation {
    # IAM authorizes KMS calls against key ARNs, never aliases.
    condition     = var.parameter_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.parameter_kms_key_arn))
    error_message = "parameter_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key ID."
  }
}

variable "use_parameter_kms_key" {
  description = "true exactly when parameter_kms_key_arn is set. A separate switch because a key created in the same run has no ARN until apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "password_length" {
  description = "Length of generated passwords. With the alphabet left by password_exclude_characters it must give at least 128 bits (length × log2(alphabet size)): at least 20 with the default exclusions."
  type        = number
  default     = 32
  nullable    = false

  validation {
    condition     = var.password_length >= 16 && var.password_length <= 128 && floor(var.password_length) == var.password_length
    error_message = "password_length must be a whole number from 16 to 128."
  }
}

variable "password_exclude_characters" {
  description = "Characters never used in passwords. Null uses the Lambda's default: / @ \" ' \\ : backtick, space, $ and # (they break URLs, shells, SQL literals and .env interpolation and comments), leaving 85 characters."
  type        = string
  default     = null

  validation {
    condition     = var.password_exclude_characters == null ? true : (length(var.password_exclude_characters) > 0 && length(var.password_exclude_characters) <= 64)
    error_message = "password_exclude_characters must be null or 1 to 64 characters (each character class must keep enough members)."
  }
}

################################################################################
# Secret store: SSM Parameter Store or Secrets Manager (CONFIG_KEYS SECRET_*); see secrets-manager.tf
################################################################################

variable "secret_store" {
  description = "Where the password lives. \"ssm\": a SecureString parameter (password_parameter_name) that this module's schedule rotates. \"secretsmanager\": an RDS-format JSON secret (secret_arn) whose rotation function this module becomes; Secrets Manager then runs the four rotation steps on schedule_expression, and the SSM-only settings (pending, DATABASE_URL, username and admin parameters, parameter_kms_key_arn) are refused."
  type        = string
  default     = "ssm"
  nullable    = false

  validation {
    condition     = contains(["ssm", "secretsmanager"], var.secret_store)
    error_message = "secret_store must be \"ssm\" (SSM Parameter Store, password_parameter_name) or \"secretsmanager\" (Secrets Manager, secret_arn)."
  }
}

variable "secret_arn" {
  description = "secret_store = \"secretsmanager\" (required there): full ARN of the secret to rotate, e.g. aws_secretsmanager_secret.db.arn. It holds the RDS-format JSON {\"engine\", \"host\", \"port\", \"dbname\", \"username\", \"password\"} (plus \"masterarn\" for alternating-users) and must be in the function's region. The function may read, stage and label only this secret."
  type        = string
  default     = null

  validation {
    # The full ARN, with the 6 characters Secrets Manager appends: IAM grants on a partial ARN need a wildcard.
    condition     = var.secret_arn == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$", var.secret_arn))
    error_message = "secret_arn must be the full ARN of a Secrets Manager secret, ending in the 6 characters Secrets Manager appends (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf), e.g. aws_secretsmanager_secret.db.arn; not a name or partial ARN."
  }
}

variable "secret_kms_key_arn" {
  description = "secret_store = \"secretsmanager\": customer managed KMS key of secret_arn (and of admin_secret_arn if it shares it), used only through Secrets Manager and only for these secrets. Null when the secret uses aws/secretsmanager (no grant needed). Set use_secret_kms_key with it."
  type        = string
  default     = null

  validation {
    # IAM authorizes KMS calls against key ARNs, never aliases.
    condition     = var.secret_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.secret_kms_key_arn))
    error_message = "secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key ID."
  }
}

variable "use_secret_kms_key" {
  description = "true exactly when secret_kms_key_arn is set. A separate switch because a key created in the same run has no ARN until apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "admin_secret_arn" {
  description = "secret_store = \"secretsmanager\" with rotation_strategy = \"alternating-users\" (required there): full ARN of the secret holding {\"username\", \"password\"} of a role with CREATEROLE (e.g. the RDS-managed master user secret). The rotated secret's \"masterarn\" must name it. Read, never written."
  type        = string
  default     = null

  validation {
    condition     = var.admin_secret_arn == null ? true : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$", var.admin_secret_arn))
    error_message = "admin_secret_arn must be the full ARN of a Secrets Manager secret, ending in the 6 characters Secrets Manager appends (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf), e.g. aws_db_instance.this.master_user_secret[0].secret_arn."
  }
}

variable "secret_rotation_duration" {
  description = "secret_store = \"secretsmanager\": length of Secrets Manager's rotation window after each schedule_expression start, e.g. \"3h\"; it must not reach into the next UTC day or window. Null: Secrets Manager's default (one hour for schedules in hours, the rest of the UTC day for schedules in days)."
  type        = string
  default     = null

  validation {
    condition     = var.secret_rotation_duration == null ? true : can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.secret_rotation_duration))
    error_message = "secret_rotation_duration must be null or a whole number of hours from 1h to 24h, e.g. \"3h\"."
  }
}

################################################################################
# Rotation strategy: single-user or alternating-users; see strategy.tf
################################################################################

variable "rotation_strategy" {
  description = "\"single-user\": the role changes its own password. \"alternating-users\": two roles take turns, so running tasks never hold a rejected password (needs admin_parameter_name)."
  type        = string
  default     = "single-user"
  nullable    = false

  validation {
    condition     = contains(["single-user", "alternating-users"], var.rotation_strategy)
    error_message = "rotation_strategy must be \"single-user\" or \"alternating-users\"."
  }
}

variable "admin_parameter_name" {
  description = "alternating-users: SecureString holding {\"username\", \"password\"} of a role with CREATEROLE (e.g. the RDS master user). Read, never written."
  type        = string
  default     = null

  validation {
    condition = var.admin_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.admin_parameter_name)) && length(var.admin_parameter_name) <= 1011 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.admin_parameter_name)) &&
      (startswith(var.admin_parameter_name, "/") || !strcontains(var.admin_parameter_name, "/"))
    )
    error_message = "admin_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1011 characters, starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "admin_parameter_kms_key_arn" {
  description = "alternating-users: KMS key of admin_parameter_name when it is not parameter_kms_key_arn; decrypt only, through SSM. Set use_admin_parameter_kms_key with it."
  type        = string
  default     = null

  validation {
    condition     = var.admin_parameter_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.admin_parameter_kms_key_arn))
    error_message = "admin_parameter_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key ID."
  }
}

variable "use_admin_parameter_kms_key" {
  description = "true exactly when admin_parameter_kms_key_arn is set. A separate switch because a key created in the same run has no ARN until apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "username_parameter_name" {
  description = "SSM String parameter that receives the role name in use after each rotation (it changes each time with alternating-users); null for none."
  type        = string
  default     = null

  validation {
    condition = var.username_parameter_name == null ? true : (
      can(regex("^[a-zA-Z0-9_./-]+$", var.username_parameter_name)) && length(var.username_parameter_name) <= 1011 &&
      !can(regex("^/?(?i)(aws|ssm)[./]", var.username_parameter_name)) &&
      (startswith(var.username_parameter_name, "/") || !strcontains(var.username_parameter_name, "/"))
    )
    error_message = "username_parameter_name must be an SSM parameter name: letters, digits and _ . - /, at most 1011 characters, starting with / if it has a path, and not starting with aws or ssm."
  }
}

variable "db_twin_username" {
  description = "alternating-users: the second role, created when missing and acting as db_username (objects stay owned by db_username). Null: \"<db_username>_clone\"."
  type        = string
  default     = null

  validation {
    condition     = var.db_twin_username == null ? true : (length(var.db_twin_username) > 0 && length(var.db_twin_username) <= 63)
    error_message = "db_twin_username must be 1 to 63 characters (PostgreSQL's identifier limit)."
  }
}

################################################################################
# ECS restart: services restarted after a rotation so they read the new password; see refresh.tf
################################################################################

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster that runs ecs_service_names, or null when no service is refreshed."
  type        = string
  default     = null

  validation {
    condition     = var.ecs_cluster_name == null ? true : can(regex("^[a-zA-Z0-9_-]{1,255}$", var.ecs_cluster_name))
    error_message = "ecs_cluster_name must be a cluster name (letters, digits, hyphens, underscores), not an ARN."
  }
}

variable "ecs_service_names" {
  description = "ECS services that read the password parameter and get a new deployment after each rotation. The function may update only these."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.ecs_service_names : can(regex("^[a-zA-Z0-9_-]{1,255}$", s))]) && length(distinct(var.ecs_service_names)) == length(var.ecs_service_names)
    error_message = "ecs_service_names must be distinct service names (letters, digits, hyphens, underscores), not ARNs."
  }
}

variable "ecs_discovery_cluster_names" {
  description = "Clusters searched at each rotation for services whose task definition reads the password, DATABASE_URL or username parameter. Grants update and stop on all their services, and ecs:DescribeTaskDefinition on every task definition of the region (IAM cannot narrow it), which shows their plaintext environment variables."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.ecs_discovery_cluster_names : can(regex("^[a-zA-Z0-9_-]{1,255}$", c))]) && length(distinct(var.ecs_discovery_cluster_names)) == length(var.ecs_discovery_cluster_names)
    error_message = "ecs_discovery_cluster_names must be distinct cluster names (letters, digits, hyphens, underscores), not ARNs."
  }
}

variable "ecs_restart_method" {
  description = "How services restart: \"rolling\" (new deployment), \"stop-tasks\" (one task at a time), or \"auto\" (rolling, stop-tasks for CODE_DEPLOY and EXTERNAL services). stop-tasks and auto grant ecs:DescribeTaskDefinition on every task definition of the region (to find health checks; IAM cannot narrow it), which shows their plaintext environment variables: \"rolling\" (without discovery or a stop-tasks entry in ecs_service_restart_methods) does not."
  type        = string
  default     = "auto"
  nullable    = false

  validation {
    condition     = contains(["auto", "rolling", "stop-tasks"], var.ecs_restart_method)
    error_message = "ecs_restart_method must be \"auto\", \"rolling\" or \"stop-tasks\"."
  }
}

variable "ecs_service_restart_methods" {
  description = "Restart method per service, overriding ecs_restart_method, keyed by service name or \"<cluster>/<service>\", e.g. { checkout = \"stop-tasks\" }."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for service, method in var.ecs_service_restart_methods :
      contains(["auto", "rolling", "stop-tasks"], method) && can(regex("^([a-zA-Z0-9_-]{1,255}/)?[a-zA-Z0-9_-]{1,255}$", service))
    ])
    error_message = "ecs_service_restart_methods must map service names (or <cluster>/<service>) to \"auto\", \"rolling\" or \"stop-tasks\"."
  }
}

variable "ecs_refresh_concurrency" {
  description = "Cap on services deployed at the same time (1-500). The default deploys up to 100 services in one wave, so a refresh takes about as long as its slowest deployment (the waits share their DescribeServices calls). Lower it to protect what many tasks starting at once strain: the database's connection limit (each new task opens its pool before the task it replaces closes its own), cluster capacity (a rolling deployment runs old and new tasks side by side), and the account's ECS API rate limits shared with your deploy pipelines. See docs/operations.md, Refreshing many services."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.ecs_refresh_concurrency >= 1 && var.ecs_refresh_concurrency <= 500 && floor(var.ecs_refresh_concurrency) == var.ecs_refresh_concurrency
    error_message = "ecs_refresh_concurrency must be a whole number from 1 to 500."
  }
}

variable "ecs_wait_timeout_seconds" {
  description = "Longest wait for one service to become stable, counted from its restart, across invocations: a refresh handed over past the function timeout is still judged against it. A service still in progress then counts as timed out and fails the refresh."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = var.ecs_wait_timeout_seconds >= 1 && var.ecs_wait_timeout_seconds <= 900 && floor(var.ecs_wait_timeout_seconds) == var.ecs_wait_timeout_seconds
    error_message = "ecs_wait_timeout_seconds must be a whole number of seconds from 1 to 900."
  }
}

variable "ecs_stop_task_pacing_seconds" {
  description = "stop-tasks: pause after a replacement task is RUNNING and HEALTHY before the next task is stopped (load balancer health checks, draining)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.ecs_stop_task_pacing_seconds >= 0 && var.ecs_stop_task_pacing_seconds <= 600 && floor(var.ecs_stop_task_pacing_seconds) == var.ecs_stop_task_pacing_seconds
    error_message = "ecs_stop_task_pacing_seconds must be a whole number of seconds from 0 to 600."
  }
}

################################################################################
# Schedule: when rotations run; see schedule.tf
################################################################################

variable "schedule_expression" {
  description = "Schedule of the rotation, in UTC: rate(1 day), rate(7 days) or cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>). Default: Sundays 03:00. With secret_store = \"ssm\" the module's EventBridge rule runs on it; with \"secretsmanager\" it is the secret's rotation_rules (Secrets Manager then rotates any time within the window, see secret_rotation_duration, and accepts rates in days or of 4 to 23 hours only)."
  type        = string
  default     = "cron(0 3 ? * SUN *)"
  nullable    = false

  # What EventBridge accepts: a rate of 1 takes the singular unit and any other the plural; a
  # cron has six fields and "?" in exactly one of day-of-month and day-of-week.
  validation {
    condition = (
      can(regex("^rate\\((1 (minute|hour|day)|[1-9][0-9]+ (minutes|hours|days)|[2-9] (minutes|hours|days))\\)$", var.schedule_expression)) ||
      try(
        (regex("^cron\\((\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)\\)$", var.schedule_expression)[2] == "?") !=
        (regex("^cron\\((\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)\\)$", var.schedule_expression)[4] == "?"),
        false,
      )
    )
    error_message = "schedule_expression must be rate(1 minute|hour|day), rate(<n> minutes|hours|days) for n > 1, or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with \"?\" in exactly one of day-of-month and day-of-week, e.g. cron(0 3 ? * SUN *)."
  }
}

variable "schedule_enabled" {
  description = "Run rotations on the schedule. secret_store = \"ssm\": when false the rule stays, disabled; manual invocations still work. \"secretsmanager\": when false the secret has no rotation configuration (Terraform cancels it), so Secrets Manager neither rotates it on schedule nor on rotate-secret."
  type        = bool
  default     = true
  nullable    = false
}

variable "resume_schedule_expression" {
  description = "EventBridge schedule of the resume-only run, which finishes an interrupted rotation and never starts one; same forms as schedule_expression. An interrupted rotation completes within one interval."
  type        = string
  default     = "rate(1 hour)"
  nullable    = false

  # The same rule as schedule_expression's (a variable's validation may not refer to another
  # variable or local under the module's minimum Terraform version).
  validation {
    condition = (
      can(regex("^rate\\((1 (minute|hour|day)|[1-9][0-9]+ (minutes|hours|days)|[2-9] (minutes|hours|days))\\)$", var.resume_schedule_expression)) ||
      try(
        (regex("^cron\\((\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)\\)$", var.resume_schedule_expression)[2] == "?") !=
        (regex("^cron\\((\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)\\)$", var.resume_schedule_expression)[4] == "?"),
        false,
      )
    )
    error_message = "resume_schedule_expression must be rate(1 minute|hour|day), rate(<n> minutes|hours|days) for n > 1, or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with \"?\" in exactly one of day-of-month and day-of-week, e.g. rate(1 hour)."
  }
}

variable "resume_schedule_enabled" {
  description = "Run the resume-only schedule. When false the rule stays, disabled; an interrupted rotation then waits for the next scheduled rotation or a manual run."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Notifications: a message or event at the end of each rotation; see notifications.tf
################################################################################

variable "notification_sns_topic_arn" {
  description = "SNS topic that gets a JSON message (outcome, step timings, each service's result; never a password) after each rotation. Set use_notification_sns_topic with it."
  type        = string
  default     = null

  validation {
    condition     = var.notification_sns_topic_arn == null ? true : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.notification_sns_topic_arn))
    error_message = "notification_sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)."
  }
}

variable "use_notification_sns_topic" {
  description = "true exactly when notification_sns_topic_arn is set. A separate switch because a topic created in the same run has no ARN until apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "notification_event_bus" {
  description = "EventBridge bus (name, or ARN of another account's bus) that gets a RotationSucceeded or RotationFailed event. Set use_notification_event_bus with it."
  type        = string
  default     = null

  validation {
    condition     = var.notification_event_bus == null ? true : can(regex("^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$", var.notification_event_bus))
    error_message = "notification_event_bus must be an EventBridge bus name or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
}

variable "use_notification_event_bus" {
  description = "true exactly when notification_event_bus is set. A separate switch because a bus created in the same run has no ARN until apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "notification_event_source" {
  description = "The source field of the EventBridge events, to match in rules."
  type        = string
  default     = "rds-secret-rotation"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,256}$", var.notification_event_source)) && !startswith(var.notification_event_source, "aws.")
    error_message = "notification_event_source must be 1 to 256 letters, digits and . _ - / and must not start with \"aws.\" (reserved for AWS services)."
  }
}

################################################################################
# Monitoring: logs, metrics and alarms; see monitoring.tf
################################################################################

variable "log_level" {
  description = "Log level of the function (Powertools): DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT. No level ever logs a password."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key to encrypt the log group, or null. The key policy must allow the CloudWatch Logs service principal of this region."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the rotation metrics (succeeded, failed, duration, publish gap)."
  type        = string
  default     = "RdsSecretRotation"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1 to 255 characters of letters, digits and . _ / # : - and must not start with \"AWS/\"."
  }
}

variable "create_errors_alarm" {
  description = "Create a CloudWatch alarm on the function's Errors metric."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_rotation_failed_alarm" {
  description = "Create an alarm on the function's RotationFailed metric (a rotation or a service restart failed). Actions: alarm_actions and ok_actions."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_rotation_skipped_alarm" {
  description = "Create an alarm that fires when runs keep being skipped (the pending parameter's lease stays held): rotation has silently stopped. Actions: alarm_actions and ok_actions."
  type        = bool
  default     = true
  nullable    = false
}

variable "rotation_skipped_alarm_hours" {
  description = "The skipped-runs alarm fires when runs were skipped in each of this many consecutive hours. With the hourly resume schedule that is as many consecutive runs; a real rotation holds the lease for at most the function's timeout, so it makes at most one run skip."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.rotation_skipped_alarm_hours >= 2 && var.rotation_skipped_alarm_hours <= 24 && floor(var.rotation_skipped_alarm_hours) == var.rotation_skipped_alarm_hours
    error_message = "rotation_skipped_alarm_hours must be a whole number from 2 to 24 (1 would fire whenever a resume run meets a rotation in progress)."
  }
}

variable "create_dashboard" {
  description = "Create a CloudWatch dashboard named after the function: rotations, failures by kind, publish gap, ECS restart and rotation times."
  type        = bool
  default     = false
  nullable    = false
}

variable "alarm_actions" {
  description = "ARNs notified when the alarms fire (SNS topics, Lambda functions, Systems Manager or EC2 actions)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # arn:<partition>:<service>:<region>:<account or, for EC2 actions, "ec2">:<resource>
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9]*:\\S+$", arn))])
    error_message = "alarm_actions must be ARNs, e.g. arn:aws:sns:<region>:<account>:<topic>."
  }
}

variable "ok_actions" {
  description = "ARNs notified when the alarms return to OK (SNS topics, Lambda functions, Systems Manager or EC2 actions)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # arn:<partition>:<service>:<region>:<account or, for EC2 actions, "ec2">:<resource>
    condition     = alltrue([for arn in var.ok_actions : can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9]*:\\S+$", arn))])
    error_message = "ok_actions must be ARNs, e.g. arn:aws:sns:<region>:<account>:<topic>."
  }
}
