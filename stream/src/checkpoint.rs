//! Where a reader records how far it got in each shard, so that a restart resumes there.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::StreamError;

/// How far a reader got in a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkpoint {
    /// Every record up to and including this sequence number was handled.
    After(String),
    /// The shard is closed and every record of it was handled.
    ShardEnd,
}

/// Keeps checkpoints per reader (its name) and shard.
pub trait CheckpointStore: Send + Sync + 'static {
    /// The checkpoint of `reader` in `shard_id`, if any.
    fn load(
        &self,
        reader: &str,
        shard_id: &str,
    ) -> impl Future<Output = Result<Option<Checkpoint>, StreamError>> + Send;

    /// Records a checkpoint; it is durable once this resolves.
    fn save(
        &self,
        reader: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> impl Future<Output = Result<(), StreamError>> + Send;
}

/// Checkpoints in a SQLite file: a file of their own, or the local stream's.
#[derive(Clone)]
pub struct SqliteCheckpoints {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteCheckpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteCheckpoints")
            .field("path", &self.path)
            .finish()
    }
}

const SHARD_END: &str = "SHARD_END";

impl SqliteCheckpoints {
    /// Opens (or creates) the checkpoint table in `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StreamError> {
        let path = path.as_ref().to_path_buf();
        let sql = |source| StreamError::Local {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StreamError::Config {
                origin: Some(path.clone()),
                message: format!("cannot create the folder of the checkpoint store: {e}"),
            })?;
        }
        let connection = Connection::open(&path).map_err(sql)?;
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(sql)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS checkpoints (
                    reader TEXT NOT NULL,
                    shard_id TEXT NOT NULL,
                    position TEXT NOT NULL,
                    PRIMARY KEY (reader, shard_id)
                 )",
            )
            .map_err(sql)?;
        Ok(SqliteCheckpoints {
            path,
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StreamError> {
        let (connection, path) = (self.connection.clone(), self.path.clone());
        tokio::task::spawn_blocking(move || {
            let connection = connection.lock().unwrap_or_else(|e| e.into_inner());
            work(&connection).map_err(|source| StreamError::Local { path, source })
        })
        .await
        .map_err(|e| StreamError::Worker(e.to_string()))?
    }
}

impl CheckpointStore for SqliteCheckpoints {
    async fn load(&self, reader: &str, shard_id: &str) -> Result<Option<Checkpoint>, StreamError> {
        let (reader, shard_id) = (reader.to_owned(), shard_id.to_owned());
        let position: Option<String> = self
            .blocking(move |c| {
                c.query_row(
                    "SELECT position FROM checkpoints WHERE reader = ?1 AND shard_id = ?2",
                    params![reader, shard_id],
                    |row| row.get(0),
                )
                .optional()
            })
            .await?;
        Ok(position.map(|p| {
            if p == SHARD_END {
                Checkpoint::ShardEnd
            } else {
                Checkpoint::After(p)
            }
        }))
    }

    async fn save(
        &self,
        reader: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> Result<(), StreamError> {
        let (reader, shard_id) = (reader.to_owned(), shard_id.to_owned());
        let position = match checkpoint {
            Checkpoint::After(sequence) => sequence.clone(),
            Checkpoint::ShardEnd => SHARD_END.to_owned(),
        };
        self.blocking(move |c| {
            c.execute(
                "INSERT INTO checkpoints (reader, shard_id, position) VALUES (?1, ?2, ?3)
                 ON CONFLICT (reader, shard_id) DO UPDATE SET position = excluded.position",
                params![reader, shard_id, position],
            )
            .map(drop)
        })
        .await
    }
}
