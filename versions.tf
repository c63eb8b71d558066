terraform {
  # 1.7: mock_provider and override blocks in `terraform test`; the module itself needs 1.4+
  # (terraform_data in validations.tf).
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The tests run 5.100.0, the version mirrored offline.
      version = ">= 5.50, < 7.0"
    }
  }
}
