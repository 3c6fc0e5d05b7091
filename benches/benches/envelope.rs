//! Envelope encode and decode, ns per blob: untagged (CRC-32 only) and tagged (CRC-32 plus
//! HMAC-SHA256), for a card-sized payload. The CRC-only figures are the baseline the tag's cost
//! is read against.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retention_benches::{KEY, card_sized_payload};
use retention_core::envelope::{self, Kind, Seal};
use std::hint::black_box;

fn envelope(c: &mut Criterion) {
    let payload = card_sized_payload();
    let seal = Seal::new(&KEY, b"04A1B2C3D4E5F6").expect("valid key");
    let mut group = c.benchmark_group("envelope");
    group.throughput(Throughput::Elements(1));
    for (name, kind, seal) in [
        ("crc_only", Kind::Opaque, None),
        ("crc_and_short_tag", Kind::Card, Some(seal)),
    ] {
        let mut blob = [0u8; 256];
        let used = envelope::encode_raw(kind, &payload, seal, &mut blob).expect("fits");
        group.bench_function(format!("encode/{name}"), |b| {
            let mut out = [0u8; 256];
            b.iter(|| envelope::encode_raw(kind, black_box(&payload), seal, &mut out))
        });
        group.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| envelope::open(black_box(&blob[..used]), kind, seal).map(|o| o.payload.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, envelope);
criterion_main!(benches);
