use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    adapters::logs::init(env!("CARGO_CRATE_NAME"));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let today = chrono::Utc::now().date_naive();
        let outcome = pre_signup::handle(event.payload, today);
        match &outcome {
            Ok(_) => tracing::info!(request_id = %event.context.request_id, "sign-up allowed"),
            Err(e) => tracing::info!(request_id = %event.context.request_id, refusal = %e, "sign-up refused"),
        }
        outcome
    }))
    .await
}
