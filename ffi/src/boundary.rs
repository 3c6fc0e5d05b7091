//! The panic boundary and the pointer checks every exported function goes through.

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

/// A byte slice from a C pointer and length: NULL is `RTN_NULL_PARAMETER`, a length beyond
/// `isize::MAX` is `RTN_INVALID_ARGUMENT`.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that stay valid and unmodified for `'a`.
pub(crate) unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], rtn_status> {
    if ptr.is_null() {
        return Err(rtn_status::RTN_NULL_PARAMETER);
    }
    if isize::try_from(len).is_err() {
        return Err(rtn_status::RTN_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, length bounded, validity promised by the caller.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A mutable byte slice from a C pointer and length; same checks as [`input`].
///
/// # Safety
/// A non-NULL `ptr` must point to `len` writable bytes, not aliased by any other argument, that
/// stay valid for `'a`.
pub(crate) unsafe fn output<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], rtn_status> {
    if ptr.is_null() {
        return Err(rtn_status::RTN_NULL_PARAMETER);
    }
    if isize::try_from(len).is_err() {
        return Err(rtn_status::RTN_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, length bounded, validity and exclusivity promised by the caller.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// Checks that an `_out` pointer is not NULL, so that the function can fail before doing work.
pub(crate) fn out_ptr<T>(ptr: *mut T) -> Result<*mut T, rtn_status> {
    if ptr.is_null() {
        Err(rtn_status::RTN_NULL_PARAMETER)
    } else {
        Ok(ptr)
    }
}

/// Writes `value` through an `_out` pointer already checked by [`out_ptr`].
///
/// # Safety
/// `ptr` must be non-NULL, aligned, and valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T) {
    // SAFETY: promised by the caller.
    unsafe { ptr.write(value) }
}
