//! `kadry backup FILE`: a consistent copy of the database while kadry
//! serves. SQLite: `VACUUM INTO` (with the generated signing secret beside
//! it, if there is one); PostgreSQL: `pg_dump`, run when it is on the PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::base::{failure, open_existing};
use crate::config::{DatabaseUrl, Settings, secret_file_for};

/// `pg_dump` on the PATH, if it is there.
fn pg_dump() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("pg_dump"))
            .find(|candidate| candidate.is_file())
    })
}

pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<String> {
    if file.exists() {
        anyhow::bail!(
            "{} exists already: name a new file, so that no backup is overwritten",
            file.display()
        );
    }
    match &settings.database.url {
        DatabaseUrl::Sqlite(database) => {
            let ctx = open_existing(settings).await?;
            let to = file
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the file name must be UTF-8"))?
                .to_string();
            crate::app::backup::copy_sqlite(&ctx, to)
                .await
                .map_err(failure)?;
            let mut said = format!(
                "kadry: copied {} to {} (serve it with KADRY_DATABASE_URL=sqlite://{})\n",
                database.display(),
                file.display(),
                file.display()
            );
            let secret = secret_file_for(database);
            if secret.exists() {
                let copy = secret_file_for(file);
                std::fs::copy(&secret, &copy)?;
                said.push_str(&format!(
                    "kadry: and its signing secret to {} (keep it as private as the database)\n",
                    copy.display()
                ));
            }
            Ok(said)
        }
        DatabaseUrl::Postgres(url) => {
            let Some(pg_dump) = pg_dump() else {
                anyhow::bail!(
                    "on PostgreSQL, back up with pg_dump: pg_dump --format=custom --file={} \"$KADRY_DATABASE_URL\" (pg_dump is not on the PATH here)",
                    file.display()
                );
            };
            let status = Command::new(&pg_dump)
                .arg("--format=custom")
                .arg(format!("--file={}", file.display()))
                .arg(format!("--dbname={url}"))
                .status()?;
            if !status.success() {
                anyhow::bail!("pg_dump failed ({status})");
            }
            Ok(format!(
                "kadry: pg_dump wrote {} (restore with pg_restore --dbname=… {})\n",
                file.display(),
                file.display()
            ))
        }
    }
}
