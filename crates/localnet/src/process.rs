//! A long-running child process of the network (a node, a miner, a validator, the gateway): its
//! command line, its log file, and an orderly stop (SIGTERM, up to 5 s, then SIGKILL).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::description::ProcessEntry;
use crate::error::{LocalnetError, Result, io};

/// A started process.
pub struct Process {
    /// What it is (`node-0`, `miner-1`, `gateway`…), for messages.
    pub role: String,
    /// Where its stderr goes.
    pub log: PathBuf,
    /// Its entry in `localnet.json`.
    pub entry: ProcessEntry,
    child: Option<Child>,
}

impl Process {
    /// Starts `binary ARGS` with `env`, stdout discarded, stderr into `log`.
    pub fn spawn(role: &str, binary: &Path, args: &[String], env: &[(&str, String)], log: &Path) -> Result<Process> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let file = std::fs::File::create(log).map_err(io(log))?;
        let mut command = Command::new(binary);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(file).env_remove("AGORA_NETWORK");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().map_err(|source| LocalnetError::Spawn {
            what: format!("{} {}", binary.display(), args.join(" ")),
            source,
        })?;
        Ok(Process {
            role: role.to_string(),
            log: log.to_path_buf(),
            entry: ProcessEntry::default(),
            child: Some(child),
        })
    }

    /// Its process id (0 once stopped).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Whether it was started and not stopped or killed since.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Fails if it has exited by itself.
    pub fn check(&mut self) -> Result<()> {
        if let Some(child) = self.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            return Err(LocalnetError::Exited { role: self.role.clone(), status, log: self.log.clone() });
        }
        Ok(())
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        stop_all(std::slice::from_mut(self));
    }
}

/// SIGTERM to each process, up to 5 s for all of them to exit, then SIGKILL.
pub fn stop_all(processes: &mut [Process]) {
    for p in processes.iter() {
        if let Some(child) = &p.child {
            // std has no SIGTERM; `kill` is in every Unix base system.
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for p in processes.iter_mut() {
        if let Some(child) = p.child.as_mut() {
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        p.kill();
    }
}
