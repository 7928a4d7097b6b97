//! Where the snapshot goes, and the guarantee that nothing partial stays there: a temporary file
//! beside the target, fsynced and renamed at the end, removed on every other path out (errors,
//! SIGINT/SIGTERM, a read stuck in the kernel).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, ErrorKind};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;

/// After the first SIGINT/SIGTERM the capture stops at its next read; if it is stuck in the
/// kernel (a `cmdline` read on a hung process can block) the watcher cleans up after this long.
const GRACE: Duration = Duration::from_secs(3);

pub enum Output {
    Stdout,
    /// A file; an empty path means the default name.
    File(PathBuf),
}

/// The open output: the file descriptor written to, and for a file, its temporary and final names.
pub struct Sink {
    pub file: File,
    /// Where the snapshot ends up (`None`: stdout).
    pub target: Option<PathBuf>,
    tmp: TempGuard,
}

/// The temporary file's path, shared with the signal watcher so that either of them (whoever
/// gets there first) removes it.
type Slot = Arc<Mutex<Option<PathBuf>>>;

impl Sink {
    /// Opens stdout or a temporary file beside the target. `default_name` is used for `-o ""`.
    pub fn open(
        output: &Output,
        default_name: impl FnOnce() -> String,
        guard: &Interrupts,
    ) -> Result<Sink, Error> {
        match output {
            Output::Stdout => {
                use std::io::IsTerminal;
                use std::os::fd::AsFd;
                if io::stdout().is_terminal() {
                    return Err(Error::usage(
                        "refusing to write a gzip archive to a terminal; redirect stdout",
                    ));
                }
                // Write straight to fd 1 (a dup of it), not through Stdout's line buffer.
                let fd = io::stdout().as_fd().try_clone_to_owned();
                let f = fd.map_err(|e| Error::output(format!("cannot use stdout: {e}")))?;
                Ok(Sink { file: File::from(f), target: None, tmp: TempGuard(guard.tmp.clone()) })
            }
            Output::File(p) => {
                let target = if p.as_os_str().is_empty() { PathBuf::from(default_name()) } else { p.clone() };
                let (f, tmp) = create_temp(&target)?;
                *lock(&guard.tmp) = Some(tmp);
                Ok(Sink { file: f, target: Some(target), tmp: TempGuard(guard.tmp.clone()) })
            }
        }
    }

    /// What the summary line calls the destination.
    pub fn name(&self) -> String {
        self.target.as_ref().map_or("stdout".to_string(), |p| p.display().to_string())
    }

    /// Makes the snapshot visible under its name: fsync, then rename (after a crash the name
    /// points at complete data or nothing). `file` is the output handed back by the writer.
    pub fn commit(mut self, file: &File) -> Result<(), Error> {
        if let (Some(target), Some(tmp)) = (&self.target, self.tmp.path()) {
            if let Err(e) = file.sync_all().and_then(|_| fs::rename(&tmp, target)) {
                self.tmp.remove();
                return Err(Error::output(format!("cannot write {}: {e}", target.display())));
            }
            self.tmp.disarm();
        }
        Ok(())
    }
}

/// Creates `.NAME.PID.tmp` beside `target`, readable by the owner only: a snapshot holds
/// command lines, which can carry secrets.
fn create_temp(target: &Path) -> Result<(File, PathBuf), Error> {
    let err = |e: io::Error| Error::output(format!("cannot write {}: {e}", target.display()));
    if target.is_dir() {
        return Err(err(io::Error::from(ErrorKind::IsADirectory)));
    }
    let name = target.file_name().ok_or_else(|| err(io::Error::from(ErrorKind::InvalidInput)))?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp);
    Ok((f.map_err(err)?, tmp))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary file when the capture does not succeed, whatever the path out.
struct TempGuard(Slot);

impl TempGuard {
    fn path(&self) -> Option<PathBuf> {
        lock(&self.0).clone()
    }
    fn remove(&mut self) {
        if let Some(p) = lock(&self.0).take() {
            let _ = fs::remove_file(p);
        }
    }
    fn disarm(&mut self) {
        lock(&self.0).take();
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        self.remove();
    }
}

/// SIGINT and SIGTERM: the handlers only store the signal number in `stop`, which the capture
/// checks before every read. A watcher thread covers a capture stuck in a read.
pub struct Interrupts {
    pub stop: Arc<AtomicUsize>,
    done: Arc<AtomicBool>,
    tmp: Slot,
}

impl Interrupts {
    pub fn install() -> Result<Interrupts, Error> {
        let stop = Arc::new(AtomicUsize::new(0));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register_usize(sig, stop.clone(), sig as usize)
                .map_err(|e| Error::output(format!("cannot install signal handlers: {e}")))?;
        }
        let i = Interrupts { stop, done: Arc::new(AtomicBool::new(false)), tmp: Arc::new(Mutex::new(None)) };
        spawn_watcher(i.stop.clone(), i.done.clone(), i.tmp.clone());
        Ok(i)
    }
}

impl Drop for Interrupts {
    /// The capture is over (either way): the watcher must not exit the process any more.
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Watches the stop flag the signal handlers set. The capture normally notices it at its next
/// read and cleans up itself; if it has not finished after `GRACE` (stuck in a read) this thread
/// removes the temporary file and exits. Polling keeps the handlers trivial (they only store a
/// number) and needs no self-pipe, whose socket would show up in the snapshot.
fn spawn_watcher(stop: Arc<AtomicUsize>, done: Arc<AtomicBool>, tmp: Slot) {
    thread::spawn(move || {
        while stop.load(Ordering::SeqCst) == 0 {
            thread::sleep(Duration::from_millis(50));
        }
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            if done.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let sig = stop.load(Ordering::SeqCst);
        if let Some(p) = lock(&tmp).take() {
            let _ = fs::remove_file(p);
        }
        eprintln!("procsnap collect: interrupted and stuck in a read; no snapshot written");
        std::process::exit(128 + sig as i32);
    });
}
