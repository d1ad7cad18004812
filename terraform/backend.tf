# Remote state in S3 with native locking. The settings are per environment, in
# envs/<env>/backend.hcl (`just plan <env>` passes it to `terraform init -backend-config`);
# the bucket comes from the bootstrap stack (terraform/bootstrap). `just check-terraform`
# runs `init -backend=false` and the emulator copies the module without this file, so
# neither touches remote state.

terraform {
  backend "s3" {}
}
