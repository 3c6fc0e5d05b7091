//! Fixed-width, little-endian fields for the blob formats that must have a known worst-case size
//! (punch cards, points accounts): a writer into a caller buffer and a reader over a payload.
//! Both fail instead of panicking when a field would run past the end.

use crate::envelope::DecodeError;
use crate::time::Day;

/// The `u16` day number of `day`, if it lies in 1970-01-02..=2149-06-06.
pub(crate) fn compact_day(day: Day) -> Option<u16> {
    u16::try_from(day.number())
        .ok()
        .filter(|number| *number != 0)
}

/// The day of a `u16` day field: `None` for 0.
pub(crate) fn day_from_compact(number: u16) -> Option<Day> {
    if number == 0 {
        return None;
    }
    Day::from_number(i32::from(number)).ok()
}

/// Copies `src` to the start of `dst`, as many bytes as the shorter of the two holds.
///
/// Callers pass slices of equal length; unlike `copy_from_slice`, whose length check the
/// size-optimised firmware build keeps as a call into a panic, nothing here can panic, so the
/// firmware image's panic listing (`scripts/firmware.py panics`) stays free of our own code.
pub(crate) fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    for (to, from) in dst.iter_mut().zip(src) {
        *to = *from;
    }
}

/// Writes fields one after another into a buffer.
pub(crate) struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(out: &'a mut [u8]) -> Writer<'a> {
        Writer { out, at: 0 }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.at
    }

    fn put(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.at.checked_add(bytes.len())?;
        copy_bytes(self.out.get_mut(self.at..end)?, bytes);
        self.at = end;
        Some(())
    }

    pub(crate) fn u8(&mut self, value: u8) -> Option<()> {
        self.put(&[value])
    }

    pub(crate) fn u16(&mut self, value: u16) -> Option<()> {
        self.put(&value.to_le_bytes())
    }

    /// The low three bytes of `value`, which must be below 2^24.
    pub(crate) fn u24(&mut self, value: u32) -> Option<()> {
        match value.to_le_bytes() {
            [b0, b1, b2, 0] => self.put(&[b0, b1, b2]),
            _ => None,
        }
    }

    pub(crate) fn u32(&mut self, value: u32) -> Option<()> {
        self.put(&value.to_le_bytes())
    }
}

/// Reads fields one after another from a payload; every read past the end is
/// [`DecodeError::Payload`].
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (head, rest) = self
            .bytes
            .split_first_chunk::<N>()
            .ok_or(DecodeError::Payload)?;
        self.bytes = rest;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let [byte] = self.take::<1>()?;
        Ok(byte)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take::<2>()?))
    }

    pub(crate) fn u24(&mut self) -> Result<u32, DecodeError> {
        let [b0, b1, b2] = self.take::<3>()?;
        Ok(u32::from_le_bytes([b0, b1, b2, 0]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take::<4>()?))
    }

    /// A `u16` day field: `None` for 0.
    pub(crate) fn day(&mut self) -> Result<Option<Day>, DecodeError> {
        // Every u16 other than 0 is a valid day (1970-01-02..=2149-06-06).
        Ok(day_from_compact(self.u16()?))
    }

    /// Fails with [`DecodeError::Payload`] unless every byte was read.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Payload)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let mut buf = [0u8; 10];
        let mut w = Writer::new(&mut buf);
        w.u8(0xab).unwrap();
        w.u16(0x1234).unwrap();
        w.u24(0x00ab_cdef).unwrap();
        w.u32(0xdead_beef).unwrap();
        assert_eq!(w.len(), 10);
        assert!(w.u8(1).is_none(), "writing past the end fails");
        assert_eq!(
            buf,
            [0xab, 0x34, 0x12, 0xef, 0xcd, 0xab, 0xef, 0xbe, 0xad, 0xde]
        );
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8(), Ok(0xab));
        assert_eq!(r.u16(), Ok(0x1234));
        assert_eq!(r.u24(), Ok(0x00ab_cdef));
        assert_eq!(r.u32(), Ok(0xdead_beef));
        assert_eq!(r.u8(), Err(DecodeError::Payload));
        let mut small = [0u8; 3];
        assert!(Writer::new(&mut small).u24(1 << 24).is_none());
        assert!(Reader::new(&[1, 2]).finish().is_err());
    }

    #[test]
    fn compact_days() {
        // 1970-01-02 is day 1, 2149-06-06 is day 65535; day 0 and day 65536 do not fit.
        assert_eq!(compact_day(Day::from_number(1).unwrap()), Some(1));
        assert_eq!(compact_day(Day::from_number(65_535).unwrap()), Some(65_535));
        assert_eq!(compact_day(Day::EPOCH), None);
        assert_eq!(compact_day(Day::from_number(65_536).unwrap()), None);
        assert_eq!(compact_day(Day::from_number(-1).unwrap()), None);
        assert_eq!(day_from_compact(0), None);
        assert_eq!(day_from_compact(19_787).map(Day::number), Some(19_787));
    }
}
