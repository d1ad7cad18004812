//! One instance's invocation slot: the invoker puts an event in, the Runtime API hands it
//! to the function on `next` and puts the function's answer back. An instance runs one
//! invocation at a time, as on Lambda.

use bytes::Bytes;
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::{Notify, oneshot};

/// How an invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function returned this payload.
    Response(Bytes),
    /// The function reported an error (`/invocation/{id}/error`): the instance stays warm.
    FunctionError(FunctionError),
    /// The function failed its initialisation (`/init/error`).
    InitFailed(FunctionError),
    /// The process exited (or could not start) before answering.
    Crashed(String),
    /// No answer within the function's timeout.
    TimedOut,
}

impl Outcome {
    /// Whether the instance can serve the next invocation.
    pub fn keeps_instance(&self) -> bool {
        matches!(self, Outcome::Response(_) | Outcome::FunctionError(_))
    }
}

/// The `{errorType, errorMessage}` a runtime posts.
#[derive(Debug, Clone)]
pub struct FunctionError {
    pub error_type: String,
    pub error_message: String,
}

impl FunctionError {
    pub fn from_body(body: &[u8], error_type_header: Option<String>) -> Self {
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let field = |name: &str| parsed[name].as_str().map(str::to_string);
        FunctionError {
            error_type: field("errorType")
                .or(error_type_header)
                .unwrap_or_else(|| "Unhandled".to_string()),
            error_message: field("errorMessage").unwrap_or_default(),
        }
    }
}

/// What `next` hands the function.
pub struct Delivery {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_epoch_ms: i64,
    pub function_arn: String,
    pub trace_id: String,
}

struct Pending {
    request_id: String,
    payload: Bytes,
    deadline_epoch_ms: i64,
    delivered_at: Option<Instant>,
    reply: oneshot::Sender<Outcome>,
}

pub struct Slot {
    function_arn: String,
    pending: Mutex<Option<Pending>>,
    wake: Notify,
    first_next_at: Mutex<Option<Instant>>,
    last_delivered_at: Mutex<Option<Instant>>,
}

impl Slot {
    pub fn new(function_arn: String) -> Self {
        Slot {
            function_arn,
            pending: Mutex::new(None),
            wake: Notify::new(),
            first_next_at: Mutex::new(None),
            last_delivered_at: Mutex::new(None),
        }
    }

    /// Queues an invocation; the receiver gets its outcome.
    pub fn put(
        &self,
        request_id: String,
        payload: Bytes,
        deadline_epoch_ms: i64,
    ) -> oneshot::Receiver<Outcome> {
        let (reply, outcome) = oneshot::channel();
        let pending = Pending {
            request_id,
            payload,
            deadline_epoch_ms,
            delivered_at: None,
            reply,
        };
        if let Ok(mut slot) = self.pending.lock() {
            *slot = Some(pending);
        }
        self.wake.notify_one();
        outcome
    }

    /// Waits for the next invocation (the Runtime API's long poll).
    pub async fn next(&self) -> Delivery {
        if let Ok(mut first) = self.first_next_at.lock() {
            first.get_or_insert_with(Instant::now);
        }
        loop {
            let woken = self.wake.notified();
            if let Some(delivery) = self.take_undelivered() {
                return delivery;
            }
            woken.await;
        }
    }

    fn take_undelivered(&self) -> Option<Delivery> {
        let mut slot = self.pending.lock().ok()?;
        let pending = slot.as_mut().filter(|p| p.delivered_at.is_none())?;
        let now = Instant::now();
        pending.delivered_at = Some(now);
        if let Ok(mut last) = self.last_delivered_at.lock() {
            *last = Some(now);
        }
        Some(Delivery {
            request_id: pending.request_id.clone(),
            payload: pending.payload.clone(),
            deadline_epoch_ms: pending.deadline_epoch_ms,
            function_arn: self.function_arn.clone(),
            trace_id: trace_id(),
        })
    }

    /// Completes the delivered invocation `request_id`; false when it is not the one in flight.
    pub fn finish(&self, request_id: &str, outcome: Outcome) -> bool {
        let Ok(mut slot) = self.pending.lock() else {
            return false;
        };
        if slot
            .as_ref()
            .is_none_or(|p| p.request_id != request_id || p.delivered_at.is_none())
        {
            return false;
        }
        if let Some(pending) = slot.take() {
            // The invoker may have given up (timeout); then nobody wants the answer.
            let _ = pending.reply.send(outcome);
        }
        true
    }

    /// Fails whatever is pending (init error, crash).
    pub fn fail(&self, outcome: Outcome) {
        if let Some(pending) = self.pending.lock().ok().and_then(|mut slot| slot.take()) {
            let _ = pending.reply.send(outcome);
        }
    }

    pub fn fail_init(&self, error: FunctionError) {
        self.fail(Outcome::InitFailed(error));
    }

    /// When the function first asked for work: the end of its init phase.
    pub fn init_done_at(&self) -> Option<Instant> {
        self.first_next_at.lock().ok().and_then(|first| *first)
    }

    /// When the latest invocation reached the function.
    pub fn delivered_at(&self) -> Option<Instant> {
        self.last_delivered_at.lock().ok().and_then(|last| *last)
    }
}

/// An X-Ray style trace header: `Root=1-<epoch hex>-<24 hex>`.
fn trace_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{:08x}-{}",
        chrono::Utc::now().timestamp(),
        random.get(..24).unwrap_or(&random)
    )
}
