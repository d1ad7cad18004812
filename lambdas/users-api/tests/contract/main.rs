//! The router, the OpenAPI contract and Terraform's route map list the same
//! (method, resource) pairs: a route added in one place and forgotten in another fails here.

// Tests assert by unwrapping and panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use users_api::ROUTES;
use yaml_rust2::YamlLoader;

const OPENAPI: &str = include_str!("../../../../docs/openapi.yaml");
const TERRAFORM_ROOT: &str = include_str!("../../../../terraform/main.tf");

fn router() -> BTreeSet<String> {
    ROUTES
        .iter()
        .map(|(method, resource, _)| format!("{method} {resource}"))
        .collect()
}

#[test]
fn the_openapi_spec_documents_exactly_the_routed_operations() {
    let docs = YamlLoader::load_from_str(OPENAPI).expect("docs/openapi.yaml parses");
    let paths = docs[0]["paths"].as_hash().expect("the spec has paths");
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        let path = path.as_str().expect("path keys are strings");
        for (key, _) in item.as_hash().expect("path items are maps") {
            let key = key.as_str().unwrap_or_default();
            if [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&key)
            {
                documented.insert(format!("{} {path}", key.to_ascii_uppercase()));
            }
        }
    }
    assert_eq!(documented, router());
}

#[test]
fn terraform_wires_exactly_the_routed_operations() {
    // The `routes` map in terraform/main.tf: lines such as `"GET /users/{id}" = { authorized = true }`.
    let block = TERRAFORM_ROOT
        .split("routes = {")
        .nth(1)
        .expect("terraform/main.tf declares local.routes");
    let block = &block[..block.find("\n  }").expect("the routes map closes")];
    let wired: BTreeSet<String> = block
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix('"')?
                .split('"')
                .next()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(wired, router());
}
