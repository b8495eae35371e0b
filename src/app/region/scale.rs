//! What a load is asked for (`Scale`: how big a region, from which seed)
//! and what it made (`Loaded`), with the proportions of the region's grades.

/// How big a region to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub seed: u64,
    pub pupils: usize,
    pub schools: usize,
    pub programs: usize,
    pub enterprises: usize,
    pub demand_records: usize,
    /// The academic year the pupils are recorded in.
    pub academic_year: i32,
    /// Demand is posted for `academic_year + 1 ..= academic_year + horizon`.
    pub horizon: i32,
    /// Share of pupils with parental consent (and so with interests).
    pub consent: f64,
}

impl Scale {
    /// About the Vladimir region: 85,000 pupils in grades 5-11 in 100 schools,
    /// 60 programs, 25 enterprises, 300 demand records. Pupils are recorded
    /// in the academic year in progress; demand runs from the next calendar
    /// year after it, always in the API's range.
    pub fn region(seed: u64) -> Self {
        Self {
            seed,
            pupils: 85_000,
            schools: 100,
            programs: 60,
            enterprises: 25,
            demand_records: 300,
            academic_year: crate::domain::numbers::current_academic_year(),
            horizon: 12,
            consent: 0.8,
        }
    }

    /// The region's proportions for another number of pupils.
    pub fn with_pupils(seed: u64, pupils: usize) -> Self {
        let region = Self::region(seed);
        let factor = pupils as f64 / region.pupils as f64;
        let scaled = |n: usize, min: usize| ((n as f64 * factor).round() as usize).max(min);
        Self {
            pupils,
            schools: scaled(region.schools, 1),
            programs: scaled(region.programs, 4),
            enterprises: scaled(region.enterprises, 2),
            demand_records: scaled(region.demand_records, 4),
            ..region
        }
    }
}

/// The share of the region's pupils at the scale a region's seats are given in.
pub const REGION_PUPILS: f64 = 85_000.0;

/// What was made, with the ids a caller needs to go on (demo users, say).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub clusters: Vec<i64>,
    pub professions: Vec<i64>,
    pub schools: Vec<i64>,
    pub institutions: Vec<i64>,
    pub enterprises: Vec<i64>,
    pub programs: usize,
    pub pupils: usize,
    pub demand_records: usize,
    /// Schools with counts of every grade (the school statistics).
    pub counted_schools: usize,
    /// Graduation and destination records of the years before.
    pub graduations: usize,
    pub destinations: usize,
    /// `(enterprise_id, profession_id, year)`: where demand grows by plan.
    pub growth_steps: Vec<(i64, i64, i32)>,
    pub events: usize,
    pub registrations: usize,
}

/// Steps of a load, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Catalogue,
    Programs,
    Pupils,
    Demand,
    Guidance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            first,
            (0..5).map(|_| Rng::new(8).next_u64()).collect::<Vec<_>>()
        );
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let x = r.between(3, 5);
            assert!((3..=5).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn scales_keep_the_regions_proportions() {
        let region = Scale::region(1);
        assert_eq!(
            (region.pupils, region.schools, region.programs),
            (85_000, 100, 60)
        );
        let country = Scale::with_pupils(1, 1_000_000);
        assert_eq!(country.schools, 1176);
        assert_eq!(country.programs, 706);
        let tiny = Scale::with_pupils(1, 500);
        assert_eq!((tiny.schools, tiny.programs, tiny.enterprises), (1, 4, 2));
    }
}
