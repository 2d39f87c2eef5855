//! The faults a saga run injects into the simulator, as a schedule: on `FECAESolicitar`, a few
//! calls answered, then one fault, in turn for each chosen fault, for some rounds; with HTTP 500s
//! also every other `FECompConsultar` of the reconciliations early in the run.

use arca_ws::sim::{FaultMode, FaultSpec, Simulator};

/// What `--faults` accepts: faults, or `none` / `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FaultChoice {
    /// No fault.
    None,
    /// Every fault.
    All,
    /// `FECAESolicitar` never answered (nothing processed): the client's timeout fires.
    #[value(alias = "timeouts")]
    Timeout,
    /// HTTP 500 with nothing processed, on `FECAESolicitar` and `FECompConsultar`.
    Http500,
    /// `FECAESolicitar` processed (the CAE granted), then its answer dropped.
    #[value(aliases = ["drop_response", "drop-after-authorize"])]
    DropResponse,
}

/// The simulator's fault modes a list of choices names, each once, in a fixed order.
pub fn chosen(choices: &[FaultChoice]) -> Vec<FaultMode> {
    let all = [
        (FaultChoice::Timeout, FaultMode::Timeout),
        (FaultChoice::Http500, FaultMode::Http500),
        (FaultChoice::DropResponse, FaultMode::DropResponse),
    ];
    all.into_iter()
        .filter(|(choice, _)| {
            choices
                .iter()
                .any(|c| c == choice || *c == FaultChoice::All)
        })
        .map(|(_, mode)| mode)
        .collect()
}

/// Queues `rounds` rounds of `faults` on `sim`: each fault once after `gap` calls answered.
pub fn schedule(sim: &Simulator, faults: &[FaultMode], rounds: u32, gap: u32) {
    let spec = |mode, times| FaultSpec {
        mode,
        times: Some(times),
        ..FaultSpec::default()
    };
    for _ in 0..rounds {
        for mode in faults {
            if gap > 0 {
                sim.faults()
                    .push("FECAESolicitar", spec(FaultMode::None, gap));
            }
            sim.faults().push("FECAESolicitar", spec(mode.clone(), 1));
            if *mode == FaultMode::Http500 {
                sim.faults()
                    .push("FECompConsultar", spec(FaultMode::Http500, 1));
                sim.faults()
                    .push("FECompConsultar", spec(FaultMode::None, 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_names_every_fault_and_none_names_none() {
        assert_eq!(chosen(&[FaultChoice::None]), []);
        assert_eq!(
            chosen(&[FaultChoice::All]),
            [
                FaultMode::Timeout,
                FaultMode::Http500,
                FaultMode::DropResponse
            ]
        );
        assert_eq!(
            chosen(&[FaultChoice::DropResponse, FaultChoice::Timeout]),
            [FaultMode::Timeout, FaultMode::DropResponse]
        );
    }
}
