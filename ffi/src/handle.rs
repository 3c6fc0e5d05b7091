//! The handle layer: how C's pointers and caller-owned storage become Rust references.
//!
//! **Arguments.** An exported function first *adopts* its pointer arguments into the wrappers
//! below, in one `unsafe` block whose `// SAFETY:` comment points at the function's `# Safety`
//! section. Adopting checks nothing; the checks come after, in safe code, in the order the
//! function documents them:
//!
//! | C argument | wrapper | check and use |
//! | --- | --- | --- |
//! | `const T *x` | [`In`] | [`In::get`]: `&T`; [`In::value`]: the value in opaque storage |
//! | `T *x`, updated in place | [`InOut`] | [`InOut::get`]: `&mut T`; [`InOut::value_mut`] |
//! | `T *x_out` | [`Out`] | [`Out::required`] early, then [`Place::write`] or [`Place::init`] |
//! | `const T *x, size_t x_len` | [`InSlice`] | [`InSlice::get`], [`InSlice::get_or_empty`] |
//! | `uint8_t *out, size_t out_len` | [`OutSlice`] | [`OutSlice::get`] |
//! | `T *items_out, size_t capacity, size_t *count_out` | [`OutArray`] | [`OutArray::copy_from`] |
//!
//! A NULL pointer is `RTN_NULL_PARAMETER` when it is checked; a length whose bytes exceed
//! `PTRDIFF_MAX` is `RTN_INVALID_ARGUMENT`. An output is written only through a [`Place`], after
//! the function's last read of any input it may alias (`rtn_card_merge` may write over its own
//! input), so no Rust reference to an input is alive when its memory is overwritten.
//!
//! **Caller-owned opaque storage.** C sees an aligned struct of `u64` words
//! (`typedef struct { uint64_t opaque[N]; } rtn_x;`), whose size is a header constant, so
//! firmware can place it in a static or on the stack. Word 0 holds a per-type magic number
//! written by the type's `init`/`load` function; the value follows from word 1. Every other
//! function checks the magic first and answers `RTN_UNINITIALIZED` for storage that was never
//! initialised (or was zeroed), so uninitialised memory is never read as a Rust value.
//!
//! Storage may be copied with `memcpy` (the values hold no pointers into themselves) and needs
//! no clean-up: stored values are never dropped, so stored types must own no resources (plain
//! data and `heapless` containers of plain data; no references, no heap).
//!
//! Rust sees the words as `MaybeUninit<u64>` (cbindgen writes `uint64_t`): a stored value's
//! padding bytes are uninitialised, which Rust forbids in a `u64` but C's `memcpy` does not mind.
//!
//! ```ignore
//! #[repr(C)] pub struct rtn_card { pub opaque: [MaybeUninit<u64>; RTN_CARD_STORAGE_WORDS] }
//! opaque!(rtn_card: [RTN_CARD_STORAGE_WORDS] holds Card, magic b"rtnCARD1");
//!
//! // SAFETY: the pointers are as the `# Safety` section above promises.
//! let (card, summary_out) = unsafe { (In::new(card), Out::new(summary_out)) };
//! let summary_out = summary_out.required()?;
//! summary_out.write(summary_of(card.value()?));
//! ```

use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr::NonNull;

use crate::status::rtn_status;

/// Opaque storage as Rust sees it: `uint64_t opaque[WORDS]` in C.
pub(crate) type Words<const WORDS: usize> = [MaybeUninit<u64>; WORDS];

/// A C storage type (`rtn_card`) that holds one Rust value (a `Card`) in `WORDS` words: the
/// magic, then the value. Implement it with [`opaque!`].
pub(crate) trait Opaque<const WORDS: usize>: Sized {
    /// The Rust value the storage holds.
    type Value;
    /// Marks initialised storage of this type; unique per type (8 ASCII bytes, e.g. `rtnCARD1`).
    const MAGIC: u64;

    /// The storage's words.
    fn words(&self) -> &Words<WORDS>;

    /// The storage's words, mutably.
    fn words_mut(&mut self) -> &mut Words<WORDS>;

    /// The value, or `RTN_UNINITIALIZED`.
    fn value(&self) -> Result<&Self::Value, rtn_status> {
        const { fits::<Self::Value, WORDS>() };
        let rest = held(self.words(), Self::MAGIC)?;
        // SAFETY: the magic says `init` wrote a valid value here: `rest` starts 8 bytes into
        // 8-byte aligned storage, holds at least size_of::<Value>() bytes and
        // align_of::<Value>() <= 8 (`fits`); the shared borrow of the storage keeps it alive and
        // unmodified.
        Ok(unsafe { &*rest.as_ptr().cast::<Self::Value>() })
    }

    /// The value, mutably, or `RTN_UNINITIALIZED`.
    fn value_mut(&mut self) -> Result<&mut Self::Value, rtn_status> {
        const { fits::<Self::Value, WORDS>() };
        let rest = held_mut(self.words_mut(), Self::MAGIC)?;
        // SAFETY: as in `value`; the exclusive borrow of the storage makes this the only access.
        Ok(unsafe { &mut *rest.as_mut_ptr().cast::<Self::Value>() })
    }

    /// Moves `value` into the storage and marks it initialised. A value held before is not
    /// dropped (stored types own no resources).
    // Always inlined, as the `Place` methods: a stored value passed on by value through an
    // outlined call takes a second copy on the firmware's stack (an account: about 600 bytes).
    #[inline(always)]
    fn init(&mut self, value: Self::Value) {
        const { fits::<Self::Value, WORDS>() };
        let [magic, rest @ ..] = self.words_mut().as_mut_slice() else {
            return; // WORDS >= 2 is checked at compile time.
        };
        magic.write(Self::MAGIC);
        // SAFETY: `rest` starts 8 bytes into 8-byte aligned storage and holds at least
        // size_of::<Value>() bytes; align_of::<Value>() <= 8 (`fits`). `write` does not read or
        // drop the old bytes.
        unsafe { rest.as_mut_ptr().cast::<Self::Value>().write(value) };
    }

    /// The value held, to be reused in place; storage that holds none is first initialised
    /// with `empty()` (for the functions that decode or evaluate straight into the storage).
    fn value_or_init(
        &mut self,
        empty: impl FnOnce() -> Self::Value,
    ) -> Result<&mut Self::Value, rtn_status> {
        if self.value().is_err() {
            self.init(empty());
        }
        self.value_mut()
    }

    /// Marks the storage as holding no value (its magic cleared): reads answer
    /// `RTN_UNINITIALIZED`. The value is not dropped (stored types own no resources).
    fn clear(&mut self) {
        if let Some(magic) = self.words_mut().first_mut() {
            magic.write(0);
        }
    }
}

/// Implements [`Opaque`] for a C storage struct whose one field is `opaque: Words<WORDS>`.
macro_rules! opaque {
    ($storage:ident: [$words:ident] holds $value:ty, magic $magic:literal) => {
        impl $crate::handle::Opaque<$words> for $storage {
            type Value = $value;
            const MAGIC: u64 = u64::from_le_bytes(*$magic);

            fn words(&self) -> &$crate::handle::Words<$words> {
                &self.opaque
            }

            fn words_mut(&mut self) -> &mut $crate::handle::Words<$words> {
                &mut self.opaque
            }
        }
    };
}

pub(crate) use opaque;

/// Checks at compile time that `T` fits in `WORDS` words after the magic and is at most 8-byte
/// aligned.
// Compile-time arithmetic only: an overflow here fails the build.
#[allow(clippy::arithmetic_side_effects)]
const fn fits<T, const WORDS: usize>() {
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

/// True when the storage's word 0 is `magic`.
fn holds(word: &MaybeUninit<u64>, magic: u64) -> bool {
    // SAFETY: storage comes from C, where every byte of it is plain memory (initialised, as far
    // as Rust is concerned), or from `init`, which writes word 0 first.
    unsafe { word.assume_init_read() == magic }
}

/// The words after the magic of storage that holds a value (word 0 is `magic`), or
/// `RTN_UNINITIALIZED`.
fn held(words: &[MaybeUninit<u64>], magic: u64) -> Result<&[MaybeUninit<u64>], rtn_status> {
    match words {
        [word, rest @ ..] if holds(word, magic) => Ok(rest),
        _ => Err(rtn_status::RTN_UNINITIALIZED),
    }
}

/// As [`held`], mutably.
fn held_mut(
    words: &mut [MaybeUninit<u64>],
    magic: u64,
) -> Result<&mut [MaybeUninit<u64>], rtn_status> {
    match words {
        [word, rest @ ..] if holds(word, magic) => Ok(rest),
        _ => Err(rtn_status::RTN_UNINITIALIZED),
    }
}

/// True when `len` values of `T` take more than `PTRDIFF_MAX` bytes (no C object is that large).
fn too_long<T>(len: usize) -> bool {
    len.checked_mul(size_of::<T>())
        .is_none_or(|bytes| isize::try_from(bytes).is_err())
}

/// A `const T *` argument: read, not written, by the function.
#[derive(Debug)]
pub(crate) struct In<'a, T> {
    ptr: *const T,
    borrow: PhantomData<&'a T>,
}

impl<T> Clone for In<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for In<'_, T> {}

impl<'a, T> In<'a, T> {
    /// Adopts a C argument.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be aligned and point to a valid `T` (for a struct with pointers,
    /// valid as its documentation says) that nothing writes while a reference from
    /// [`In::get`] is in use during `'a`.
    pub(crate) const unsafe fn new(ptr: *const T) -> Self {
        In {
            ptr,
            borrow: PhantomData,
        }
    }

    /// True for NULL (an optional argument not given).
    pub(crate) fn is_null(self) -> bool {
        self.ptr.is_null()
    }

    /// The argument; NULL is `RTN_NULL_PARAMETER`.
    pub(crate) fn get(self) -> Result<&'a T, rtn_status> {
        // SAFETY: a non-NULL pointer is aligned, valid and not written meanwhile (`new`).
        unsafe { self.ptr.as_ref() }.ok_or(rtn_status::RTN_NULL_PARAMETER)
    }

    /// The value in opaque storage: `RTN_NULL_PARAMETER`, then `RTN_UNINITIALIZED`.
    pub(crate) fn value<const WORDS: usize>(self) -> Result<&'a T::Value, rtn_status>
    where
        T: Opaque<WORDS>,
    {
        self.get()?.value()
    }
}

/// A `T *` argument updated in place.
#[derive(Debug)]
pub(crate) struct InOut<'a, T> {
    ptr: *mut T,
    borrow: PhantomData<&'a mut T>,
}

impl<'a, T> InOut<'a, T> {
    /// Adopts a C argument.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be aligned and point to a valid `T` that nothing else reads or
    /// writes during `'a`.
    pub(crate) const unsafe fn new(ptr: *mut T) -> Self {
        InOut {
            ptr,
            borrow: PhantomData,
        }
    }

    /// The argument, mutably; NULL is `RTN_NULL_PARAMETER`.
    pub(crate) fn get(self) -> Result<&'a mut T, rtn_status> {
        // SAFETY: a non-NULL pointer is aligned, valid and not accessed elsewhere (`new`); `self`
        // is consumed, so this is the only reference made from it.
        unsafe { self.ptr.as_mut() }.ok_or(rtn_status::RTN_NULL_PARAMETER)
    }

    /// The value in opaque storage, mutably: `RTN_NULL_PARAMETER`, then `RTN_UNINITIALIZED`.
    pub(crate) fn value_mut<const WORDS: usize>(self) -> Result<&'a mut T::Value, rtn_status>
    where
        T: Opaque<WORDS>,
    {
        self.get()?.value_mut()
    }
}

/// A `T *x_out` argument: written once, on success. Check it with [`Out::required`] before
/// doing the work (a NULL output fails the call first), write it through the [`Place`] last.
#[derive(Debug)]
pub(crate) struct Out<'a, T> {
    ptr: *mut T,
    borrow: PhantomData<&'a mut T>,
}

impl<'a, T> Out<'a, T> {
    /// Adopts a C argument.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be aligned and valid for a write of a `T` during `'a` (it need not
    /// hold one). Nothing else may access it during `'a`, except an input the function allows
    /// it to alias, which the function reads before it writes the output.
    pub(crate) const unsafe fn new(ptr: *mut T) -> Self {
        Out {
            ptr,
            borrow: PhantomData,
        }
    }

    /// The place to write; NULL is `RTN_NULL_PARAMETER`.
    pub(crate) fn required(self) -> Result<Place<'a, T>, rtn_status> {
        match NonNull::new(self.ptr) {
            Some(ptr) => Ok(Place {
                ptr,
                borrow: PhantomData,
            }),
            None => Err(rtn_status::RTN_NULL_PARAMETER),
        }
    }
}

/// A checked, non-NULL output: written once. No reference to it is made before the write, so
/// it may alias an input read before.
#[derive(Debug)]
pub(crate) struct Place<'a, T> {
    ptr: NonNull<T>,
    borrow: PhantomData<&'a mut T>,
}

// The methods are always inlined: see `Opaque::init`.
impl<'a, T> Place<'a, T> {
    /// Writes `value` (the old bytes are neither read nor dropped).
    #[inline(always)]
    pub(crate) fn write(self, value: T) {
        // SAFETY: aligned and valid for a write of T, not accessed elsewhere now (`Out::new`).
        unsafe { self.ptr.as_ptr().write(value) }
    }

    /// The opaque storage, to be used in place (loading or evaluating straight into it).
    #[inline(always)]
    pub(crate) fn storage<const WORDS: usize>(self) -> &'a mut T
    where
        T: Opaque<WORDS>,
    {
        // SAFETY: aligned, valid and not accessed elsewhere (`Out::new`); opaque storage is
        // words of `MaybeUninit<u64>`, so any bytes are a valid `T`. `self` is consumed, so this
        // is the only reference made from it.
        unsafe { &mut *self.ptr.as_ptr() }
    }

    /// Initialises the opaque storage with `value`.
    #[inline(always)]
    pub(crate) fn init<const WORDS: usize>(self, value: T::Value)
    where
        T: Opaque<WORDS>,
    {
        self.storage().init(value);
    }
}

/// A `const T *x, size_t x_len` argument: `x_len` values of `T`.
#[derive(Debug)]
pub(crate) struct InSlice<'a, T> {
    ptr: *const T,
    len: usize,
    borrow: PhantomData<&'a [T]>,
}

impl<T> Clone for InSlice<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for InSlice<'_, T> {}

impl<'a, T> InSlice<'a, T> {
    /// Adopts a C argument.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be aligned and point to `len` valid values of `T` (when they take
    /// at most `PTRDIFF_MAX` bytes) that nothing writes during `'a`.
    pub(crate) const unsafe fn new(ptr: *const T, len: usize) -> Self {
        InSlice {
            ptr,
            len,
            borrow: PhantomData,
        }
    }

    /// The length C gave.
    pub(crate) fn len(self) -> usize {
        self.len
    }

    /// The values: NULL is `RTN_NULL_PARAMETER` (even with length 0), a length beyond
    /// `PTRDIFF_MAX` bytes `RTN_INVALID_ARGUMENT`.
    pub(crate) fn get(self) -> Result<&'a [T], rtn_status> {
        if self.ptr.is_null() {
            return Err(rtn_status::RTN_NULL_PARAMETER);
        }
        if too_long::<T>(self.len) {
            return Err(rtn_status::RTN_INVALID_ARGUMENT);
        }
        // SAFETY: non-NULL, aligned, `len` valid values not written meanwhile (`new`), at most
        // PTRDIFF_MAX bytes (checked).
        Ok(unsafe { core::slice::from_raw_parts(self.ptr, self.len) })
    }

    /// As [`InSlice::get`], except that length 0 is the empty slice whatever the pointer (NULL
    /// allowed).
    pub(crate) fn get_or_empty(self) -> Result<&'a [T], rtn_status> {
        if self.len == 0 { Ok(&[]) } else { self.get() }
    }
}

/// A `T *out, size_t out_len` argument: a buffer of `out_len` values the function fills (the
/// byte buffers blobs are encoded into).
#[derive(Debug)]
pub(crate) struct OutSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    borrow: PhantomData<&'a mut [T]>,
}

impl<'a, T> OutSlice<'a, T> {
    /// Adopts a C argument.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be aligned and valid for reads and writes of `len` values of `T`
    /// (when they take at most `PTRDIFF_MAX` bytes), which nothing else accesses during `'a`.
    pub(crate) const unsafe fn new(ptr: *mut T, len: usize) -> Self {
        OutSlice {
            ptr,
            len,
            borrow: PhantomData,
        }
    }

    /// The buffer: NULL is `RTN_NULL_PARAMETER`, a length beyond `PTRDIFF_MAX` bytes
    /// `RTN_INVALID_ARGUMENT`.
    pub(crate) fn get(self) -> Result<&'a mut [T], rtn_status> {
        if self.ptr.is_null() {
            return Err(rtn_status::RTN_NULL_PARAMETER);
        }
        if too_long::<T>(self.len) {
            return Err(rtn_status::RTN_INVALID_ARGUMENT);
        }
        // SAFETY: non-NULL, aligned, valid for `len` values and not accessed elsewhere (`new`),
        // at most PTRDIFF_MAX bytes (checked); `self` is consumed, so this is the only reference.
        Ok(unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) })
    }
}

/// A `T *items_out, size_t capacity, size_t *count_out` argument triple: a C array the function
/// fills, and where the number of entries goes.
#[derive(Debug)]
pub(crate) struct OutArray<'a, T> {
    items: *mut T,
    capacity: usize,
    count: Out<'a, usize>,
}

impl<'a, T> OutArray<'a, T> {
    /// Adopts C arguments.
    ///
    /// # Safety
    /// A non-NULL `items` must be aligned and valid for writes of `capacity` values of `T`;
    /// `count_out` as [`Out::new`]; nothing else accesses either during `'a`.
    pub(crate) const unsafe fn new(items: *mut T, capacity: usize, count_out: *mut usize) -> Self {
        OutArray {
            items,
            capacity,
            // SAFETY: promised by the caller.
            count: unsafe { Out::new(count_out) },
        }
    }

    /// Copies `source`, converted, into the array and its length to `*count_out`. Checks, in
    /// order: `count_out` NULL (`RTN_NULL_PARAMETER`); more entries than `capacity`
    /// (`RTN_BUFFER_TOO_SMALL`); `items_out` NULL with entries to write
    /// (`RTN_NULL_PARAMETER`; NULL with capacity 0 is fine for an empty source); then every
    /// conversion. Nothing is written unless all of them pass.
    pub(crate) fn copy_from<S>(
        self,
        source: &[S],
        convert: impl Fn(&S) -> Result<T, rtn_status>,
    ) -> Result<(), rtn_status> {
        let count_out = self.count.required()?;
        if source.len() > self.capacity {
            return Err(rtn_status::RTN_BUFFER_TOO_SMALL);
        }
        if source.is_empty() {
            count_out.write(0);
            return Ok(());
        }
        if self.items.is_null() {
            return Err(rtn_status::RTN_NULL_PARAMETER);
        }
        for item in source {
            convert(item)?;
        }
        // SAFETY: non-NULL, aligned and valid for writes of `capacity` >= source.len() values
        // (so at most PTRDIFF_MAX bytes), not accessed elsewhere (`new`); as `MaybeUninit` the
        // entries need not hold values yet.
        let slots = unsafe {
            core::slice::from_raw_parts_mut(self.items.cast::<MaybeUninit<T>>(), source.len())
        };
        for (slot, item) in slots.iter_mut().zip(source) {
            slot.write(convert(item)?);
        }
        count_out.write(source.len());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Sample {
        stamps: u16,
        names: heapless::Vec<u32, 4>,
    }

    #[derive(Debug)]
    struct rtn_sample {
        opaque: Words<8>,
    }

    const SAMPLE_WORDS: usize = 8;
    opaque!(rtn_sample: [SAMPLE_WORDS] holds Sample, magic b"rtnTEST1");

    fn blank() -> rtn_sample {
        rtn_sample {
            opaque: [MaybeUninit::new(0); 8],
        }
    }

    #[test]
    fn init_value_and_uninitialised() {
        let mut storage = blank();
        assert_eq!(storage.value().err(), Some(rtn_status::RTN_UNINITIALIZED));
        storage.init(Sample {
            stamps: 7,
            names: heapless::Vec::from_slice(&[1, 2, 3]).unwrap(),
        });
        storage.value_mut().unwrap().stamps += 1;
        // A bitwise copy (C's memcpy) is still a valid value.
        let copy = rtn_sample {
            opaque: storage.opaque,
        };
        let back = copy.value().unwrap();
        assert_eq!(back.stamps, 8);
        assert_eq!(back.names.as_slice(), &[1, 2, 3]);
        // Reused in place, not replaced; cleared, it holds nothing.
        let empty = || Sample {
            stamps: 0,
            names: heapless::Vec::new(),
        };
        assert_eq!(storage.value_or_init(empty).unwrap().stamps, 8);
        storage.clear();
        assert_eq!(storage.value().err(), Some(rtn_status::RTN_UNINITIALIZED));
        assert_eq!(storage.value_or_init(empty).unwrap().stamps, 0);
    }

    #[test]
    fn null_and_lengths() {
        let words = [1u64, 2, 3];
        let mut buffer = [0u8; 4];
        // SAFETY: NULL, or valid pointers with their lengths; the over-long lengths are refused
        // before any slice is made.
        unsafe {
            assert_eq!(
                In::<u64>::new(core::ptr::null()).get(),
                Err(rtn_status::RTN_NULL_PARAMETER)
            );
            assert_eq!(In::new(&words[1]).get(), Ok(&2));
            assert_eq!(
                InSlice::<u64>::new(core::ptr::null(), 0).get(),
                Err(rtn_status::RTN_NULL_PARAMETER)
            );
            assert_eq!(
                InSlice::<u64>::new(core::ptr::null(), 0).get_or_empty(),
                Ok(&[][..])
            );
            assert_eq!(InSlice::new(words.as_ptr(), 2).get(), Ok(&[1, 2][..]));
            // 2^61 words are 2^64 bytes: beyond PTRDIFF_MAX (and usize) on 64-bit hosts.
            assert_eq!(
                InSlice::new(words.as_ptr(), usize::MAX / 4).get(),
                Err(rtn_status::RTN_INVALID_ARGUMENT)
            );
            assert_eq!(
                OutSlice::new(buffer.as_mut_ptr(), usize::MAX / 2 + 1).get(),
                Err(rtn_status::RTN_INVALID_ARGUMENT)
            );
            assert_eq!(
                Out::<u8>::new(core::ptr::null_mut()).required().err(),
                Some(rtn_status::RTN_NULL_PARAMETER)
            );
        }
    }

    #[test]
    fn arrays_are_written_whole_or_not_at_all() {
        let mut items = [0u16; 3];
        let mut count = 9usize;
        let source = [1u8, 2, 3];
        let double = |x: &u8| Ok(u16::from(*x) * 2);
        let refuse_3 = |x: &u8| match x {
            3 => Err(rtn_status::RTN_INTERNAL),
            _ => Ok(u16::from(*x)),
        };
        // SAFETY: `items` holds 3 entries (less is claimed where said), `count` one.
        unsafe {
            let (items, count) = (items.as_mut_ptr(), &raw mut count);
            let array = |capacity| OutArray::new(items, capacity, count);
            assert_eq!(
                array(2).copy_from(&source, double),
                Err(rtn_status::RTN_BUFFER_TOO_SMALL)
            );
            assert_eq!(
                array(3).copy_from(&source, refuse_3),
                Err(rtn_status::RTN_INTERNAL)
            );
            assert_eq!(
                OutArray::<u16>::new(core::ptr::null_mut(), 3, count).copy_from(&source, double),
                Err(rtn_status::RTN_NULL_PARAMETER)
            );
        }
        assert_eq!((items, count), ([0, 0, 0], 9));
        // SAFETY: as above; an empty source needs no array.
        unsafe {
            assert_eq!(
                OutArray::new(items.as_mut_ptr(), 3, &mut count).copy_from(&source, double),
                Ok(())
            );
            assert_eq!((items, count), ([2, 4, 6], 3));
            assert_eq!(
                OutArray::<u16>::new(core::ptr::null_mut(), 0, &mut count)
                    .copy_from(&source[..0], double),
                Ok(())
            );
            assert_eq!(count, 0);
            assert_eq!(
                OutArray::new(items.as_mut_ptr(), 3, core::ptr::null_mut())
                    .copy_from(&source, double),
                Err(rtn_status::RTN_NULL_PARAMETER)
            );
        }
    }
}
