// lambda_runtime's layered service types nest deeper than the default limit allows.
#![recursion_limit = "256"]

use adapters::aws::{Timeouts, sdk_config};
use adapters::config::UsersApiConfig;
use adapters::{CognitoGroups, DynamoAccessLog, DynamoProfiles, S3Pictures};
use lambda_http::lambda_runtime::LambdaEvent;
use lambda_http::{Error, service_fn};
use users_api::event::{RawEvent, RestResponse};
use users_api::{Deps, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::logs::init(env!("CARGO_CRATE_NAME"));
    let config = UsersApiConfig::from_env()?;
    let sdk = sdk_config(Timeouts::API).await;
    let deps = Deps {
        profiles: DynamoProfiles::new(&sdk, &config.table_name, config.profile_shards),
        pictures: S3Pictures::new(&sdk, &config.bucket_name, config.s3_force_path_style),
        groups: CognitoGroups::new(&sdk),
        access_log: DynamoAccessLog::new(
            &sdk,
            &config.access_log_table_name,
            config.access_log_retention_days,
        ),
        config,
    };
    // lambda_runtime with users-api's own REST event type, not lambda_http's adapter: see `event`.
    lambda_http::lambda_runtime::run(service_fn(|event: LambdaEvent<RawEvent>| {
        let deps = &deps;
        async move {
            let request = event.payload.into_request()?;
            let response = handle(deps, request, chrono::Utc::now()).await;
            Ok::<_, Error>(RestResponse::from(response))
        }
    }))
    .await
}
