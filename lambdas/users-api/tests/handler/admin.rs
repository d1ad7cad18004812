use std::collections::BTreeSet;

use domain::{ProfileStatus, UserType};

use crate::support::*;

const IDS: [&str; 5] = [
    "00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003",
    "00000000-0000-4000-8000-000000000004",
    "00000000-0000-4000-8000-000000000005",
];

fn seeded() -> std::sync::Arc<TestDeps> {
    let deps = deps();
    for (i, user) in IDS.iter().enumerate() {
        let user_type = if i < 3 {
            UserType::Patient
        } else {
            UserType::Doctor
        };
        let mut p = profile(user, user_type, ProfileStatus::Active);
        p.created_at += chrono::Duration::minutes(i as i64);
        deps.profiles.insert(p);
    }
    deps
}

/// Every page of `GET /users` in pages of two: (listed ids, unreadable ids), in order.
async fn page_through(deps: &TestDeps) -> (Vec<String>, Vec<String>) {
    let (mut items, mut unreadable, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    for _ in 0..10 {
        let mut params = vec![("limit", "2")];
        if let Some(c) = &cursor {
            params.push(("cursor", c.as_str()));
        }
        let reply = Call::new("GET", "/users")
            .by(ROOT, &["Admin"])
            .query(&params)
            .send(deps)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let ids = |field: &str| -> Vec<String> {
            reply.body[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().or(v["user_id"].as_str()).unwrap().to_owned())
                .collect()
        };
        let (page_items, page_unreadable) = (ids("items"), ids("unreadable_ids"));
        assert!(
            page_items.len() + page_unreadable.len() <= 2,
            "limit counts both"
        );
        items.extend(page_items);
        unreadable.extend(page_unreadable);
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (items, unreadable),
        }
    }
    panic!("the listing never ended");
}

#[tokio::test]
async fn admins_page_through_every_profile_exactly_once() {
    let deps = seeded();
    let (seen, unreadable) = page_through(&deps).await;
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), IDS.len(), "{seen:?}");
    assert_eq!(unique, IDS.iter().map(|s| s.to_string()).collect());
    assert!(unreadable.is_empty());
}

#[tokio::test]
async fn a_user_type_filter_lists_only_that_type() {
    let deps = seeded();
    let reply = Call::new("GET", "/users")
        .by(ROOT, &["Admin"])
        .query(&[("user_type", "Doctor")])
        .send(&deps)
        .await;
    let types: Vec<_> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Doctor", "Doctor"]);
    assert!(reply.body["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_listing_parameters_are_400() {
    let deps = seeded();
    let page = Call::new("GET", "/users")
        .by(ROOT, &["Admin"])
        .query(&[("limit", "1")])
        .send(&deps)
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    for params in [
        vec![("limit", "0")],
        vec![("limit", "101")],
        vec![("limit", "ten")],
        vec![("user_type", "admin")],
        vec![("status", "pending")],
        vec![("status", "Active")],
        vec![("cursor", "garbage")],
        vec![("cursor", cursor.as_str()), ("user_type", "Doctor")],
        vec![("cursor", cursor.as_str()), ("status", "pending_review")],
        vec![("sort", "email")],
    ] {
        let reply = Call::new("GET", "/users")
            .by(ROOT, &["Admin"])
            .query(&params)
            .send(&deps)
            .await;
        assert_eq!(reply.status, 400, "{params:?}");
    }
}

#[tokio::test]
async fn listing_and_metrics_are_for_admins_only() {
    let deps = seeded();
    for groups in [
        &["Patient"][..],
        &["Doctor"][..],
        &["Patient", "Doctor"][..],
        &[][..],
    ] {
        for resource in ["/users", "/admin/metrics"] {
            let reply = Call::new("GET", resource).by(ADA, groups).send(&deps).await;
            assert_eq!(reply.status, 403, "{groups:?} {resource}");
            assert!(reply.body.get("items").is_none() && reply.body.get("total").is_none());
        }
    }
}

#[tokio::test]
async fn metrics_report_the_counters() {
    let deps = seeded();
    let reply = Call::new("GET", "/admin/metrics")
        .by(ROOT, &["Admin"])
        .send(&deps)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        serde_json::json!({
            "total": 5,
            "by_user_type": {"Patient": 3, "Doctor": 2, "Admin": 0},
            "pending_review": {"Patient": 0, "Doctor": 0, "Admin": 0},
        })
    );
}

const PENDING: &str = "00000000-0000-4000-8000-000000000006";

#[tokio::test]
async fn a_requested_doctor_is_counted_and_listed_apart_from_approved_ones() {
    let deps = seeded();
    deps.profiles.insert(profile(
        PENDING,
        UserType::Doctor,
        ProfileStatus::PendingReview,
    ));
    let admin_get = |path: &'static str, params: Vec<(&'static str, &'static str)>| {
        let deps = deps.clone();
        async move {
            let reply = Call::new("GET", path)
                .by(ROOT, &["Admin"])
                .query(&params)
                .send(&deps)
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body
        }
    };
    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["user_id"].as_str().unwrap().to_owned())
            .collect()
    };

    let metrics = admin_get("/admin/metrics", vec![]).await;
    assert_eq!(metrics["by_user_type"]["Doctor"], 2, "{metrics}");
    assert_eq!(metrics["pending_review"]["Doctor"], 1, "{metrics}");
    assert_eq!(metrics["total"], 6, "{metrics}");

    let doctors = admin_get("/users", vec![("user_type", "Doctor")]).await;
    assert_eq!(ids(&doctors), [IDS[3], IDS[4]]);
    let waiting = admin_get(
        "/users",
        vec![("user_type", "Doctor"), ("status", "pending_review")],
    )
    .await;
    assert_eq!(ids(&waiting), [PENDING]);
    assert_eq!(waiting["items"][0]["status"], "pending_review");
    let everyone_waiting = admin_get("/users", vec![("status", "pending_review")]).await;
    assert_eq!(ids(&everyone_waiting), [PENDING]);
}

#[tokio::test]
async fn an_unreadable_profile_is_reported_by_id_and_the_rest_of_the_listing_is_served() {
    let deps = seeded();
    deps.profiles.make_unreadable(&id(IDS[1]), "name");
    let (items, unreadable) = page_through(&deps).await;
    assert_eq!(unreadable, [IDS[1]]);
    let mut expected: Vec<_> = IDS.iter().map(|s| s.to_string()).collect();
    expected.remove(1);
    assert_eq!(items, expected);
}
