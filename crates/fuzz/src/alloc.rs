//! The counting allocator: the system allocator plus, per thread, the bytes live now and the
//! most live since the last [`measure`] began. It is the crate's only unsafe code.
//!
//! A binary or test that wants allocation bounds checked installs it:
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: agora_fuzz::alloc::Counting = agora_fuzz::alloc::Counting;
//!
//! fn main() {
//!     assert!(agora_fuzz::alloc::installed());
//!     let (buffer, peak) = agora_fuzz::alloc::measure(|| vec![0u8; 4096]);
//!     assert!(peak >= 4096 && buffer.len() == 4096);
//! }
//! ```
//!
//! Counts are per thread (each fuzzing thread measures its own decoder) and kept in `const`
//! thread-locals, which need no allocation and no destructor, so reading them from inside the
//! allocator cannot recurse. Memory freed on another thread than the one that allocated it
//! skews both threads' counts; the decoders under test do not hand memory between threads.
//! A `realloc` counts the new block before releasing the old one, as a moving reallocation
//! holds both for a moment.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Bytes allocated and not yet freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The most bytes live on this thread since the current measurement began.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// The system allocator, counting each thread's live bytes and their peak.
pub struct Counting;

fn grew(bytes: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(bytes as isize);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrank(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes as isize)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// adds bookkeeping in `const` thread-locals (no allocation, no unwinding).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every allocation goes through it).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and the caller upholds `realloc`'s size contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        new
    }
}

/// Runs `f` and returns its result with the most bytes this thread had live during the call
/// beyond what it had live before (0 when [`Counting`] is not the global allocator).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, usize::try_from(peak.saturating_sub(before)).unwrap_or(0))
}

/// The bytes this thread has allocated and not freed (0 when [`Counting`] is not the global
/// allocator); the difference between two readings is what the code between them retained.
pub fn live() -> isize {
    LIVE.with(Cell::get)
}

/// Whether [`Counting`] is the global allocator (so that [`measure`] means something).
pub fn installed() -> bool {
    let ((), peak) = measure(|| drop(std::hint::black_box(vec![0u8; 64])));
    peak >= 64
}

#[cfg(test)]
mod tests {
    #[test]
    fn measure_is_zero_without_the_allocator_installed_and_never_negative() {
        // The unit tests run on the system allocator: nothing is counted, nothing underflows.
        let (len, peak) = super::measure(|| vec![1u8; 1000].len());
        assert_eq!(len, 1000);
        assert_eq!(peak, 0);
        assert!(!super::installed());
    }
}
