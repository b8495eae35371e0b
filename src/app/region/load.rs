//! Loading a region: the catalogue and programs, then the pupils school by
//! school, then demand and guidance, each in its own transactions.

use super::catalogue::Catalogue;
use super::scale::{Loaded, Scale, Stage};
use crate::db::DbConnection;
use crate::rng::Rng;

/// Loads a region into an empty database. `progress(stage, done, total)` is
/// called as it goes.
pub fn load(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    mut progress: impl FnMut(Stage, usize, usize),
) -> anyhow::Result<Loaded> {
    let mut rng = Rng::new(scale.seed);
    let mut loaded = Loaded::default();
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        super::institutions::load_catalogue(conn, scale, catalogue, &mut loaded)?;
        progress(Stage::Catalogue, 1, 1);
        super::institutions::load_programs(
            conn,
            scale,
            catalogue,
            &mut rng,
            &mut loaded,
            &mut progress,
        )?;
        Ok(())
    })?;
    let (consenting, region) =
        super::pupils::load_pupils(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)?;
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        super::history::load_outcomes(conn, scale, &region, &mut rng, &mut loaded)
    })?;
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        if catalogue.demand_plans.is_empty() {
            super::demand::load_demand(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)
        } else {
            super::demand::load_demand_plans(
                conn,
                scale,
                catalogue,
                &mut rng,
                &mut loaded,
                &mut progress,
            )
        }
    })?;
    if catalogue.guidance {
        crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
            super::guidance::load_guidance(
                conn,
                scale,
                catalogue,
                &consenting,
                &mut rng,
                &mut loaded,
                &mut progress,
            )
        })?;
    }
    // Fresh statistics for the query planners: without them PostgreSQL
    // guesses a handful of rows in tables that now hold thousands and picks
    // plans that loop over them (a school's guidance record took 53 ms
    // instead of 15 ms until autovacuum came by).
    use diesel::connection::SimpleConnection;
    crate::on_backend!(conn, |inner| inner.batch_execute("ANALYZE"))?;
    Ok(loaded)
}
