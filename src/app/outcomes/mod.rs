//! Records of what happened (step 9 of the model): a program's graduations
//! per calendar year and its graduates' destinations about a year later.
//! Written by the program's institution and admins (one at a time or as an
//! all-or-nothing CSV), read by everyone signed in. They do not change the
//! forecast's numbers; they are the evidence the model is checked against.

mod imports;
mod records;
mod rules;

pub use imports::{
    DESTINATIONS_HEADER, GRADUATIONS_HEADER, Imported, import_destinations, import_graduations,
};
pub use records::{
    Outcome, delete, destination, destinations, graduation, graduations, put_destination,
    put_graduation,
};
pub use rules::{DestinationBody, GraduationBody, destination_errors, graduation_errors};
