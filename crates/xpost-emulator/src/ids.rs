//! Realistic ids and secrets: digit-string ids for Instagram, snowflakes for X,
//! and opaque token strings, all drawn from the emulator's (optionally seeded) RNG.

use rand::Rng;
use rand::rngs::StdRng;

/// X's snowflake epoch (4 Nov 2010), in Unix milliseconds.
const TWEPOCH_MS: i64 = 1_288_834_974_657;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A digit string: `prefix` followed by random digits up to `len` characters.
pub fn digits(rng: &mut StdRng, prefix: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    out.push_str(prefix);
    while out.len() < len {
        out.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    out
}

/// `len` random ASCII letters and digits.
pub fn alnum(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALNUM[rng.gen_range(0..ALNUM.len())]))
        .collect()
}

/// Hands out strictly increasing X snowflake ids derived from the clock.
#[derive(Debug, Default)]
pub struct Snowflakes {
    last: u64,
}

impl Snowflakes {
    /// The next id for a post or media created at `now_ms`.
    pub fn next(&mut self, now_ms: i64) -> u64 {
        let since = u64::try_from(now_ms.saturating_sub(TWEPOCH_MS)).unwrap_or(0);
        let candidate = (since << 22) | (1 << 12);
        self.last = candidate.max(self.last + 1);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn snowflakes_increase_even_within_one_millisecond() {
        let mut s = Snowflakes::default();
        let a = s.next(1_700_000_000_000);
        let b = s.next(1_700_000_000_000);
        assert!(b > a);
        assert_eq!(a.to_string().len(), 19);
    }

    #[test]
    fn seeded_ids_repeat() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        assert_eq!(digits(&mut a, "1784", 17), digits(&mut b, "1784", 17));
        assert_eq!(alnum(&mut a, 12), alnum(&mut b, 12));
    }
}
