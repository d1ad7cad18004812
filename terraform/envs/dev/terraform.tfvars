# dev: every merge lands here first. Throwaway data: deletion protection off.
aws_account_id = "111111111111"
environment    = "dev"
region         = "eu-west-1"

callback_urls        = ["healthtech-dev://auth/callback", "http://localhost:3000/callback"]
logout_urls          = ["healthtech-dev://auth/signout", "http://localhost:3000/"]
cors_allowed_origins = ["http://localhost:3000"]

deletion_protection = false
log_level           = "DEBUG"
log_retention_days  = 14

# The bootstrap stack sets API Gateway's logging role for the account.
manage_api_gateway_account = false
# A new account's concurrency limit can be 10: nothing reserved.
pre_signup_reserved_concurrency        = null
post_confirmation_reserved_concurrency = null

# Health data (docs/health-data.md): the on-call address (placeholder); the vault lock stays
# GOVERNANCE (removable) outside prod.
alarm_email = "oncall@example.com"
