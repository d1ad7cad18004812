//! DynamoDB cancels a TransactWriteItems that touches an item another transaction is still
//! writing, with reason `TransactionConflict`. moto runs transactions one after another and
//! never does, so the front keeps the items of the transactions in flight and cancels an
//! overlapping one as DynamoDB would.

use crate::http::{self, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The items of the transactions in flight, each with how many hold it.
#[derive(Default)]
pub struct InFlight {
    items: Mutex<HashMap<String, usize>>,
    /// Key attribute names by table name, from the applied state.
    key_attributes: BTreeMap<String, Vec<String>>,
}

/// Items held by one transaction until it is dropped.
pub struct Claim<'a> {
    in_flight: &'a InFlight,
    items: Vec<String>,
}

impl InFlight {
    pub fn new(key_attributes: BTreeMap<String, Vec<String>>) -> Self {
        InFlight {
            items: Mutex::default(),
            key_attributes,
        }
    }

    /// Holds the items of a TransactWriteItems body, or answers its cancellation when
    /// another transaction holds any of them.
    pub fn claim(&self, body: &[u8]) -> Result<Claim<'_>, Cancelled> {
        let request: Value = serde_json::from_slice(body).unwrap_or_default();
        let items: Vec<Option<String>> = request["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| self.identity(item))
            .collect();
        let mut held = self.items.lock().unwrap_or_else(|e| e.into_inner());
        let conflicts: Vec<bool> = items
            .iter()
            .map(|item| item.as_ref().is_some_and(|i| held.contains_key(i)))
            .collect();
        if conflicts.iter().any(|c| *c) {
            println!(
                "local-runner: DynamoDB TransactionConflict: a TransactWriteItems overlapped another on {} of its {} items",
                conflicts.iter().filter(|c| **c).count(),
                conflicts.len()
            );
            return Err(Cancelled(conflicts));
        }
        let items: Vec<String> = items.into_iter().flatten().collect();
        for item in &items {
            *held.entry(item.clone()).or_default() += 1;
        }
        Ok(Claim {
            in_flight: self,
            items,
        })
    }

    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Table and key of one transaction item; a Put's key is read from its item by the
    /// table's key schema.
    fn identity(&self, item: &Value) -> Option<String> {
        let (_, action) = ["Put", "Update", "Delete", "ConditionCheck"]
            .iter()
            .find_map(|kind| Some((kind, item.get(*kind)?)))?;
        let table = action["TableName"].as_str()?;
        let key: BTreeMap<&String, &Value> = match action.get("Key").and_then(Value::as_object) {
            Some(key) => key.iter().collect(),
            None => {
                let names = self.key_attributes.get(table)?;
                let item = action["Item"].as_object()?;
                item.iter()
                    .filter(|(name, _)| names.contains(name))
                    .collect()
            }
        };
        Some(format!("{table}\u{0}{}", json!(key)))
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut held = self
            .in_flight
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for item in &self.items {
            if let Some(count) = held.get_mut(item) {
                *count -= 1;
                if *count == 0 {
                    held.remove(item);
                }
            }
        }
    }
}

/// A cancelled transaction: which of its items another transaction held, in request order.
#[derive(Debug)]
pub struct Cancelled(Vec<bool>);

impl Cancelled {
    /// DynamoDB's TransactionCanceledException: one reason per item.
    pub fn into_response(self) -> Response {
        let conflicts = self.0;
        let reasons: Vec<Value> = conflicts
        .iter()
        .map(|conflict| {
            if *conflict {
                json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
            } else {
                json!({"Code": "None"})
            }
        })
        .collect();
        let codes: Vec<&str> = conflicts
            .iter()
            .map(|c| if *c { "TransactionConflict" } else { "None" })
            .collect();
        let mut response = http::response(
        400,
        "application/x-amz-json-1.0",
        json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
            "CancellationReasons": reasons,
        })
        .to_string(),
    );
        response.headers_mut().insert(
            "x-amzn-errortype",
            hyper::header::HeaderValue::from_static("TransactionCanceledException"),
        );
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn in_flight() -> InFlight {
        InFlight::new(
            [(
                "profiles".to_string(),
                vec!["PK".to_string(), "SK".to_string()],
            )]
            .into(),
        )
    }

    fn put(pk: &str) -> Value {
        json!({"Put": {"TableName": "profiles", "Item": {"PK": {"S": pk}, "SK": {"S": "PROFILE"}, "name": {"S": "x"}}}})
    }

    fn update(pk: &str) -> Value {
        json!({"Update": {"TableName": "profiles", "Key": {"SK": {"S": "PROFILE"}, "PK": {"S": pk}}}})
    }

    fn body(items: &[Value]) -> Vec<u8> {
        json!({"TransactItems": items}).to_string().into_bytes()
    }

    async fn reasons(response: Response) -> Vec<String> {
        use http_body_util::BodyExt;
        assert_eq!(response.status(), 400);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            body["__type"]
                .as_str()
                .unwrap()
                .ends_with("#TransactionCanceledException")
        );
        body["CancellationReasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Code"].as_str().unwrap().to_string())
            .collect()
    }

    #[tokio::test]
    async fn an_overlapping_transaction_is_cancelled_until_the_first_ends() {
        let in_flight = in_flight();
        let first = in_flight
            .claim(&body(&[put("USER#a"), update("METRICS")]))
            .unwrap();
        // A Put and an Update name the same item whatever the attribute order.
        let Err(cancelled) = in_flight.claim(&body(&[update("USER#b"), update("USER#a")])) else {
            panic!("the overlap must be cancelled");
        };
        assert_eq!(
            reasons(cancelled.into_response()).await,
            ["None", "TransactionConflict"]
        );
        let Err(cancelled) = in_flight.claim(&body(&[update("METRICS")])) else {
            panic!("the counter item is held too");
        };
        assert_eq!(
            reasons(cancelled.into_response()).await,
            ["TransactionConflict"]
        );
        // Other items go ahead at once, and hold nothing after they end.
        drop(in_flight.claim(&body(&[put("USER#c")])).unwrap());
        assert_eq!(in_flight.held(), 2);
        drop(first);
        assert_eq!(in_flight.held(), 0);
        assert!(
            in_flight
                .claim(&body(&[update("USER#a"), update("METRICS")]))
                .is_ok()
        );
    }
}
