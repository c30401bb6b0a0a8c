//! Native timing of `connect_token::core::token::decode`.
//! Usage: decode-bench <token> [decodes per round] [rounds]; prints one JSON line.

use connect_token::core::token::decode;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let token = args.next().expect("usage: decode-bench <token> [per-round] [rounds]");
    let per_round: u32 = args.next().map_or(200_000, |n| n.parse().expect("per-round"));
    let rounds: usize = args.next().map_or(7, |n| n.parse().expect("rounds"));
    let decoded = decode(&token).expect("the benchmark token must decode");
    decode_bench::decode_many(&token, per_round / 4); // warm-up
    let mut ns = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let sum = decode_bench::decode_many(black_box(&token), per_round);
        let elapsed = start.elapsed();
        assert!(sum > 0.0);
        ns.push(elapsed.as_nanos() as f64 / f64::from(per_round));
    }
    let mut sorted = ns.clone();
    sorted.sort_by(f64::total_cmp);
    let rounds_json: Vec<String> = ns.iter().map(|n| format!("{n:.1}")).collect();
    println!(
        "{{\"nsPerOp\":{:.1},\"rounds\":[{}],\"perRound\":{},\"claimsBytes\":{},\"expiresAt\":{}}}",
        sorted[sorted.len() / 2],
        rounds_json.join(","),
        per_round,
        decoded.claims_json.len(),
        decoded.expires_at
    );
}
