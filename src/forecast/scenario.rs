//! Scenarios: changes laid over the stored inputs for one run; nothing is stored.

use super::model::{Inputs, Seats};

/// Seats of one program and year as a scenario would set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeChange {
    pub program_id: i64,
    pub year: i32,
    pub seats: i32,
    pub targeted_seats: i32,
}

/// The inputs with the scenario's intakes in place of the stored ones.
/// Changes naming a program the inputs do not have are ignored; the caller
/// refuses them before (`unknown_programs`).
pub fn apply(inputs: &Inputs, changes: &[IntakeChange]) -> Inputs {
    let mut changed = inputs.clone();
    for change in changes {
        if let Some(program) = changed
            .programs
            .iter_mut()
            .find(|p| p.id == change.program_id)
        {
            program.intakes.insert(
                change.year,
                Seats {
                    seats: change.seats,
                    targeted: change.targeted_seats,
                },
            );
        }
    }
    changed
}

/// Indexes of the changes whose program is not among the inputs.
pub fn unknown_programs(inputs: &Inputs, changes: &[IntakeChange]) -> Vec<usize> {
    changes
        .iter()
        .enumerate()
        .filter(|(_, change)| !inputs.programs.iter().any(|p| p.id == change.program_id))
        .map(|(i, _)| i)
        .collect()
}
