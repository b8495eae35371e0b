//! The one signing algorithm kadry uses, HS256, as `jsonwebtoken`'s crypto
//! provider: HMAC-SHA-256 from the RustCrypto `hmac` and `sha2` crates and
//! nothing else. The crate's own `rust_crypto` provider would also bring
//! RSA, ECDSA and EdDSA, and with them the `rsa` crate and its advisory
//! (RUSTSEC-2023-0071), for algorithms kadry never accepts.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA-256 keyed with the secret, cloned for each message.
struct Hs256(HmacSha256);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(message);
        // In constant time.
        mac.verify_slice(tag).map_err(signature::Error::from_source)
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn keyed(algorithm: &Algorithm, family: AlgorithmFamily, secret: &[u8]) -> Result<Hs256> {
    if *algorithm != Algorithm::HS256 || family != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let mac = HmacSha256::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?;
    Ok(Hs256(mac))
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(keyed(algorithm, key.family(), key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(keyed(
        algorithm,
        key.family(),
        key.try_get_as_bytes()?,
    )?))
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    // kadry reads no JWKs.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes HS256 the process's provider (the first call does; later calls
/// find it there).
pub fn install() {
    let _already = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_signs_as_rfc_4231_says_and_refuses_every_other_algorithm() {
        // RFC 4231, test case 2: key "Jefe".
        let key = EncodingKey::from_secret(b"Jefe");
        let signer = signer(&Algorithm::HS256, &key).unwrap();
        let tag = signer.try_sign(b"what do ya want for nothing?").unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let decoding = DecodingKey::from_secret(b"Jefe");
        let verifier = verifier(&Algorithm::HS256, &decoding).unwrap();
        assert!(
            verifier
                .verify(b"what do ya want for nothing?", &tag)
                .is_ok()
        );
        assert!(
            verifier
                .verify(b"what do ya want for nothing!", &tag)
                .is_err()
        );
        for other in [
            Algorithm::HS384,
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
        ] {
            assert!(super::signer(&other, &key).is_err(), "{other:?}");
            assert!(super::verifier(&other, &decoding).is_err(), "{other:?}");
        }
    }
}
