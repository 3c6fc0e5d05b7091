//! The panic boundary every exported function goes through (its pointers go through
//! [`handle`](crate::handle)).

use crate::status::rtn_status;

/// Runs `body`; on host builds a panic inside it becomes `RTN_PANIC` instead of unwinding into
/// C (undefined behaviour). Firmware builds (`no_std`, `panic = "abort"`) call `body` directly.
#[inline]
pub(crate) fn catch<F: FnOnce() -> Result<(), rtn_status>>(body: F) -> rtn_status {
    #[cfg(feature = "std")]
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or(Err(rtn_status::RTN_PANIC));
    #[cfg(not(feature = "std"))]
    let result = body();
    match result {
        Ok(()) => rtn_status::RTN_OK,
        Err(status) => status,
    }
}

/// Like [`catch`] for functions that return a value rather than a status: `fallback` on panic.
#[inline]
pub(crate) fn catch_value<T, F: FnOnce() -> T>(fallback: T, body: F) -> T {
    #[cfg(feature = "std")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(fallback)
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = fallback;
        body()
    }
}
