// The service's futures nest deeply inside the runtime's: computing the layout of the
// whole async main takes more than the default 128 query levels.
#![recursion_limit = "256"]

use adapters::aws::{Timeouts, sdk_config};
use adapters::config::PostConfirmationConfig;
use adapters::{CognitoGroups, DynamoProfiles};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use post_confirmation::{Deps, invoke};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::logs::init(env!("CARGO_CRATE_NAME"));
    let config = PostConfirmationConfig::from_env()?;
    let sdk = sdk_config(Timeouts::COGNITO_TRIGGER).await;
    let deps = Deps {
        store: DynamoProfiles::new(&sdk, config.table_name, config.profile_shards),
        groups: CognitoGroups::new(&sdk),
        policy: config.self_service,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            invoke(
                deps,
                event.payload,
                chrono::Utc::now(),
                &event.context.request_id,
            )
            .await
        }
    }))
    .await
}
