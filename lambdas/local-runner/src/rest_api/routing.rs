//! Matching a request path against the applied resources, as API Gateway does: literal
//! segments before `{param}`, `{param+}` greedy, then the method (or ANY).

use crate::applied::Route;
use std::collections::BTreeMap;

pub struct Matched<'a> {
    pub route: &'a Route,
    pub path_parameters: BTreeMap<String, String>,
}

pub enum RouteMatch<'a> {
    Found(Matched<'a>),
    /// No resource or no method: API Gateway's "Missing Authentication Token".
    Missing,
}

pub fn find<'a>(routes: &'a [Route], method: &str, path: &str) -> RouteMatch<'a> {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut best: Option<(usize, &str, BTreeMap<String, String>)> = None;
    for route in routes {
        let Some((score, parameters)) = match_resource(&route.resource_path, &segments) else {
            continue;
        };
        if best
            .as_ref()
            .is_none_or(|(best_score, _, _)| score > *best_score)
        {
            best = Some((score, route.resource_path.as_str(), parameters));
        }
    }
    let Some((_, resource_path, path_parameters)) = best else {
        return RouteMatch::Missing;
    };
    let on_resource = routes.iter().filter(|r| r.resource_path == resource_path);
    let route = on_resource
        .clone()
        .find(|r| r.method == method)
        .or_else(|| on_resource.clone().find(|r| r.method == "ANY"));
    match route {
        Some(route) => RouteMatch::Found(Matched {
            route,
            path_parameters,
        }),
        None => RouteMatch::Missing,
    }
}

/// A match scores higher the more literal segments it has.
fn match_resource(
    resource_path: &str,
    segments: &[&str],
) -> Option<(usize, BTreeMap<String, String>)> {
    let pattern: Vec<&str> = resource_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut parameters = BTreeMap::new();
    let mut score = 0;
    for (index, part) in pattern.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest = segments.get(index..).filter(|rest| !rest.is_empty())?;
            parameters.insert(name.to_string(), rest.join("/"));
            return Some((score, parameters));
        }
        let segment = segments.get(index)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            parameters.insert(name.to_string(), (*segment).to_string());
        } else if part == segment {
            score += 1;
        } else {
            return None;
        }
    }
    (pattern.len() == segments.len()).then_some((score * 2 + 1, parameters))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn route(path: &str, method: &str) -> Route {
        Route {
            resource_id: path.into(),
            resource_path: path.into(),
            method: method.into(),
            authorizer_pool_arns: None,
            function_arn: None,
        }
    }

    #[test]
    fn literal_segments_win_and_parameters_are_captured() {
        let routes = [
            route("/users/{id}", "GET"),
            route("/users/me", "GET"),
            route("/users", "GET"),
        ];
        let RouteMatch::Found(m) = find(&routes, "GET", "/users/abc") else {
            panic!("no match")
        };
        assert_eq!(m.route.resource_path, "/users/{id}");
        assert_eq!(m.path_parameters.get("id").map(String::as_str), Some("abc"));
        let RouteMatch::Found(m) = find(&routes, "GET", "/users/me") else {
            panic!("no match")
        };
        assert_eq!(m.route.resource_path, "/users/me");
    }

    #[test]
    fn an_unknown_path_or_method_is_missing() {
        let routes = [route("/users/{id}", "GET")];
        assert!(matches!(
            find(&routes, "DELETE", "/users/abc"),
            RouteMatch::Missing
        ));
        assert!(matches!(
            find(&routes, "GET", "/nothing"),
            RouteMatch::Missing
        ));
        assert!(matches!(
            find(&routes, "GET", "/users/a/b"),
            RouteMatch::Missing
        ));
    }
}
