//! Native timing of `connect_token::core::token::decode`.
//! Usage: decode-bench <token> [decodes per round] [rounds]; prints one JSON line with the median
//! wall time per decode (`std::time::Instant`) and the median CPU time of this thread per decode
//! (Linux `/proc/thread-self/schedstat`, which other load on the machine does not inflate).

use connect_token::core::token::decode;
use std::hint::black_box;
use std::time::Instant;

/// Nanoseconds this thread has run on a CPU, if the kernel tells.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn list(values: &[f64]) -> String {
    values.iter().map(|n| format!("{n:.1}")).collect::<Vec<_>>().join(",")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let token = args.next().expect("usage: decode-bench <token> [per-round] [rounds]");
    let per_round: u32 = args.next().map_or(200_000, |n| n.parse().expect("per-round"));
    let rounds: usize = args.next().map_or(7, |n| n.parse().expect("rounds"));
    let decoded = decode(&token).expect("the benchmark token must decode");
    decode_bench::decode_many(&token, per_round / 4); // warm-up
    let (mut wall, mut cpu) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        let sum = decode_bench::decode_many(black_box(&token), per_round);
        let elapsed = start.elapsed();
        let cpu_end = thread_cpu_ns();
        assert!(sum > 0.0);
        wall.push(elapsed.as_nanos() as f64 / f64::from(per_round));
        if let (Some(a), Some(b)) = (cpu_start, cpu_end) {
            cpu.push((b - a) as f64 / f64::from(per_round));
        }
    }
    println!(
        "{{\"nsPerOp\":{:.1},\"cpuNsPerOp\":{},\"rounds\":[{}],\"cpuRounds\":[{}],\"perRound\":{},\"claimsBytes\":{},\"expiresAt\":{}}}",
        median(&wall),
        if cpu.is_empty() { "null".to_string() } else { format!("{:.1}", median(&cpu)) },
        list(&wall),
        list(&cpu),
        per_round,
        decoded.claims_json.len(),
        decoded.expires_at
    );
}
