//! The routes this function serves, by method and API Gateway resource.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    ListUsers,
    GetUser,
    PutUser,
    DeleteUser,
    CreatePictureUploadUrl,
    Metrics,
    AccessLog,
    /// CORS preflight, answered without authentication.
    Preflight,
}

/// Every (method, API Gateway resource) this function serves. The OpenAPI spec and
/// Terraform's route map must list the same set; a test checks the spec.
pub const ROUTES: [(&str, &str, Route); 13] = [
    ("GET", "/health", Route::Health),
    ("GET", "/users", Route::ListUsers),
    ("GET", "/users/{id}", Route::GetUser),
    ("PUT", "/users/{id}", Route::PutUser),
    ("DELETE", "/users/{id}", Route::DeleteUser),
    (
        "POST",
        "/users/{id}/picture-upload-url",
        Route::CreatePictureUploadUrl,
    ),
    ("GET", "/admin/metrics", Route::Metrics),
    ("GET", "/users/{id}/access-log", Route::AccessLog),
    ("OPTIONS", "/users", Route::Preflight),
    ("OPTIONS", "/users/{id}", Route::Preflight),
    (
        "OPTIONS",
        "/users/{id}/picture-upload-url",
        Route::Preflight,
    ),
    ("OPTIONS", "/admin/metrics", Route::Preflight),
    ("OPTIONS", "/users/{id}/access-log", Route::Preflight),
];

/// No route for a request: an unknown resource (404), or a method it does not serve (405).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoute {
    NotFound,
    MethodNotAllowed,
}

/// The route for a method and API Gateway resource.
pub fn route(method: &str, resource: &str) -> Result<Route, NoRoute> {
    let mut known_resource = false;
    for (m, r, route) in ROUTES {
        if r == resource {
            known_resource = true;
            if m == method {
                return Ok(route);
            }
        }
    }
    Err(if known_resource {
        NoRoute::MethodNotAllowed
    } else {
        NoRoute::NotFound
    })
}
