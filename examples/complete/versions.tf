terraform {
  # Write-only arguments (password_wo, value_wo) keep the initial password out of state: GA in
  # 1.11, and 1.11.1 fixes their use inside modules (hashicorp/terraform#36619).
  required_version = ">= 1.11.1"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # password_wo on aws_db_instance arrived in 5.88; the tests run 5.100.0.
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
