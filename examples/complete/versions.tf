terraform {
  # 1.11: write-only arguments (password_wo, value_wo) keep the initial password out of state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.87: ephemeral aws_secretsmanager_random_password; 5.88+: password_wo and value_wo.
      version = ">= 5.90, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Environment = var.environment
      ManagedBy   = "terraform"
      Example     = "rds-secret-rotation/complete"
    }
  }
}
