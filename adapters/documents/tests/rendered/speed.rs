//! How fast a Factura B renders. Ignored: run it in release mode and read the figure,
//! `cargo test -p documents --release --test rendered -- --ignored --nocapture speed`.

use std::time::Instant;

use documents::Template;

use crate::vouchers;

#[test]
#[ignore = "a measurement, not a check: run it in release mode"]
fn speed_of_rendering_a_factura_b() {
    let voucher = vouchers::factura_b();
    let warm = documents::render(&voucher, Template::CURRENT).expect("renders");
    let count = 2_000;
    let mut slowest = 0.0_f64;
    let start = Instant::now();
    for _ in 0..count {
        let one = Instant::now();
        let pdf = documents::render(&voucher, Template::CURRENT).expect("renders");
        assert_eq!(pdf.len(), warm.len());
        slowest = slowest.max(one.elapsed().as_secs_f64());
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{{\"pdfs\":{count},\"seconds\":{elapsed:.3},\"pdfs_per_second\":{:.0},\"mean_ms\":{:.3},\"max_ms\":{:.3},\"bytes\":{}}}",
        f64::from(count) / elapsed,
        elapsed * 1000.0 / f64::from(count),
        slowest * 1000.0,
        warm.len()
    );
}
