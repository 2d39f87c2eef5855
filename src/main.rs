//! The `arca` binary: parse the command line and hand over to the library.

use clap::Parser;

/// mimalloc instead of the C library's allocator: a request, an invoice's events and a webhook's
/// body are many short-lived allocations across threads, where glibc's malloc and free took
/// about a fifth of the process's CPU time under `arca bench saga`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // NATS and the S3 client both speak TLS through rustls: one provider for the process.
    storage::install_crypto_provider();
    arca::cli::run(arca::cli::Cli::parse()).await
}
