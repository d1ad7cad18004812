# State of dev: terraform -chdir=terraform init -reconfigure -backend-config=envs/dev/backend.hcl
# (`just plan dev` does it). The bucket is the state_bucket output of this account's bootstrap.
bucket       = "healthtech-tfstate-111111111111-eu-west-1"
key          = "healthtech/dev/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
