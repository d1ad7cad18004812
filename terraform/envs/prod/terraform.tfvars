# prod: promoted to after staging, behind the GitHub environment's required reviewers.
aws_account_id = "333333333333"
environment    = "prod"
region         = "eu-west-1"

callback_urls        = ["healthtech://auth/callback", "https://app.example.com/callback"]
logout_urls          = ["healthtech://auth/signout", "https://app.example.com/"]
cors_allowed_origins = ["https://app.example.com"]

deletion_protection = true
log_retention_days  = 365

manage_api_gateway_account = false
# Sign-ups keep their concurrency whatever the API does. AWS refuses a reservation that
# leaves the account less than 100 unreserved: prod's limit must be at least 120 (ask
# Service Quotas first on a new account).
pre_signup_reserved_concurrency        = 10
post_confirmation_reserved_concurrency = 10

# Health data (docs/health-data.md): the on-call address (placeholder), and a vault lock
# that nobody, AWS included, can lift once backup_vault_lock_changeable_for_days have passed.
alarm_email            = "oncall@example.com"
backup_vault_lock_mode = "COMPLIANCE"
