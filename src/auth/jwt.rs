//! Access tokens: HS256 JWTs whose decoding pins the algorithm and requires exp, nbf, iss and aud.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::AuthSettings;
use crate::domain::Role;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user's id, as a string as RFC 7519 asks.
    pub sub: String,
    pub role: Role,
    pub org: Option<i64>,
    /// The user's token version when issued; a token whose user has moved on
    /// (disabled, role or organization changed) is refused.
    pub ver: i32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], settings: &AuthSettings) -> Self {
        super::hs256::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.token_ttl_seconds,
        }
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(
        &self,
        user_id: i64,
        role: Role,
        org: Option<i64>,
        version: i32,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            org,
            ver: version,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a valid token; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn keys() -> JwtKeys {
        let settings = Settings::from_sources(|_| None).unwrap();
        JwtKeys::new(&[7u8; 32], &settings.auth)
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let keys = keys();
        let token = keys.issue(42, Role::College, Some(7), 3).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.role, Role::College);
        assert_eq!(claims.org, Some(7));
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let settings = Settings::from_sources(|_| None).unwrap();
        let other = JwtKeys::new(&[8u8; 32], &settings.auth);
        let token = other.issue(1, Role::Admin, None, 0).unwrap();
        assert!(keys().verify(&token).is_none());
    }
}
