//! Limits on what the public may post without signing in (留言, 测评, 项目建议), kept inside
//! the server: government networks have no outside CAPTCHA or reputation service to call.
//!
//! Three checks, cheapest first, all before the database is touched:
//! - a per-address budget ([`Guard::admit`]): a token bucket per client address (an IPv6
//!   client is keyed by its /64, the block one subscriber gets), so a flood from one
//!   address is refused in memory and costs the database nothing;
//! - a challenge of our own ([`Guard::challenge`], [`Guard::check_answer`]): a small sum
//!   in words, answered in the form without JavaScript (readable by a screen reader), single
//!   use, and signed by a per-process secret so the server keeps no state for unanswered
//!   ones. It stops blind scripted posting; it does not stop a determined human, which is
//!   what the budget and moderation are for;
//! - the size limit on a form body, set on each public form's route ([`PUBLIC_FORM_LIMIT`]).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sm3::{Digest, Sm3};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The largest body a public form may send: a message of 2,000 characters in UTF-8 with its
/// field names and challenge fits in well under this.
pub(crate) const PUBLIC_FORM_LIMIT: usize = 16 * 1024;

/// What a budget is for: each has its own bucket per address, so rating every item of a plan
/// does not use up the budget for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Limit {
    /// A message (留言) on an item.
    Feedback,
    /// A rating in a satisfaction survey: a person rates each of ~50 items in one sitting.
    Rating,
    /// A proposed project for next year's list.
    Proposal,
}

impl Limit {
    /// (burst, one more every `refill`): a person posts a few in a row, then must wait.
    fn budget(self) -> (u32, Duration) {
        match self {
            Limit::Feedback => (5, Duration::from_secs(120)),
            Limit::Rating => (120, Duration::from_secs(5)),
            Limit::Proposal => (3, Duration::from_secs(300)),
        }
    }
}

/// Refused by a budget: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooMany {
    pub(crate) retry_after: Duration,
}

/// Why an answer to the challenge was not taken. Each is told to the person in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChallengeFailed {
    #[error("验证题的答案不对，请重新计算后再提交。")]
    Wrong,
    #[error("验证题已过期或已使用，请回答新的验证题后再提交。")]
    Stale,
}

/// A challenge to put in a form: show `question`, send `token` back in a hidden field.
#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    pub(crate) question: String,
    pub(crate) token: String,
}

/// How long a challenge may be answered: long enough to write a message on a phone.
const CHALLENGE_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Addresses remembered at most; past this, buckets that have filled up again are forgotten
/// (they hold nothing a fresh bucket would not).
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The abuse limits a server shares across requests. One per process.
#[derive(Debug)]
pub struct Guard {
    /// Behind a reverse proxy every request comes from the proxy's address; only then is the
    /// last address of `X-Forwarded-For` (the one the proxy itself added) the client's.
    trust_forwarded: bool,
    secret: [u8; 32],
    buckets: Mutex<HashMap<(Limit, IpAddr), Bucket>>,
    /// Answered challenges until they expire, so each is used once.
    answered: Mutex<HashMap<[u8; 8], SystemTime>>,
}

impl Guard {
    /// `trust_forwarded`: the server runs behind a reverse proxy that sets
    /// `X-Forwarded-For`. Never set it on a server the public reaches directly: anyone could
    /// then claim any address and escape the budgets.
    pub fn new(trust_forwarded: bool) -> Self {
        let mut secret = [0u8; 32];
        if getrandom::getrandom(&mut secret).is_err() {
            // Without randomness the secret would be guessable; a per-process hash of the
            // time and address space is the least bad fallback, and the OS never fails here
            // in practice.
            let seed = format!("{:?}{:p}", SystemTime::now(), &secret);
            secret.copy_from_slice(&Sm3::digest(seed.as_bytes()));
        }
        Self {
            trust_forwarded,
            secret,
            buckets: Mutex::new(HashMap::new()),
            answered: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one from `addr`'s budget for `limit`, or says how long to wait.
    pub(crate) fn admit(&self, limit: Limit, addr: IpAddr) -> Result<(), TooMany> {
        self.admit_at(limit, addr, Instant::now())
    }

    fn admit_at(&self, limit: Limit, addr: IpAddr, now: Instant) -> Result<(), TooMany> {
        let (burst, refill) = limit.budget();
        let key = (limit, subscriber(addr));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            buckets.retain(|(l, _), b| level(*b, l.budget(), now) < f64::from(l.budget().0));
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: f64::from(burst),
            at: now,
        });
        let tokens = level(*bucket, (burst, refill), now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(TooMany {
                retry_after: refill.mul_f64(1.0 - tokens),
            })
        }
    }

    /// A fresh challenge: the sum of two numbers from 1 to 9, in Chinese.
    pub(crate) fn challenge(&self) -> Challenge {
        let mut random = [0u8; 10];
        let _ = getrandom::getrandom(&mut random);
        let a = random[0] % 9 + 1;
        let b = random[1] % 9 + 1;
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&random[2..10]);
        let expires = SystemTime::now() + CHALLENGE_LIFETIME;
        let expires_secs = expires
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let tag = self.tag(expires_secs, &nonce, u32::from(a + b));
        let mut token = Vec::with_capacity(8 + 8 + tag.len());
        token.extend_from_slice(&expires_secs.to_be_bytes());
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&tag);
        Challenge {
            question: format!(
                "{} 加 {} 等于几？",
                WORDS[usize::from(a)],
                WORDS[usize::from(b)]
            ),
            token: hex::encode(token),
        }
    }

    /// Checks `answer` (digits, full-width digits or a Chinese numeral) to the challenge
    /// `token`, and uses the challenge up.
    pub(crate) fn check_answer(&self, token: &str, answer: &str) -> Result<(), ChallengeFailed> {
        let bytes = hex::decode(token.trim()).map_err(|_| ChallengeFailed::Stale)?;
        if bytes.len() != 8 + 8 + 32 {
            return Err(ChallengeFailed::Stale);
        }
        let (expires, rest) = bytes.split_at(8);
        let (nonce, tag) = rest.split_at(8);
        let expires_secs =
            u64::from_be_bytes(expires.try_into().map_err(|_| ChallengeFailed::Stale)?);
        let nonce: [u8; 8] = nonce.try_into().map_err(|_| ChallengeFailed::Stale)?;
        let expires = UNIX_EPOCH + Duration::from_secs(expires_secs);
        let now = SystemTime::now();
        if expires <= now {
            return Err(ChallengeFailed::Stale);
        }
        let sum = read_answer(answer).ok_or(ChallengeFailed::Wrong)?;
        if !constant_time_eq(&self.tag(expires_secs, &nonce, sum), tag) {
            return Err(ChallengeFailed::Wrong);
        }
        let mut answered = self
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        answered.retain(|_, until| *until > now);
        if answered.insert(nonce, expires).is_some() {
            return Err(ChallengeFailed::Stale);
        }
        Ok(())
    }

    /// SM3 keyed twice (inner and outer), as HMAC does, so a tag cannot be extended.
    fn tag(&self, expires_secs: u64, nonce: &[u8; 8], sum: u32) -> [u8; 32] {
        let mut inner = Sm3::new();
        inner.update(self.secret);
        inner.update(expires_secs.to_be_bytes());
        inner.update(nonce);
        inner.update(sum.to_be_bytes());
        let mut outer = Sm3::new();
        outer.update(self.secret);
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The client's address for `parts`: the connection's peer, or the proxy's word for it
    /// when the server is told it runs behind one.
    fn client_of(&self, parts: &Parts) -> IpAddr {
        if self.trust_forwarded {
            // Only the last entry: the ones before it are whatever the client sent.
            let last = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|a| a.trim().parse::<IpAddr>().ok());
            if let Some(addr) = last {
                return addr;
            }
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            // Served without connection info (a router driven in a test): every request
            // shares one budget, which errs on the side of refusing.
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// The address of the client that sent a request, for the budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(state.guard.client_of(parts)))
    }
}

const WORDS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// The bucket's level at `now`: what it held plus what has come back since, up to the burst.
fn level(bucket: Bucket, (burst, refill): (u32, Duration), now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
    (bucket.tokens + elapsed / refill.as_secs_f64()).min(f64::from(burst))
}

/// One IPv6 subscriber gets a /64 and can use any address in it.
fn subscriber(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

/// "12", "１２" or "十二" (the sums run from 2 to 18).
fn read_answer(answer: &str) -> Option<u32> {
    let answer = answer.trim();
    let digits: String = answer
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if let Ok(n) = digits.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| {
        WORDS
            .iter()
            .position(|w| w.starts_with(c))
            .map(|n| n as u32)
    };
    let chars: Vec<char> = answer.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', one] => Some(10 + digit(*one)?),
        [one] => digit(*one),
        _ => None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    #[test]
    fn a_flood_from_one_address_is_refused_after_the_burst_and_others_are_untouched() {
        let guard = Guard::new(false);
        let start = Instant::now();
        let admitted = (0..1000)
            .filter(|_| guard.admit_at(Limit::Feedback, v4(1), start).is_ok())
            .count();
        assert_eq!(admitted, 5);
        assert!(guard.admit_at(Limit::Feedback, v4(2), start).is_ok());
        // Another purpose has its own budget.
        assert!(guard.admit_at(Limit::Rating, v4(1), start).is_ok());
        // Two minutes later one more message is allowed, not two.
        let later = start + Duration::from_secs(121);
        assert!(guard.admit_at(Limit::Feedback, v4(1), later).is_ok());
        let refused = guard.admit_at(Limit::Feedback, v4(1), later);
        assert!(
            matches!(refused, Err(TooMany { retry_after }) if retry_after > Duration::from_secs(100))
        );
    }

    #[test]
    fn addresses_in_one_ipv6_slash_64_share_a_budget() {
        let guard = Guard::new(false);
        let now = Instant::now();
        for n in 0..5u16 {
            let addr: IpAddr = format!("2001:db8:1:2::{n:x}").parse().unwrap();
            assert!(guard.admit_at(Limit::Feedback, addr, now).is_ok());
        }
        let other_host: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert!(guard.admit_at(Limit::Feedback, other_host, now).is_err());
        let other_subscriber: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(guard
            .admit_at(Limit::Feedback, other_subscriber, now)
            .is_ok());
    }

    fn sum_of(question: &str) -> u32 {
        let digits: Vec<u32> = question
            .chars()
            .filter_map(|c| WORDS.iter().position(|w| w.starts_with(c)))
            .map(|n| n as u32)
            .collect();
        digits.iter().sum()
    }

    #[test]
    fn a_challenge_takes_its_sum_once_in_any_spelling_and_nothing_else() {
        let guard = Guard::new(false);
        let challenge = guard.challenge();
        let sum = sum_of(&challenge.question);
        assert!((2..=18).contains(&sum), "{}", challenge.question);
        assert_eq!(
            guard.check_answer(&challenge.token, &(sum + 1).to_string()),
            Err(ChallengeFailed::Wrong)
        );
        assert_eq!(
            guard.check_answer(&challenge.token, &sum.to_string()),
            Ok(())
        );
        assert_eq!(
            guard.check_answer(&challenge.token, &sum.to_string()),
            Err(ChallengeFailed::Stale)
        );
        assert_eq!(read_answer("十二"), Some(12));
        assert_eq!(read_answer(" １２ "), Some(12));
        assert_eq!(read_answer("七"), Some(7));
        assert_eq!(read_answer("十"), Some(10));
        assert_eq!(read_answer("<b>"), None);
    }

    #[test]
    fn a_token_from_another_server_or_tampered_is_not_taken() {
        let ours = Guard::new(false);
        let theirs = Guard::new(false);
        let challenge = theirs.challenge();
        let sum = sum_of(&challenge.question);
        assert_eq!(
            ours.check_answer(&challenge.token, &sum.to_string()),
            Err(ChallengeFailed::Wrong)
        );
        assert_eq!(ours.check_answer("zz", "3"), Err(ChallengeFailed::Stale));
        assert_eq!(ours.check_answer("00", "3"), Err(ChallengeFailed::Stale));
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let request = axum::http::Request::builder()
            .header("x-forwarded-for", "198.51.100.7, 203.0.113.9")
            .body(())
            .unwrap();
        let (mut parts, ()) = request.into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        assert_eq!(Guard::new(false).client_of(&parts), v4_of([10, 0, 0, 1]));
        assert_eq!(Guard::new(true).client_of(&parts), v4_of([203, 0, 113, 9]));
    }

    fn v4_of(octets: [u8; 4]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(octets))
    }
}
