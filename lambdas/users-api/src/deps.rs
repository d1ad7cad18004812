//! What the handlers work with: the ports and the configuration, read once at cold start.

use adapters::config::UsersApiConfig;
use domain::service::Service;

pub struct Deps<S, P, G, L> {
    pub profiles: S,
    pub pictures: P,
    pub groups: G,
    /// The PHI access log every profile route records to.
    pub access_log: L,
    pub config: UsersApiConfig,
}

impl<S, P, G, L> Deps<S, P, G, L> {
    /// The profile rules over these ports.
    pub fn service(&self) -> Service<'_, S, P, G> {
        Service {
            store: &self.profiles,
            pictures: &self.pictures,
            groups: &self.groups,
            user_pool_id: &self.config.user_pool_id,
            policy: &self.config.self_service,
            max_picture_bytes: self.config.max_picture_bytes,
        }
    }
}
