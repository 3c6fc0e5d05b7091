//! [`Bounded`]: a fixed-capacity vector for the payloads of blobs, whose decoder tells a count
//! over capacity apart from malformed bytes.
//!
//! `heapless::Vec` refuses an over-long sequence with a serde error that postcard reports like
//! any other (`DecodeError::Payload`). A [`Bounded`] instead reads the whole sequence, keeps the
//! first `N` items and remembers that there were more, so a decoder can answer
//! `DecodeError::OverCapacity`, as `docs/formats.md` promises. Its bytes are those of a
//! postcard sequence (a varint length, then the items), the same as a `heapless::Vec`.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vector of at most `N` items, plain data, no heap.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bounded<T, const N: usize> {
    items: heapless::Vec<T, N>,
    overflowed: bool,
}

impl<T, const N: usize> Bounded<T, N> {
    /// An empty vector.
    #[must_use]
    pub const fn new() -> Bounded<T, N> {
        Bounded {
            items: heapless::Vec::new(),
            overflowed: false,
        }
    }

    /// Appends `item`, or hands it back when the vector holds `N` items already.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.items.push(item)
    }

    /// Appends `item`, or drops it and marks the vector overflowed when it holds `N` items
    /// already: what decoding a sequence does with each item.
    pub(crate) fn push_or_overflow(&mut self, item: T) {
        if self.items.push(item).is_err() {
            self.overflowed = true;
        }
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.items.clear();
        self.overflowed = false;
    }

    /// The items, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// True when this value was decoded from a sequence longer than `N` (the extra items were
    /// read and dropped); decoders turn it into an over-capacity error.
    #[must_use]
    pub const fn overflowed(&self) -> bool {
        self.overflowed
    }
}

impl<T: Clone, const N: usize> Bounded<T, N> {
    /// A vector holding `items`, or `None` when there are more than `N`.
    #[must_use]
    pub fn from_slice(items: &[T]) -> Option<Bounded<T, N>> {
        Some(Bounded {
            items: heapless::Vec::from_slice(items).ok()?,
            overflowed: false,
        })
    }
}

/// Inserts `item` at index `at` of `vec`, shifting the items from `at` on one place up; hands
/// `item` back when `vec` is full or `at` is past its end.
///
/// `heapless::Vec::insert` panics when `at` is past the end, and the size-optimised firmware
/// build keeps that check (and with it a panic path) even where a binary search proves `at`
/// in range; this does the same without any panic.
pub(crate) fn insert<T, const N: usize>(
    vec: &mut heapless::Vec<T, N>,
    at: usize,
    item: T,
) -> Result<(), T> {
    if at > vec.len() {
        return Err(item);
    }
    vec.push(item)?;
    // The new item is last: swapping the first and last of `vec[at..]`, then of
    // `vec[at + 1..]`, and so on, rotates it to `at` and the others one place up.
    let mut rest = vec.get_mut(at..).unwrap_or_default();
    while let [first, .., last] = rest {
        core::mem::swap(first, last);
        let [_, tail @ ..] = core::mem::take(&mut rest) else {
            break;
        };
        rest = tail;
    }
    Ok(())
}

/// Removes the first item of `vec`, shifting the rest one place down; `None` when `vec` is
/// empty.
///
/// `heapless::Vec::remove` shifts with `ptr::copy`, which keeps `memmove` (1.6 KB of
/// `compiler_builtins`) in the firmware image for this one call; swapping the item up to the
/// end and popping it does the same with the `memcpy` every image has.
pub(crate) fn remove_first<T, const N: usize>(vec: &mut heapless::Vec<T, N>) -> Option<T> {
    let mut rest = vec.as_mut_slice();
    while let [first, second, ..] = rest {
        core::mem::swap(first, second);
        let [_, tail @ ..] = core::mem::take(&mut rest) else {
            break;
        };
        rest = tail;
    }
    vec.pop()
}

/// Sorts `items` by `key`, stably, by insertion: for the short vectors of outcomes (a sorted
/// input costs one comparison per item). `core`'s sorts check the order's consistency and
/// panic on a violation, a panic path in the firmware image; this has none.
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    for end in 2..=items.len() {
        // Moves the last item of `items[..end]` down past every greater one.
        let mut rest = items.get_mut(..end).unwrap_or_default();
        while let [.., before, last] = rest {
            if key(before) <= key(last) {
                break;
            }
            core::mem::swap(before, last);
            let [init @ .., _] = core::mem::take(&mut rest) else {
                break;
            };
            rest = init;
        }
    }
}

impl<T, const N: usize> Default for Bounded<T, N> {
    fn default() -> Bounded<T, N> {
        Bounded::new()
    }
}

impl<T, const N: usize> Deref for Bounded<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a Bounded<T, N> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Bounded<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<T: Serialize, const N: usize> Serialize for Bounded<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items.iter())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Bounded<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoundedVisitor<T, const N: usize>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for BoundedVisitor<T, N> {
            type Value = Bounded<T, N>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a sequence of at most {N} items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut value = Bounded::new();
                // Every item takes at least one byte of input, so this loop is bounded by the
                // input's length.
                while let Some(item) = seq.next_element::<T>()? {
                    value.push_or_overflow(item);
                }
                Ok(value)
            }
        }

        deserializer.deserialize_seq(BoundedVisitor::<T, N>(PhantomData))
    }

    /// Decodes into `place`, one item at a time: no `N`-item temporary on the stack, which is
    /// what lets a 16 KiB rule set load on a small firmware stack.
    fn deserialize_in_place<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Self,
    ) -> Result<(), D::Error> {
        struct InPlaceVisitor<'p, T, const N: usize>(&'p mut Bounded<T, N>);

        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for InPlaceVisitor<'_, T, N> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a sequence of at most {N} items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                self.0.clear();
                while let Some(item) = seq.next_element::<T>()? {
                    self.0.push_or_overflow(item);
                }
                Ok(())
            }
        }

        deserializer.deserialize_seq(InPlaceVisitor(place))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_as_heapless_and_overflow_is_reported() {
        let bounded: Bounded<u16, 4> = Bounded::from_slice(&[1, 300, 7]).unwrap();
        let heap: heapless::Vec<u16, 4> = heapless::Vec::from_slice(&[1, 300, 7]).unwrap();
        let a = postcard::to_allocvec(&bounded).unwrap();
        assert_eq!(a, postcard::to_allocvec(&heap).unwrap());
        // 03 | 01 | ac 02 | 07
        assert_eq!(a, [0x03, 0x01, 0xac, 0x02, 0x07]);
        let back: Bounded<u16, 4> = postcard::from_bytes(&a).unwrap();
        assert_eq!(back, bounded);
        assert!(!back.overflowed());
        let five: Bounded<u16, 2> = postcard::from_bytes(&[0x03, 0x01, 0x02, 0x03]).unwrap();
        assert!(five.overflowed());
        assert_eq!(&*five, &[1, 2]);
        let mut full: Bounded<u8, 1> = Bounded::new();
        assert_eq!(full.push(1), Ok(()));
        assert_eq!(full.push(2), Err(2));
    }

    #[test]
    fn insert_shifts_the_rest_up() {
        let mut vec: heapless::Vec<u8, 4> = heapless::Vec::from_slice(&[1, 2, 3]).unwrap();
        assert_eq!(insert(&mut vec, 1, 9), Ok(()));
        assert_eq!(vec, [1, 9, 2, 3]);
        assert_eq!(insert(&mut vec, 0, 7), Err(7), "full");
        let mut vec: heapless::Vec<u8, 4> = heapless::Vec::new();
        assert_eq!(insert(&mut vec, 1, 5), Err(5), "past the end");
        assert_eq!(insert(&mut vec, 0, 5), Ok(()));
        assert_eq!(insert(&mut vec, 1, 6), Ok(()));
        assert_eq!(vec, [5, 6]);
    }

    #[test]
    fn remove_first_shifts_the_rest_down() {
        let mut vec: heapless::Vec<u8, 4> = heapless::Vec::from_slice(&[1, 2, 3]).unwrap();
        assert_eq!(remove_first(&mut vec), Some(1));
        assert_eq!(vec, [2, 3]);
        assert_eq!(remove_first(&mut vec), Some(2));
        assert_eq!(remove_first(&mut vec), Some(3));
        assert_eq!(remove_first(&mut vec), None);
        assert!(vec.is_empty());
    }

    #[test]
    fn sort_by_key_is_stable() {
        let mut items = [(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        sort_by_key(&mut items, |item| item.0);
        assert_eq!(items, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
    }

    proptest::proptest! {
        /// As `heapless::Vec::insert` (the oracle), wherever the index and fill.
        #[test]
        fn insert_as_heapless(items in proptest::collection::vec(0u8..255, 0..=6), at in 0usize..8, item: u8) {
            let mut ours: heapless::Vec<u8, 6> = heapless::Vec::from_slice(&items).unwrap();
            let mut oracle = ours.clone();
            let expected = if at > oracle.len() { Err(item) } else { oracle.insert(at, item) };
            proptest::prop_assert_eq!(insert(&mut ours, at, item), expected);
            proptest::prop_assert_eq!(ours, oracle);
        }

        /// As heapless' `remove(0)` (the oracle).
        #[test]
        fn remove_first_as_heapless(items in proptest::collection::vec(0u8..255, 0..=6)) {
            let mut ours: heapless::Vec<u8, 6> = heapless::Vec::from_slice(&items).unwrap();
            let mut oracle = ours.clone();
            let expected = if oracle.is_empty() { None } else { Some(oracle.remove(0)) };
            proptest::prop_assert_eq!(remove_first(&mut ours), expected);
            proptest::prop_assert_eq!(ours, oracle);
        }

        /// As the standard library's stable `sort_by_key` (the oracle).
        #[test]
        fn sort_by_key_as_std(items in proptest::collection::vec((0u8..4, 0u8..255), 0..20)) {
            let mut ours = items.clone();
            let mut oracle = items;
            sort_by_key(&mut ours, |item| item.0);
            oracle.sort_by_key(|item| item.0);
            proptest::prop_assert_eq!(ours, oracle);
        }
    }
}
