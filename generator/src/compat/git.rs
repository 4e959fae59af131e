//! Reads a registry as it is at a git ref, straight from git objects: no checkout, no network.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a registry could not be read from git.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// git is missing or failed to start.
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    /// The folder is not in a git repository.
    #[error("{0} is not inside a git repository")]
    NotARepository(PathBuf),
    /// The ref does not name a commit.
    #[error("unknown git ref `{0}`")]
    UnknownRef(String),
    /// git said something else.
    #[error("git {command} failed: {message}")]
    Failed {
        /// The git subcommand.
        command: String,
        /// What git printed.
        message: String,
    },
    /// Writing the snapshot failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(GitError::Spawn)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(GitError::Failed {
            command: args.first().copied().unwrap_or_default().to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// The repository root and the registry's path inside it.
pub fn locate(registry: &Path) -> Result<(PathBuf, PathBuf), GitError> {
    let top = git(registry, &["rev-parse", "--show-toplevel"])
        .map_err(|_| GitError::NotARepository(registry.to_path_buf()))?;
    let top = PathBuf::from(top.trim());
    let absolute = registry.canonicalize().map_err(|source| GitError::Io {
        path: registry.to_path_buf(),
        source,
    })?;
    let top = top.canonicalize().unwrap_or(top);
    let inside = absolute
        .strip_prefix(&top)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok((top, inside))
}

/// The commit a ref names.
pub fn resolve(repo: &Path, reference: &str) -> Result<String, GitError> {
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map(|s| s.trim().to_owned())
    .map_err(|_| GitError::UnknownRef(reference.to_owned()))
}

/// Commits reachable from `commit` that changed the registry folder, newest first.
pub fn history(repo: &Path, commit: &str, folder: &Path) -> Result<Vec<String>, GitError> {
    let folder = folder.to_string_lossy();
    let pathspec = if folder.is_empty() {
        ".".to_owned()
    } else {
        folder.into_owned()
    };
    let out = git(repo, &["log", "--format=%H", commit, "--", &pathspec])?;
    Ok(out.lines().map(str::to_owned).collect())
}

/// Writes the files of `folder` at `commit` into `target`, read from git objects.
pub fn snapshot(repo: &Path, commit: &str, folder: &Path, target: &Path) -> Result<(), GitError> {
    let folder_text = folder.to_string_lossy().into_owned();
    let tree = if folder_text.is_empty() {
        commit.to_owned()
    } else {
        format!("{commit}:{folder_text}")
    };
    let listing = git(repo, &["ls-tree", "-r", "-z", &tree]).map_err(|e| match e {
        GitError::Failed { .. } => GitError::Failed {
            command: "ls-tree".into(),
            message: format!("the registry folder `{folder_text}` does not exist at {commit}"),
        },
        other => other,
    })?;
    let entries: Vec<(String, String)> = listing
        .split('\0')
        .filter(|l| !l.is_empty())
        .filter_map(|line| {
            let (meta, path) = line.split_once('\t')?;
            let mut parts = meta.split(' ');
            let (_mode, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
            (kind == "blob").then(|| (id.to_owned(), path.to_owned()))
        })
        .collect();
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(GitError::Spawn)?;
    let mut stdin = child.stdin.take().expect("piped");
    let ids: Vec<String> = entries.iter().map(|(id, _)| id.clone()).collect();
    let writer = std::thread::spawn(move || {
        for id in ids {
            if writeln!(stdin, "{id}").is_err() {
                break;
            }
        }
    });
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    for (_, path) in &entries {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(GitError::Spawn)?;
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| GitError::Failed {
                command: "cat-file".into(),
                message: format!("unexpected answer `{}`", header.trim()),
            })?;
        let mut content = vec![0; size + 1];
        reader.read_exact(&mut content).map_err(GitError::Spawn)?;
        content.pop();
        let file = target.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&file, &content).map_err(|source| GitError::Io {
            path: file.clone(),
            source,
        })?;
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(())
}
