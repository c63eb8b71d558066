# TFLint for the module and its examples: `tflint --init`, then `tflint --recursive
# --config "$(pwd)/.tflint.hcl"` (the lint workflow and the pre-commit hook do this).
config {
  # The examples call the module by a local path: lint it through them as well.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

# Beyond "recommended": what a registry module owes its readers. test/module/release-files.test.ts
# checks the same rules on every run, since tflint itself is not installed where tests run.
# Not terraform_standard_module_structure: examples/complete is split by concern, no main.tf.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_typed_variables" {
  enabled = true
}

rule "terraform_naming_convention" {
  enabled = true
  format  = "snake_case"
}
