//! Which years a run simulates and which rows it shows.

/// Which years the simulation starts from and which rows it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The academic year in progress: the simulation starts here.
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
}
