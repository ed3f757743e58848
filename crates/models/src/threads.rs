//! Inference threads for a whole process.
//!
//! Our int8 kernels split a large product (prefill, a check of many tokens, the output matrix)
//! over [`inference_threads`] threads, 1 unless a role sets more with [`set_inference_threads`]
//! or `AGORA_INFERENCE_THREADS` (the README's thread study says why 1 on a shared 2-core
//! machine). candle's worker threads spin-wait, and on a shared 2-core machine two of them
//! collapse decoding from ~55 to 3–7 tokens/s (spec `models.md` §4.5). candle reads
//! `CANDLE_NUM_THREADS` once, from the environment, so a process that runs models calls
//! [`single_thread_inference`] first thing.

/// Unless `CANDLE_NUM_THREADS` is set, re-executes the current process with it (and
/// `RAYON_NUM_THREADS`, unless set) at 1. Returns only when nothing needed doing or the re-exec
/// failed (then with a warning on stderr, and candle's default threads).
pub fn single_thread_inference() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let Ok(exe) = std::env::current_exe() else { return };
        let mut cmd = std::process::Command::new(exe);
        cmd.args(std::env::args_os().skip(1)).env("CANDLE_NUM_THREADS", "1");
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            cmd.env("RAYON_NUM_THREADS", "1");
        }
        // Only returns if the exec failed; then we carry on with candle's default threads.
        let e = cmd.exec();
        eprintln!("warning: could not re-execute with CANDLE_NUM_THREADS=1 ({e}); inference may be slow");
    }
}

/// Threads a large product is split over (see the module header).
pub fn inference_threads() -> usize {
    agora_q8::threads()
}

/// Splits large products over `n` threads (at least 1) for the rest of the process.
pub fn set_inference_threads(n: usize) {
    agora_q8::set_threads(n)
}
