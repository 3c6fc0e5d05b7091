//! The rule-set bytes (`docs/formats.md`, "Rule set") decoded in place, field by field,
//! without serde: the firmware's rule-set loader.
//!
//! The bytes are postcard's encoding of [`RuleSetData`] (field order is the format): `u8` and
//! `bool` one byte; `u16`, `u32`, `u64` and lengths LEB128 varints (7 bits a byte, least
//! significant first); `i32` and `i64` (days, money) zig-zag varints; an `Option` a byte 0 or
//! 1, then the value; an enum its variant index as a varint, then its fields; a pool its
//! length, then its items. serde's in-place derive for this one type took about 8 KB of
//! flash, most of the loader; this reader takes a fraction of it and keeps postcard's
//! decisions exactly: what postcard refuses is [`Malformed`] here, and an encoding postcard
//! accepts but does not write (a varint with more bytes than its value needs) is noted in
//! [`Reader::loose`], so the loader refuses what does not re-encode to the same bytes without
//! re-encoding. A differential property test holds it to the serde decoder (kept as the test
//! oracle, `blob::tests`): same acceptance, same error and same value for arbitrary rule sets
//! and arbitrary or mutated bytes.

use crate::bounded::Bounded;
use crate::card::ProgramId;
use crate::customer::UsagePeriod;
use crate::money::{Money, Rounding};

use super::condition::Condition;
use super::effect::Effect;
use super::redemption::Redemption;
use super::rule_set::{Group, GroupMode, Rule, RuleSetData, StampProgram, UsageLimit};
use super::selector::{Basis, Selector};
use super::span::Span;
use super::tiers::{TierBasis, TierLevel, TierPolicy};

/// The bytes do not decode as a rule set (the loader answers `DecodeError::Payload`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Malformed;

type Read<T> = Result<T, Malformed>;

/// Reads the rule-set bytes from the front.
#[derive(Debug)]
pub(super) struct Reader<'a> {
    rest: &'a [u8],
    /// A varint read so far had more bytes than its value needs: postcard reads it, but the
    /// bytes are not the rule set's canonical form.
    pub(super) loose: bool,
}

impl<'a> Reader<'a> {
    pub(super) const fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            rest: bytes,
            loose: false,
        }
    }

    /// The bytes not read yet.
    pub(super) const fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The whole rule set into `data`, overwriting every field; a pool longer than its
    /// capacity keeps its first items and is marked overflowed (`RuleSetData::check`). On an
    /// error `data` is partly written.
    pub(super) fn rule_set(&mut self, data: &mut RuleSetData) -> Read<()> {
        data.name = self.span()?;
        data.serial = self.u32()?;
        data.valid_from = self.option(Reader::i32)?;
        data.valid_until = self.option(Reader::i32)?;
        data.points_basis = self.basis()?;
        data.max_points = self.option(Reader::u64)?;
        data.max_discount = self.option(Reader::money)?;
        data.non_earning = self.option(Reader::byte)?;
        data.non_discountable = self.option(Reader::byte)?;
        data.redemption = self.option(Reader::redemption)?;
        data.tiers = self.option(Reader::tiers)?;
        self.pool(&mut data.programs, Reader::program)?;
        self.pool(&mut data.groups, Reader::group)?;
        self.pool(&mut data.ids, Reader::u32)?;
        self.pool(&mut data.selectors, Reader::selector)?;
        self.pool(&mut data.conditions, Reader::condition)?;
        self.pool(&mut data.rules, Reader::rule)?;
        self.pool(&mut data.text, Reader::byte)
    }

    /// The first two fields (name and serial), which the loader reads before the rest.
    pub(super) fn head(&mut self) -> Read<(Span, u32)> {
        Ok((self.span()?, self.u32()?))
    }

    fn byte(&mut self) -> Read<u8> {
        let (&byte, rest) = self.rest.split_first().ok_or(Malformed)?;
        self.rest = rest;
        Ok(byte)
    }

    /// A varint of a `bits`-bit integer (16, 32 or 64): at most `ceil(bits / 7)` bytes, the
    /// last of them holding no more than the bits left (postcard refuses more).
    fn varint(&mut self, bits: u32) -> Read<u64> {
        let max_bytes = bits.div_ceil(7);
        let last_max = (1u8 << (bits % 7)).wrapping_sub(1);
        let mut value = 0u64;
        let mut shift = 0u32;
        for count in 1..=max_bytes {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f).checked_shl(shift).ok_or(Malformed)?;
            if byte & 0x80 == 0 {
                if count == max_bytes && byte > last_max {
                    return Err(Malformed);
                }
                if count > 1 && byte == 0 {
                    self.loose = true;
                }
                return Ok(value);
            }
            shift = shift.wrapping_add(7);
        }
        Err(Malformed)
    }

    fn u16(&mut self) -> Read<u16> {
        u16::try_from(self.varint(16)?).map_err(|_| Malformed)
    }

    fn u32(&mut self) -> Read<u32> {
        u32::try_from(self.varint(32)?).map_err(|_| Malformed)
    }

    fn u64(&mut self) -> Read<u64> {
        self.varint(64)
    }

    /// Zig-zag: 0, -1, 1, -2, … as 0, 1, 2, 3, …
    fn i32(&mut self) -> Read<i32> {
        let n = self.u32()?;
        Ok(i32::from_ne_bytes(
            ((n >> 1) ^ 0u32.wrapping_sub(n & 1)).to_ne_bytes(),
        ))
    }

    fn i64(&mut self) -> Read<i64> {
        let n = self.u64()?;
        Ok(i64::from_ne_bytes(
            ((n >> 1) ^ 0u64.wrapping_sub(n & 1)).to_ne_bytes(),
        ))
    }

    fn money(&mut self) -> Read<Money> {
        Ok(Money::from_minor(self.i64()?))
    }

    fn bool(&mut self) -> Read<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed),
        }
    }

    fn option<T>(&mut self, read: impl FnOnce(&mut Reader<'a>) -> Read<T>) -> Read<Option<T>> {
        match self.byte()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(Malformed),
        }
    }

    /// An enum's variant index.
    fn variant(&mut self) -> Read<u32> {
        self.u32()
    }

    /// A pool: its length, then its items, into `pool` (cleared first). Every item takes at
    /// least one byte, so a length over the bytes left cannot be met.
    fn pool<T, const N: usize>(
        &mut self,
        pool: &mut Bounded<T, N>,
        mut item: impl FnMut(&mut Reader<'a>) -> Read<T>,
    ) -> Read<()> {
        pool.clear();
        let len = self.varint(64)?;
        if usize::try_from(len).map_or(true, |len| len > self.rest.len()) {
            return Err(Malformed);
        }
        for _ in 0..len {
            pool.push_or_overflow(item(self)?);
        }
        Ok(())
    }

    fn span(&mut self) -> Read<Span> {
        Ok(Span {
            start: self.u16()?,
            len: self.u16()?,
        })
    }

    fn basis(&mut self) -> Read<Basis> {
        match self.variant()? {
            0 => Ok(Basis::Gross),
            1 => Ok(Basis::Net),
            _ => Err(Malformed),
        }
    }

    fn redemption(&mut self) -> Read<Redemption> {
        Ok(Redemption {
            points: self.u32()?,
            value: self.money()?,
            min_points: self.u64()?,
            step: self.u64()?,
            max_share_bp: self.u16()?,
        })
    }

    fn tiers(&mut self) -> Read<TierPolicy> {
        let basis = match self.variant()? {
            0 => TierBasis::Spend,
            1 => TierBasis::Points,
            _ => return Err(Malformed),
        };
        let window_days = self.u16()?;
        let grace_days = self.u16()?;
        let mut levels = Bounded::new();
        self.pool(&mut levels, |reader| {
            Ok(TierLevel {
                tier: reader.byte()?,
                threshold: reader.u64()?,
            })
        })?;
        Ok(TierPolicy {
            basis,
            window_days,
            grace_days,
            levels,
        })
    }

    fn program(&mut self) -> Read<StampProgram> {
        Ok(StampProgram {
            id: ProgramId(self.u16()?),
            stamps_needed: self.u16()?,
            reward_value: self.money()?,
        })
    }

    fn group(&mut self) -> Read<Group> {
        Ok(Group {
            id: self.u16()?,
            mode: match self.variant()? {
                0 => GroupMode::First,
                1 => GroupMode::Best,
                _ => return Err(Malformed),
            },
        })
    }

    fn selector(&mut self) -> Read<Selector> {
        Ok(Selector {
            all: self.bool()?,
            skus: self.span()?,
            categories: self.span()?,
            exclude_skus: self.span()?,
            exclude_categories: self.span()?,
        })
    }

    /// A condition: its variant (in declaration order, `condition.rs`), then its fields.
    fn condition(&mut self) -> Read<Condition> {
        Ok(match self.variant()? {
            0 => Condition::BasketTotal {
                basis: self.basis()?,
                at_least: self.money()?,
            },
            1 => Condition::Quantity {
                selector: self.byte()?,
                at_least: self.u32()?,
            },
            2 => Condition::Amount {
                selector: self.byte()?,
                basis: self.basis()?,
                at_least: self.money()?,
            },
            3 => Condition::Weekdays { mask: self.byte()? },
            4 => Condition::TimeOfDay {
                from: self.u16()?,
                until: self.u16()?,
            },
            5 => Condition::Stores {
                stores: self.span()?,
            },
            6 => Condition::Channels { mask: self.u32()? },
            7 => Condition::TierAtLeast { tier: self.byte()? },
            8 => Condition::SegmentsAny { mask: self.u32()? },
            9 => Condition::SegmentsAll { mask: self.u32()? },
            10 => Condition::NthVisit { every: self.u32()? },
            11 => Condition::VisitsAtLeast {
                visits: self.u32()?,
            },
            12 => Condition::FirstPurchase,
            13 => Condition::Birthday {
                within_days: self.u16()?,
            },
            14 => Condition::LapsedDays { days: self.u16()? },
            15 => Condition::ChurnRiskAtLeast { risk: self.u16()? },
            16 => Condition::Coupon {
                coupon: self.u32()?,
            },
            17 => Condition::FeedbackGroup { mask: self.byte()? },
            18 => Condition::FeedbackWithinDays { days: self.u16()? },
            19 => Condition::Anniversary {
                within_days: self.u16()?,
            },
            20 => Condition::VisitMilestones {
                visits: self.span()?,
            },
            _ => return Err(Malformed),
        })
    }

    /// An effect: its variant (in declaration order, `effect.rs`), then its fields.
    fn effect(&mut self) -> Read<Effect> {
        Ok(match self.variant()? {
            0 => Effect::PointsPerAmount {
                selector: self.byte()?,
                points: self.u32()?,
                per: self.money()?,
                rounding: match self.variant()? {
                    0 => Rounding::Floor,
                    1 => Rounding::Ceil,
                    2 => Rounding::HalfUp,
                    3 => Rounding::HalfEven,
                    _ => return Err(Malformed),
                },
            },
            1 => Effect::Multiplier {
                selector: self.byte()?,
                permille: self.u32()?,
            },
            2 => Effect::BonusPoints {
                selector: self.byte()?,
                points: self.u64()?,
            },
            3 => Effect::PercentOff {
                selector: self.byte()?,
                basis_points: self.u16()?,
            },
            4 => Effect::AmountOff {
                selector: self.byte()?,
                amount: self.money()?,
            },
            5 => Effect::FreeItem {
                selector: self.byte()?,
                units: self.u32()?,
            },
            6 => Effect::Stamps {
                program: ProgramId(self.u16()?),
                selector: self.byte()?,
                per_unit: self.u16()?,
            },
            7 => Effect::Reward {
                reward: self.u32()?,
            },
            _ => return Err(Malformed),
        })
    }

    fn limit(&mut self) -> Read<UsageLimit> {
        Ok(UsageLimit {
            counter: self.u16()?,
            period: match self.variant()? {
                0 => UsagePeriod::Day,
                1 => UsagePeriod::Week,
                2 => UsagePeriod::Month,
                3 => UsagePeriod::Year,
                4 => UsagePeriod::Lifetime,
                5 => UsagePeriod::Campaign,
                _ => return Err(Malformed),
            },
            max: self.u16()?,
        })
    }

    fn rule(&mut self) -> Read<Rule> {
        Ok(Rule {
            id: self.u16()?,
            name: self.span()?,
            priority: self.u16()?,
            group: self.option(Reader::byte)?,
            stop: self.bool()?,
            valid_from: self.option(Reader::i32)?,
            valid_until: self.option(Reader::i32)?,
            conditions: self.span()?,
            effect: self.effect()?,
            cap: self.option(Reader::u64)?,
            limits: {
                let mut limits = Bounded::new();
                self.pool(&mut limits, Reader::limit)?;
                limits
            },
        })
    }
}

/// Differential tests: the reader against serde's decoder through postcard (the loader before
/// it, `blob::tests::serde_decode_in_place`), which stays the oracle.
#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize as _;
    use std::boxed::Box;
    use std::vec::Vec;

    use super::*;
    use crate::envelope::DecodeError;
    use crate::rules::RuleSet;
    use crate::rules::blob::decode_in_place;
    use crate::rules::blob::tests::{Head, serde_decode_in_place};

    /// Integers of every varint width, small ones most often (pool references).
    fn uint(max: u64) -> impl Strategy<Value = u64> {
        prop_oneof![0..4u64, 0..=max.min(300), 0..=max, Just(max)]
    }
    fn u8_() -> impl Strategy<Value = u8> {
        prop_oneof![0..4u8, any::<u8>()]
    }
    fn u16_() -> BoxedStrategy<u16> {
        uint(u16::MAX.into()).prop_map(|n| n as u16).boxed()
    }
    fn u32_() -> BoxedStrategy<u32> {
        uint(u32::MAX.into()).prop_map(|n| n as u32).boxed()
    }
    fn u64_() -> BoxedStrategy<u64> {
        uint(u64::MAX).boxed()
    }
    fn i32_() -> BoxedStrategy<i32> {
        prop_oneof![-3..3i32, 18_000..22_000i32, any::<i32>()].boxed()
    }
    fn money() -> BoxedStrategy<Money> {
        prop_oneof![-3..3i64, any::<i64>(), Just(i64::MIN)]
            .prop_map(Money::from_minor)
            .boxed()
    }
    fn span() -> BoxedStrategy<Span> {
        (u16_(), u16_())
            .prop_map(|(start, len)| Span { start, len })
            .boxed()
    }
    fn basis() -> BoxedStrategy<Basis> {
        prop_oneof![Just(Basis::Gross), Just(Basis::Net)].boxed()
    }
    fn bounded<T: core::fmt::Debug + Clone, const N: usize>(
        item: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = Bounded<T, N>> {
        proptest::collection::vec(item, 0..=N.min(4))
            .prop_map(|items| Bounded::from_slice(&items).unwrap())
    }

    fn condition() -> BoxedStrategy<Condition> {
        prop_oneof![
            (basis(), money())
                .prop_map(|(basis, at_least)| Condition::BasketTotal { basis, at_least }),
            (u8_(), u32_())
                .prop_map(|(selector, at_least)| Condition::Quantity { selector, at_least }),
            (u8_(), basis(), money()).prop_map(|(selector, basis, at_least)| Condition::Amount {
                selector,
                basis,
                at_least
            }),
            u8_().prop_map(|mask| Condition::Weekdays { mask }),
            (u16_(), u16_()).prop_map(|(from, until)| Condition::TimeOfDay { from, until }),
            span().prop_map(|stores| Condition::Stores { stores }),
            u32_().prop_map(|mask| Condition::Channels { mask }),
            u8_().prop_map(|tier| Condition::TierAtLeast { tier }),
            u32_().prop_map(|mask| Condition::SegmentsAny { mask }),
            u32_().prop_map(|mask| Condition::SegmentsAll { mask }),
            u32_().prop_map(|every| Condition::NthVisit { every }),
            u32_().prop_map(|visits| Condition::VisitsAtLeast { visits }),
            Just(Condition::FirstPurchase),
            u16_().prop_map(|within_days| Condition::Birthday { within_days }),
            u16_().prop_map(|days| Condition::LapsedDays { days }),
            u16_().prop_map(|risk| Condition::ChurnRiskAtLeast { risk }),
            u32_().prop_map(|coupon| Condition::Coupon { coupon }),
            u8_().prop_map(|mask| Condition::FeedbackGroup { mask }),
            u16_().prop_map(|days| Condition::FeedbackWithinDays { days }),
            u16_().prop_map(|within_days| Condition::Anniversary { within_days }),
            span().prop_map(|visits| Condition::VisitMilestones { visits }),
        ]
        .boxed()
    }

    fn effect() -> BoxedStrategy<Effect> {
        let rounding = prop_oneof![
            Just(Rounding::Floor),
            Just(Rounding::Ceil),
            Just(Rounding::HalfUp),
            Just(Rounding::HalfEven)
        ];
        prop_oneof![
            (u8_(), u32_(), money(), rounding).prop_map(|(selector, points, per, rounding)| {
                Effect::PointsPerAmount {
                    selector,
                    points,
                    per,
                    rounding,
                }
            }),
            (u8_(), u32_())
                .prop_map(|(selector, permille)| Effect::Multiplier { selector, permille }),
            (u8_(), u64_()).prop_map(|(selector, points)| Effect::BonusPoints { selector, points }),
            (u8_(), u16_()).prop_map(|(selector, basis_points)| Effect::PercentOff {
                selector,
                basis_points
            }),
            (u8_(), money()).prop_map(|(selector, amount)| Effect::AmountOff { selector, amount }),
            (u8_(), u32_()).prop_map(|(selector, units)| Effect::FreeItem { selector, units }),
            (u16_(), u8_(), u16_()).prop_map(|(program, selector, per_unit)| Effect::Stamps {
                program: ProgramId(program),
                selector,
                per_unit
            }),
            u32_().prop_map(|reward| Effect::Reward { reward }),
        ]
        .boxed()
    }

    fn period() -> impl Strategy<Value = UsagePeriod> {
        prop_oneof![
            Just(UsagePeriod::Day),
            Just(UsagePeriod::Week),
            Just(UsagePeriod::Month),
            Just(UsagePeriod::Year),
            Just(UsagePeriod::Lifetime),
            Just(UsagePeriod::Campaign),
        ]
    }

    fn rule() -> BoxedStrategy<Rule> {
        (
            (
                u16_(),
                span(),
                u16_(),
                proptest::option::of(u8_()),
                any::<bool>(),
            ),
            (
                proptest::option::of(i32_()),
                proptest::option::of(i32_()),
                span(),
            ),
            (effect(), proptest::option::of(u64_())),
            bounded::<UsageLimit, MAX_LIMITS>((u16_(), period(), u16_()).prop_map(
                |(counter, period, max)| UsageLimit {
                    counter,
                    period,
                    max,
                },
            )),
        )
            .prop_map(
                |(
                    (id, name, priority, group, stop),
                    (valid_from, valid_until, conditions),
                    (effect, cap),
                    limits,
                )| {
                    Rule {
                        id,
                        name,
                        priority,
                        group,
                        stop,
                        valid_from,
                        valid_until,
                        conditions,
                        effect,
                        cap,
                        limits,
                    }
                },
            )
            .boxed()
    }
    const MAX_LIMITS: usize = crate::rules::limits::MAX_LIMITS_PER_RULE;

    /// Any rule set the format can hold: every field, every variant, values of every width;
    /// few of them consistent (those `check` refuses still decode to a value to compare).
    fn data() -> impl Strategy<Value = RuleSetData> {
        let head = (
            span(),
            u32_(),
            proptest::option::of(i32_()),
            proptest::option::of(i32_()),
            basis(),
            proptest::option::of(u64_()),
            proptest::option::of(money()),
            proptest::option::of(u8_()),
            proptest::option::of(u8_()),
        );
        let policies = (
            proptest::option::of((u32_(), money(), u64_(), u64_(), u16_()).prop_map(
                |(points, value, min_points, step, max_share_bp)| Redemption {
                    points,
                    value,
                    min_points,
                    step,
                    max_share_bp,
                },
            )),
            proptest::option::of(
                (
                    prop_oneof![Just(TierBasis::Spend), Just(TierBasis::Points)],
                    u16_(),
                    u16_(),
                    bounded(
                        (u8_(), u64_()).prop_map(|(tier, threshold)| TierLevel { tier, threshold }),
                    ),
                )
                    .prop_map(|(basis, window_days, grace_days, levels)| {
                        TierPolicy {
                            basis,
                            window_days,
                            grace_days,
                            levels,
                        }
                    }),
            ),
        );
        let pools = (
            bounded(
                (u16_(), u16_(), money()).prop_map(|(id, stamps_needed, reward_value)| {
                    StampProgram {
                        id: ProgramId(id),
                        stamps_needed,
                        reward_value,
                    }
                }),
            ),
            bounded(
                (
                    u16_(),
                    prop_oneof![Just(GroupMode::First), Just(GroupMode::Best)],
                )
                    .prop_map(|(id, mode)| Group { id, mode }),
            ),
            bounded(u32_()),
            bounded((any::<bool>(), span(), span(), span(), span()).prop_map(
                |(all, skus, categories, exclude_skus, exclude_categories)| Selector {
                    all,
                    skus,
                    categories,
                    exclude_skus,
                    exclude_categories,
                },
            )),
            bounded(condition()),
            bounded(rule()),
            bounded(any::<u8>()),
        );
        (head, policies, pools).prop_map(
            |(
                (
                    name,
                    serial,
                    valid_from,
                    valid_until,
                    points_basis,
                    max_points,
                    max_discount,
                    non_earning,
                    non_discountable,
                ),
                (redemption, tiers),
                (programs, groups, ids, selectors, conditions, rules, text),
            )| RuleSetData {
                name,
                serial,
                valid_from,
                valid_until,
                points_basis,
                max_points,
                max_discount,
                non_earning,
                non_discountable,
                redemption,
                tiers,
                programs,
                groups,
                ids,
                selectors,
                conditions,
                rules,
                text,
            },
        )
    }

    /// Storage holding another set, as a till's static does when a new one is loaded.
    fn storage() -> Box<RuleSetData> {
        static PREVIOUS: std::sync::OnceLock<RuleSetData> = std::sync::OnceLock::new();
        Box::new(
            PREVIOUS
                .get_or_init(|| {
                    RuleSet::from_json(
                        r#"{"name": "previous", "serial": 1, "rules": [{"id": 9, "name": "b",
                            "effect": {"bonus_points": {"points": 5}}}]}"#,
                    )
                    .unwrap()
                    .data
                })
                .clone(),
        )
    }

    /// The reader and the oracle on `body`: the same decision at both levels, the same value.
    fn same(body: &[u8]) -> Result<(), TestCaseError> {
        // The parse alone: same acceptance, same value, same bytes left; `loose` exactly when
        // postcard would not have written these bytes.
        let (mut ours, mut theirs) = (storage(), storage());
        let mut reader = Reader::new(body);
        let read = reader.rule_set(&mut ours);
        let mut deserializer = postcard::Deserializer::from_bytes(body);
        let oracle = RuleSetData::deserialize_in_place(&mut deserializer, &mut theirs);
        prop_assert_eq!(read.is_ok(), oracle.is_ok(), "parse of {:02x?}", body);
        if read.is_ok() {
            prop_assert_eq!(&ours, &theirs);
            let rest = deserializer.finalize().unwrap();
            prop_assert_eq!(reader.rest(), rest);
            if ours.check() != Err(crate::rules::rule_set::Inconsistent::OverCapacity) {
                let again = postcard::to_allocvec(&*ours).unwrap();
                let consumed = &body[..body.len() - rest.len()];
                prop_assert_eq!(reader.loose, again != consumed);
            }
        }
        // The head the loader reads first.
        prop_assert_eq!(
            Reader::new(body).head().ok().map(|(_, serial)| serial),
            postcard::take_from_bytes::<Head>(body)
                .ok()
                .map(|(head, _)| head.serial)
        );
        // The whole decode, unpinned and pinned: same answer, same set.
        for pinned in [false, true] {
            let (mut ours, mut theirs) = (storage(), storage());
            let decoded = decode_in_place(body, pinned, &mut ours);
            prop_assert_eq!(decoded, serde_decode_in_place(body, pinned, &mut theirs));
            if decoded.is_ok() {
                prop_assert_eq!(&ours, &theirs);
            }
        }
        Ok(())
    }

    /// One edit of the bytes: a byte set, a bit flipped, a byte inserted or removed, the tail
    /// cut.
    #[derive(Clone, Debug)]
    enum Edit {
        Set(usize, u8),
        Flip(usize, u8),
        Insert(usize, u8),
        Remove(usize),
        Truncate(usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Set(at, byte)),
            (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Edit::Flip(at, bit)),
            (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
            any::<usize>().prop_map(Edit::Remove),
            any::<usize>().prop_map(Edit::Truncate),
        ]
    }

    fn edited(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
        for edit in edits {
            let len = bytes.len().max(1);
            match *edit {
                Edit::Set(at, byte) if !bytes.is_empty() => bytes[at % len] = byte,
                Edit::Flip(at, bit) if !bytes.is_empty() => bytes[at % len] ^= 1 << bit,
                Edit::Insert(at, byte) => bytes.insert(at % (bytes.len() + 1), byte),
                Edit::Remove(at) if !bytes.is_empty() => {
                    bytes.remove(at % len);
                }
                Edit::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
                _ => {}
            }
        }
        bytes
    }

    /// The rule-set bytes of `rules`, with the pin appended when it has one.
    fn body_of(rules: &RuleSet) -> Vec<u8> {
        let mut body = postcard::to_allocvec(&rules.data).unwrap();
        if let Some(pin) = rules.model_pin() {
            body.extend_from_slice(pin);
        }
        body
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_sets_decode_as_serde_does(data in data(), pin in proptest::option::of(any::<[u8; 32]>())) {
            let mut body = postcard::to_allocvec(&data).unwrap();
            same(&body)?;
            if let Some(pin) = pin {
                body.extend_from_slice(&pin);
                same(&body)?;
            }
        }

        #[test]
        fn mutated_arbitrary_sets_decode_as_serde_does(
            data in data(),
            edits in proptest::collection::vec(edit(), 1..4),
        ) {
            same(&edited(postcard::to_allocvec(&data).unwrap(), &edits))?;
        }

        #[test]
        fn valid_sets_load_as_with_serde(rules in crate::rules::properties::rule_set(), pin in proptest::option::of(any::<[u8; 32]>())) {
            let rules = rules.with_model_pin(pin).unwrap();
            let body = body_of(&rules);
            let mut ours = storage();
            let decoded = decode_in_place(&body, pin.is_some(), &mut ours);
            prop_assert_eq!(decoded, Ok((*rules.hash(), pin)));
            prop_assert_eq!(&*ours, &rules.data);
            same(&body)?;
        }

        #[test]
        fn mutated_valid_sets_decode_as_serde_does(
            rules in crate::rules::properties::rule_set(),
            edits in proptest::collection::vec(edit(), 1..4),
        ) {
            same(&edited(body_of(&rules), &edits))?;
        }

        #[test]
        fn arbitrary_bytes_decode_as_serde_does(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
            same(&bytes)?;
        }
    }

    /// Over-long pools (one item over each capacity, and over a rule's limits and the tiers)
    /// and every varint written one byte longer than it needs: as serde decides.
    #[test]
    fn over_capacity_and_loose_varints_as_serde() {
        // The SMALL set of `blob::tests`: name (0, 1), serial 2, ..., ids at offset 14.
        let body = postcard::to_allocvec(
            &RuleSet::from_json(
                r#"{"name": "p", "serial": 2, "rules": [
                    {"id": 1, "name": "b", "effect": {"bonus_points": {"points": 5}}}]}"#,
            )
            .unwrap()
            .data,
        )
        .unwrap();
        // Every byte widened into a two-byte varint (b | 0x80, 0): where it is a varint, the
        // oracle reads it loose; elsewhere it is something else.
        for at in 0..body.len() {
            let mut widened = body[..at].to_vec();
            widened.extend_from_slice(&[body[at] | 0x80, 0x00]);
            widened.extend_from_slice(&body[at + 1..]);
            same(&widened).unwrap();
        }
        // Pool lengths one over capacity, the items repeated from a valid one.
        let ids = [0u8; 513];
        let mut over = body[..14].to_vec();
        over.extend_from_slice(&[0x81, 0x04]);
        over.extend_from_slice(&ids);
        over.extend_from_slice(&body[15..]);
        same(&over).unwrap();
        let mut ours = storage();
        assert_eq!(
            decode_in_place(&over, false, &mut ours),
            Err(DecodeError::OverCapacity)
        );
    }

    /// Every committed input of the `rule_set_load` fuzz target (`fuzz/seeds/`): as a body, and
    /// the body inside it when it is a rule-set blob or payload.
    #[test]
    #[cfg_attr(miri, ignore)] // Reads files.
    fn fuzz_seeds_decode_as_serde_does() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/rule_set_load");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            same(&bytes).unwrap();
            let payload = match crate::envelope::open(&bytes, crate::envelope::Kind::RuleSet, None)
            {
                Ok(opened) => opened.payload.to_vec(),
                Err(_) => bytes.clone(),
            };
            if let Some((&flag, rest)) = payload.split_first() {
                let body = if flag & 1 == 1 {
                    rest.get(64..).unwrap_or_default()
                } else {
                    rest
                };
                same(body).unwrap();
            }
            seen += 1;
        }
        assert!(seen > 0, "no committed seeds");
    }
}
