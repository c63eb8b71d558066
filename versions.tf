terraform {
  # 1.7: mock_provider and override blocks in `terraform test`; the module itself needs 1.3+.
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.50: `state` on aws_cloudwatch_event_rule and the vpc_security_group_*_rule resources.
      version = ">= 5.50, < 7.0"
    }
  }
}
