//! The `arca` binary: parse the command line and hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    arca::cli::run(arca::cli::Cli::parse()).await
}
