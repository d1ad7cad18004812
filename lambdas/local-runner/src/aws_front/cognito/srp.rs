//! The server half of Cognito's SRP-6a (USER_SRP_AUTH), as the client libraries
//! (amazon-cognito-identity-js, pycognito) compute the other half: the 3072-bit group of
//! RFC 5054 with g = 2, SHA-256, k = H(N | g), x = H(salt | H(poolName | userId | ":" |
//! password)), u = H(A | B), a 16-byte key from HKDF(S, salt = u, info "Caldera Derived
//! Key"), and the claim HMAC-SHA256(key, poolName | userId | secretBlock | timestamp).
//!
//! Every number is hashed in Cognito's own encoding (`pad`): big-endian, with a zero byte
//! in front when the top bit is set, never padded to the length of N. The RustCrypto `srp`
//! crate pads to N's length, so its server would disagree with every Cognito client.

use num_bigint::BigUint;
use ring::{digest, hkdf, hmac};
use std::sync::LazyLock;

/// RFC 5054's (and RFC 3526's) 3072-bit prime.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879",
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B",
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836",
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804",
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6",
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226",
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
    let g = BigUint::from(2u32);
    let k = number(&sha256(&[&pad(&n), &pad(&g)]));
    Group { n, g, k }
});

/// Cognito's encoding of a number for hashing: big-endian bytes, a leading zero byte
/// when the most significant bit is set.
pub fn pad(value: &BigUint) -> Vec<u8> {
    let bytes = value.to_bytes_be();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        [&[0u8][..], &bytes].concat()
    } else {
        bytes
    }
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

fn number(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// A number sent as hexadecimal (SRP_A, SRP_B, SALT); None if it is not one.
pub fn parse_hex(text: &str) -> Option<BigUint> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(text.as_bytes(), 16)
}

pub fn to_hex(value: &BigUint) -> String {
    value.to_str_radix(16)
}

/// What the user's password proves, for one salt: v = g^x mod N.
pub fn verifier(pool_name: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha256(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = number(&sha256(&[&pad(salt), &inner]));
    GROUP.g.modpow(&x, &GROUP.n)
}

/// The server's public value B = (k·v + g^b) mod N for its secret b.
pub fn server_public(b: &BigUint, verifier: &BigUint) -> BigUint {
    let group = &*GROUP;
    (&group.k * verifier + group.g.modpow(b, &group.n)) % &group.n
}

/// The 16-byte key both sides derive; None when A is 0 mod N or u is 0 (SRP-6a's aborts).
pub fn password_key(
    a_public: &BigUint,
    b_public: &BigUint,
    b: &BigUint,
    verifier: &BigUint,
) -> Option<[u8; 16]> {
    let group = &*GROUP;
    if (a_public % &group.n) == BigUint::ZERO {
        return None;
    }
    let u = number(&sha256(&[&pad(a_public), &pad(b_public)]));
    if u == BigUint::ZERO {
        return None;
    }
    // S = (A · v^u)^b mod N
    let s = (a_public * verifier.modpow(&u, &group.n) % &group.n).modpow(b, &group.n);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &pad(&u)).extract(&pad(&s));
    let info: &[&[u8]] = &[b"Caldera Derived Key"];
    let mut key = [0u8; 16];
    prk.expand(info, KeyLength).ok()?.fill(&mut key).ok()?;
    Some(key)
}

struct KeyLength;

impl hkdf::KeyType for KeyLength {
    fn len(&self) -> usize {
        16
    }
}

/// The message a client signs to claim it knows the password.
fn claim(pool_name: &str, user_id: &str, secret_block: &[u8], timestamp: &str) -> Vec<u8> {
    [
        pool_name.as_bytes(),
        user_id.as_bytes(),
        secret_block,
        timestamp.as_bytes(),
    ]
    .concat()
}

/// PASSWORD_CLAIM_SIGNATURE as a client computes it (raw HMAC-SHA256, before base64).
#[cfg(test)]
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, &claim(pool_name, user_id, secret_block, timestamp))
        .as_ref()
        .to_vec()
}

/// True when `signature` is the claim signed with `key` (compared in constant time).
pub fn claim_holds(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature: &[u8],
) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::verify(
        &key,
        &claim(pool_name, user_id, secret_block, timestamp),
        signature,
    )
    .is_ok()
}

/// TIMESTAMP as Cognito's clients write it: "Wed Dec 2 17:05:00 UTC 2026" (the day of the
/// month unpadded, the time zero-padded).
pub fn parse_timestamp(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, "%a %b %e %H:%M:%S UTC %Y").ok()
}

/// The same format, for tests.
#[cfg(test)]
pub fn format_timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a %b %-d %H:%M:%S UTC %Y").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn numbers_are_padded_only_when_their_top_bit_is_set() {
        assert_eq!(pad(&BigUint::from(0x14u32)), vec![0x14]);
        assert_eq!(pad(&BigUint::from(0xECu32)), vec![0x00, 0xEC]);
        assert_eq!(pad(&BigUint::from(0x1234u32)), vec![0x12, 0x34]);
        assert_eq!(pad(&GROUP.n).len(), 385, "N's top bit is set");
    }

    #[test]
    fn the_group_is_rfc_5054s_3072_bit_one() {
        assert_eq!(GROUP.n.bits(), 3072);
        assert_eq!(GROUP.n.to_str_radix(16).to_uppercase(), N_HEX);
        // Fermat's test with base g: a typo in the constant would fail it.
        let one = BigUint::from(1u32);
        assert_eq!(GROUP.g.modpow(&(&GROUP.n - &one), &GROUP.n), one);
    }

    #[test]
    fn timestamps_read_and_write_cognitos_format() {
        let parsed = parse_timestamp("Wed Dec 2 17:05:00 UTC 2026").unwrap();
        assert_eq!(parsed.to_string(), "2026-12-02 17:05:00");
        let at = parsed.and_utc();
        assert_eq!(format_timestamp(at), "Wed Dec 2 17:05:00 UTC 2026");
        assert!(parse_timestamp("Sat Dec 12 07:05:09 UTC 2026").is_some());
        assert!(
            parse_timestamp("Wed Dec 12 07:05:09 UTC 2026").is_none(),
            "the weekday must match the date"
        );
        assert!(parse_timestamp("2026-12-02T17:05:00Z").is_none());
        assert!(parse_timestamp("").is_none());
    }

    /// An independent client: Python's own integers and hashlib/hmac, written from the
    /// protocol as the client libraries run it (pycognito's and amazon-cognito-identity-js's
    /// padding), fed the server's B and salt, returning A and the claim signature.
    const PYTHON_CLIENT: &str = r#"
import base64, hashlib, hmac, sys
N = int(sys.argv[1], 16); g = 2
def pad(n):
    h = format(n, "x")
    h = "0" + h if len(h) % 2 else h
    return bytes.fromhex("00" + h if h[0] in "89abcdef" else h)
H = lambda b: hashlib.sha256(b).digest()
k = int.from_bytes(H(pad(N) + pad(g)), "big")
pool, user, password, salt_hex, b_hex, a_hex, secret_b64, ts = sys.argv[2:10]
a = int(a_hex, 16); A = pow(g, a, N); B = int(b_hex, 16); salt = int(salt_hex, 16)
u = int.from_bytes(H(pad(A) + pad(B)), "big")
x = int.from_bytes(H(pad(salt) + H((pool + user + ":" + password).encode())), "big")
S = pow((B - k * pow(g, x, N)) % N, a + u * x, N)
prk = hmac.new(pad(u), pad(S), hashlib.sha256).digest()
key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
msg = pool.encode() + user.encode() + base64.b64decode(secret_b64) + ts.encode()
print(format(A, "x"), base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode())
"#;

    /// A client's public A = g^a mod N for its secret `a` (hex).
    pub fn client_public(a: &str) -> BigUint {
        GROUP.g.modpow(&parse_hex(a).unwrap(), &GROUP.n)
    }

    /// The Python client's (A, PASSWORD_CLAIM_SIGNATURE) for: pool name, user id, password,
    /// SALT, SRP_B, its secret a (hex), SECRET_BLOCK, TIMESTAMP.
    pub fn python_client(args: &[&str]) -> (BigUint, Vec<u8>) {
        let python = test_support::emulator::project_tool("MOTO_PYTHON", &[".venv/bin/python"]);
        let output = std::process::Command::new(python)
            .arg("-c")
            .arg(PYTHON_CLIENT)
            .arg(N_HEX)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        let (a, signature) = text.trim().split_once(' ').unwrap();
        (
            parse_hex(a).unwrap(),
            base64::engine::general_purpose::STANDARD
                .decode(signature)
                .unwrap(),
        )
    }

    #[test]
    fn an_independent_client_with_the_password_is_verified_and_one_without_is_not() {
        let pool = "AbCdEf123";
        let user = "7d0c5a6e-0000-4000-8000-000000000001";
        // A salt and b with their top bits set, so the padding matters.
        let salt = parse_hex("f3a1c2b4d5e6f708192a3b4c5d6e7f80").unwrap();
        let b = parse_hex(&"c7".repeat(64)).unwrap();
        let secret_block = [0x9eu8; 48];
        let secret_b64 = base64::engine::general_purpose::STANDARD.encode(secret_block);
        let timestamp = "Wed Dec 2 17:05:00 UTC 2026";
        let v = verifier(pool, user, "Correct-Horse-9!", &salt);
        let b_public = server_public(&b, &v);
        let client = |password: &str, a: &str| {
            python_client(&[
                pool,
                user,
                password,
                &to_hex(&salt),
                &to_hex(&b_public),
                a,
                &secret_b64,
                timestamp,
            ])
        };

        for a in ["8f".repeat(40), "1".to_string() + &"0".repeat(70)] {
            let (a_public, signature) = client("Correct-Horse-9!", &a);
            let key = password_key(&a_public, &b_public, &b, &v).unwrap();
            assert!(
                claim_holds(&key, pool, user, &secret_block, timestamp, &signature),
                "the right password verifies (a = {a})"
            );
            assert_eq!(
                claim_signature(&key, pool, user, &secret_block, timestamp),
                signature
            );
            assert!(
                !claim_holds(
                    &key,
                    pool,
                    user,
                    &secret_block,
                    "Wed Dec 2 17:05:01 UTC 2026",
                    &signature
                ),
                "the signature covers the timestamp"
            );
        }

        let (a_public, signature) = client("Correct-Horse-9?", &"8f".repeat(40));
        let key = password_key(&a_public, &b_public, &b, &v).unwrap();
        assert!(
            !claim_holds(&key, pool, user, &secret_block, timestamp, &signature),
            "a wrong password does not"
        );
    }

    #[test]
    fn an_a_of_zero_mod_n_is_refused() {
        let v = verifier("p", "u", "pw", &BigUint::from(7u32));
        let b = BigUint::from(12345u32);
        let b_public = server_public(&b, &v);
        assert!(password_key(&BigUint::ZERO, &b_public, &b, &v).is_none());
        assert!(password_key(&GROUP.n, &b_public, &b, &v).is_none());
        assert!(password_key(&(&GROUP.n * 2u32), &b_public, &b, &v).is_none());
    }

    #[test]
    fn only_hexadecimal_numbers_parse() {
        assert_eq!(parse_hex("ff"), Some(BigUint::from(255u32)));
        assert_eq!(parse_hex(""), None);
        assert_eq!(parse_hex("xyz"), None);
        assert_eq!(parse_hex("-1"), None);
    }
}
