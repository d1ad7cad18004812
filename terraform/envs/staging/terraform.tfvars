# staging: production's settings at a smaller scale; promoted to after dev.
aws_account_id = "222222222222"
environment    = "staging"
region         = "eu-west-1"

callback_urls        = ["healthtech-staging://auth/callback", "https://staging.app.example.com/callback"]
logout_urls          = ["healthtech-staging://auth/signout", "https://staging.app.example.com/"]
cors_allowed_origins = ["https://staging.app.example.com"]

deletion_protection = true
log_retention_days  = 30

manage_api_gateway_account             = false
pre_signup_reserved_concurrency        = null
post_confirmation_reserved_concurrency = null

# Health data (docs/health-data.md): the on-call address (placeholder); the vault lock stays
# GOVERNANCE (removable) outside prod.
alarm_email = "oncall@example.com"
