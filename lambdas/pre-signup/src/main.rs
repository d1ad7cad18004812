use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::logs::init(env!("CARGO_CRATE_NAME"));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let today = chrono::Utc::now().date_naive();
        pre_signup::invoke(event.payload, today, &event.context.request_id)
    }))
    .await
}
