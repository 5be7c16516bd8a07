//! The one backoff rule, for GitHub calls and for job retries: exponential, capped, with "equal
//! jitter" (half of the step fixed, half random) so that several replicas or jobs that failed
//! together do not retry in lockstep, and no wait is shorter than half its step.

use std::time::Duration;

/// The wait before the retry that follows failed attempt `attempt` (1-based): a step of
/// `base * 2^(attempt-1)`, capped at `max`, of which the upper half is random.
pub fn delay(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(16);
    let full = base.saturating_mul(1u32 << exp).min(max);
    let half = full / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    let jitter = if nanos == 0 { 0 } else { random_u64() % nanos };
    half + Duration::from_nanos(jitter)
}

/// A random number from std's randomly keyed hasher: enough for jitter and unique ids, no RNG
/// dependency.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_double_up_to_the_cap_and_never_go_below_half() {
        let ms = Duration::from_millis;
        for (attempt, full) in [
            (0, 100),
            (1, 100),
            (2, 200),
            (3, 400),
            (5, 1000),
            (40, 1000),
        ] {
            for _ in 0..20 {
                let d = delay(ms(100), ms(1000), attempt);
                assert!(
                    d >= ms(full / 2) && d <= ms(full),
                    "attempt {attempt}: {d:?}"
                );
            }
        }
        assert_eq!(delay(Duration::ZERO, ms(10), 3), Duration::ZERO);
    }
}
