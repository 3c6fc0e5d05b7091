//! Caller-owned opaque storage: how a Rust value lives in memory that C allocated.
//!
//! C sees an aligned struct of `u64` words (`typedef struct { uint64_t opaque[N]; } rtn_x;`),
//! whose size is a header constant, so firmware can place it in a static or on the stack. Word 0
//! holds a per-type magic number written by the type's `init`/`load` function; the value follows
//! from word 1. Every other function checks the magic first and answers `RTN_UNINITIALIZED` for
//! storage that was never initialised (or was zeroed), so uninitialised memory is never read as
//! a Rust value.
//!
//! Storage may be copied with `memcpy` (the values hold no pointers into themselves) and needs
//! no clean-up: stored values are never dropped, so stored types must own no resources (plain
//! data and `heapless` containers of plain data; no references, no heap).
//!
//! Rust sees the words as `MaybeUninit<u64>` (cbindgen writes `uint64_t`): a stored value's
//! padding bytes are uninitialised, which Rust forbids in a `u64` but C's `memcpy` does not mind.
//!
//! Usage, in a binding:
//! ```ignore
//! #[repr(C)] pub struct rtn_card { opaque: [MaybeUninit<u64>; RTN_CARD_STORAGE_WORDS] }
//! impl Stored for Card { const MAGIC: u64 = u64::from_le_bytes(*b"rtnCARD1"); }
//! storage::put::<Card, RTN_CARD_STORAGE_WORDS>(&mut (*card_out).opaque, card);
//! let card: &Card = storage::get::<Card, RTN_CARD_STORAGE_WORDS>(&(*card).opaque)?;
//! ```

use core::mem::{MaybeUninit, align_of, size_of};

use crate::status::rtn_status;

/// A Rust type that can live in C-owned opaque storage.
pub(crate) trait Stored: Sized {
    /// Marks initialised storage of this type; unique per type (8 ASCII bytes, e.g. `rtnCARD1`).
    const MAGIC: u64;
}

/// Checks at compile time that `T` fits in `WORDS` words after the magic and is at most 8-byte
/// aligned.
// Compile-time arithmetic only: an overflow here fails the build.
#[allow(clippy::arithmetic_side_effects)]
const fn check<T: Stored, const WORDS: usize>() {
    assert!(
        WORDS >= 2,
        "opaque storage needs the magic word and the value"
    );
    assert!(
        size_of::<T>() + 8 <= WORDS * 8,
        "opaque storage too small for the type"
    );
    assert!(
        align_of::<T>() <= 8,
        "opaque storage is only 8-byte aligned"
    );
}

/// Storage as Rust sees it: `uint64_t opaque[WORDS]` in C.
pub(crate) type Words<const WORDS: usize> = [MaybeUninit<u64>; WORDS];

/// Moves `value` into `storage` and marks it initialised.
pub(crate) fn put<T: Stored, const WORDS: usize>(storage: &mut Words<WORDS>, value: T) {
    const { check::<T, WORDS>() };
    let [magic, rest @ ..] = storage.as_mut_slice() else {
        return; // WORDS >= 2 is checked at compile time.
    };
    magic.write(T::MAGIC);
    // SAFETY: `rest` starts 8 bytes into 8-byte aligned storage and holds at least size_of::<T>()
    // bytes (compile-time check); align_of::<T>() <= 8. `write` does not read or drop the old
    // bytes.
    unsafe { rest.as_mut_ptr().cast::<T>().write(value) };
}

/// True when word 0 holds `T`'s magic.
fn initialised<T: Stored>(magic: &MaybeUninit<u64>) -> bool {
    // SAFETY: storage comes from C, where every byte of it is plain memory (initialised, as far
    // as Rust is concerned), or from `put`, which writes word 0 first.
    unsafe { magic.assume_init_read() == T::MAGIC }
}

/// The value in initialised `storage`, or `RTN_UNINITIALIZED`.
pub(crate) fn get<T: Stored, const WORDS: usize>(storage: &Words<WORDS>) -> Result<&T, rtn_status> {
    const { check::<T, WORDS>() };
    match storage.as_slice() {
        [magic, rest @ ..] if initialised::<T>(magic) => {
            // SAFETY: the magic says `put::<T>` wrote a valid T here (sizes and alignment as in
            // `put`), and the shared borrow of `storage` keeps it alive and unmodified.
            Ok(unsafe { &*rest.as_ptr().cast::<T>() })
        }
        _ => Err(rtn_status::RTN_UNINITIALIZED),
    }
}

/// The value in initialised `storage`, mutably, or `RTN_UNINITIALIZED`.
pub(crate) fn get_mut<T: Stored, const WORDS: usize>(
    storage: &mut Words<WORDS>,
) -> Result<&mut T, rtn_status> {
    const { check::<T, WORDS>() };
    match storage.as_mut_slice() {
        [magic, rest @ ..] if initialised::<T>(magic) => {
            // SAFETY: as in `get`; the exclusive borrow of `storage` makes this the only access.
            Ok(unsafe { &mut *rest.as_mut_ptr().cast::<T>() })
        }
        _ => Err(rtn_status::RTN_UNINITIALIZED),
    }
}

/// Marks `storage` as holding no value (its magic cleared): reads answer `RTN_UNINITIALIZED`.
/// The value is not dropped (stored types own no resources).
pub(crate) fn forget<const WORDS: usize>(storage: &mut Words<WORDS>) {
    if let Some(magic) = storage.first_mut() {
        magic.write(0);
    }
}

/// A shared reference to C-owned storage from a pointer: NULL is `RTN_NULL_PARAMETER`.
///
/// # Safety
/// A non-NULL `ptr` must be valid and aligned, and not written by anyone else for `'a`.
pub(crate) unsafe fn deref<'a, S>(ptr: *const S) -> Result<&'a S, rtn_status> {
    // SAFETY: promised by the caller.
    unsafe { ptr.as_ref() }.ok_or(rtn_status::RTN_NULL_PARAMETER)
}

/// An exclusive reference to C-owned storage from a pointer: NULL is `RTN_NULL_PARAMETER`.
///
/// # Safety
/// A non-NULL `ptr` must be valid, aligned, and not accessed by anyone else for `'a`.
pub(crate) unsafe fn deref_mut<'a, S>(ptr: *mut S) -> Result<&'a mut S, rtn_status> {
    // SAFETY: promised by the caller.
    unsafe { ptr.as_mut() }.ok_or(rtn_status::RTN_NULL_PARAMETER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Sample {
        stamps: u16,
        names: heapless::Vec<u32, 4>,
    }

    impl Stored for Sample {
        const MAGIC: u64 = u64::from_le_bytes(*b"rtnTEST1");
    }

    #[test]
    fn put_get_and_uninitialised() {
        let mut storage: Words<8> = [MaybeUninit::new(0); 8];
        assert_eq!(
            get::<Sample, 8>(&storage).err(),
            Some(rtn_status::RTN_UNINITIALIZED)
        );
        let value = Sample {
            stamps: 7,
            names: heapless::Vec::from_slice(&[1, 2, 3]).unwrap(),
        };
        put::<Sample, 8>(&mut storage, value);
        get_mut::<Sample, 8>(&mut storage).unwrap().stamps += 1;
        // A bitwise copy (C's memcpy) is still a valid value.
        let copy = storage;
        let back = get::<Sample, 8>(&copy).unwrap();
        assert_eq!(back.stamps, 8);
        assert_eq!(back.names.as_slice(), &[1, 2, 3]);
    }
}
