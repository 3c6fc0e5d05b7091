//! Property tests of the account against a reference model: its balances are a replay of its
//! events in canonical order, whatever copies they were applied to and however the copies were
//! merged; merges are commutative, associative and idempotent; points are conserved.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::tests::{clawback, content, day, earn, redeem, seal};
use super::*;
use crate::time::{Date, Day};

const EXPIRY_MONTHS: i64 = 2;
const PENDING_DAYS: i64 = 10;

fn program() -> AccountProgram {
    AccountProgram {
        expiry_months: EXPIRY_MONTHS as u8,
        pending_days: PENDING_DAYS as u8,
    }
}

/// An accepted event as the model keeps it; the field order is the canonical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Logged {
    day: i64,
    /// 0 earn, 1 redeem, 2 clawback.
    rank: u8,
    terminal: u32,
    sequence: u32,
    points: i64,
}

impl Logged {
    fn of(event: &AccountEvent, day: i64) -> Logged {
        let (rank, points) = match *event {
            AccountEvent::Earn { points, .. } => (0, points),
            AccountEvent::Redeem { points, .. } => (1, points),
            AccountEvent::Clawback { points, .. } => (2, points),
        };
        let id = event.id();
        Logged {
            day,
            rank,
            terminal: id.terminal.0,
            sequence: id.sequence,
            points: points.0 as i64,
        }
    }
}

fn month_index(day: i64) -> i64 {
    let date = Day::from_number(day as i32).unwrap().date();
    i64::from(date.year() - 1970) * 12 + i64::from(date.month()) - 1
}

/// The day number of the last day of month index `month`.
fn last_day_of(month: i64) -> i64 {
    let first_of_next = Date::new(
        1970 + (month + 1) as i32 / 12,
        ((month + 1) % 12) as u8 + 1,
        1,
    )
    .unwrap()
    .to_day();
    i64::from(first_of_next.number()) - 1
}

/// The reference model: unbounded lots by month in plain integers, the rules applied
/// literally, day by day, with a running tally of what expired.
#[derive(Clone, Debug, Default)]
struct Model {
    lots: BTreeMap<i64, ModelLot>,
    debt: i64,
    overdrawn: i64,
    day: Option<i64>,
    expired: i64,
}

#[derive(Clone, Debug, Default)]
struct ModelLot {
    qualifying: i64,
    left: i64,
    pending: i64,
    until: Option<i64>,
}

impl Model {
    /// `events` replayed in canonical order, then settled to `today`.
    fn replay(events: &[Logged], today: i64) -> Model {
        let mut sorted = events.to_vec();
        sorted.sort();
        let mut model = Model::default();
        for event in &sorted {
            model.settle(event.day);
            model.apply(event);
            model.settle(event.day);
        }
        model.settle(today);
        model
    }

    /// Day by day: lots past their last day expire, pending points whose day has come are
    /// released, an overdraft is repaid from available points, oldest lot first.
    fn settle(&mut self, to: i64) {
        let from = self.day.unwrap_or(to);
        let to = to.max(from);
        for today in from..=to {
            for (month, lot) in &mut self.lots {
                if lot.left > 0 && last_day_of(month + EXPIRY_MONTHS) < today {
                    self.expired += lot.left;
                    lot.left = 0;
                    lot.pending = 0;
                    lot.until = None;
                }
                if lot.until.is_some_and(|until| until <= today) {
                    lot.pending = 0;
                    lot.until = None;
                }
            }
            for lot in self.lots.values_mut() {
                let take = (lot.left - lot.pending).min(self.overdrawn);
                lot.left -= take;
                self.overdrawn -= take;
            }
        }
        self.day = Some(to);
    }

    fn apply(&mut self, event: &Logged) {
        match event.rank {
            0 => {
                let repaid = event.points.min(self.debt);
                self.debt -= repaid;
                let credited = event.points - repaid;
                if credited > 0 {
                    let lot = self.lots.entry(month_index(event.day)).or_default();
                    lot.qualifying += credited;
                    lot.left += credited;
                    lot.pending += credited;
                    lot.until = Some(lot.until.unwrap_or(0).max(event.day + PENDING_DAYS));
                }
            }
            1 => {
                let mut rest = event.points;
                for lot in self.lots.values_mut() {
                    let take = (lot.left - lot.pending).min(rest);
                    lot.left -= take;
                    rest -= take;
                }
                self.overdrawn += rest;
            }
            _ => {
                let mut rest = event.points;
                for lot in self.lots.values_mut().rev() {
                    let take = lot.pending.min(rest);
                    lot.pending -= take;
                    lot.left -= take;
                    if lot.pending == 0 {
                        lot.until = None;
                    }
                    rest -= take;
                }
                for lot in self.lots.values_mut() {
                    let take = (lot.left - lot.pending).min(rest);
                    lot.left -= take;
                    rest -= take;
                }
                self.debt += rest;
                let mut unqualified = event.points;
                for lot in self.lots.values_mut().rev() {
                    let take = lot.qualifying.min(unqualified);
                    lot.qualifying -= take;
                    unqualified -= take;
                }
            }
        }
    }

    fn available(&self) -> i64 {
        self.lots.values().map(|lot| lot.left - lot.pending).sum()
    }

    fn pending(&self) -> i64 {
        self.lots.values().map(|lot| lot.pending).sum()
    }

    fn held(&self) -> i64 {
        self.lots.values().map(|lot| lot.left).sum()
    }

    fn next_expiry(&self) -> Option<i64> {
        self.lots
            .iter()
            .filter(|(_, lot)| lot.left > 0)
            .map(|(month, _)| last_day_of(month + EXPIRY_MONTHS))
            .min()
    }

    fn qualifying(&self, today: i64, window: i64) -> i64 {
        let current = month_index(today);
        self.lots
            .iter()
            .filter(|(month, _)| **month > current - window && **month <= current)
            .map(|(_, lot)| lot.qualifying - lot.pending.min(lot.qualifying))
            .sum()
    }
}

/// The account's balances equal the model's replay of `log` as of `today`, and the model
/// conserves points: earned = held + redeemed + clawed back + expired − owed.
fn agrees(account: &Account, log: &[Logged], today: i64) -> Result<(), TestCaseError> {
    let model = Model::replay(log, today);
    let on = Day::from_number(today as i32).unwrap();
    let s = account.summary(on).unwrap();
    prop_assert_eq!(s.available.0 as i64, model.available());
    prop_assert_eq!(s.pending.0 as i64, model.pending());
    prop_assert_eq!(s.debt.0 as i64, model.debt + model.overdrawn);
    prop_assert_eq!(s.overdrawn.0 as i64, model.overdrawn);
    prop_assert_eq!(
        s.next_expiry.map(|d| i64::from(d.number())),
        model.next_expiry()
    );
    prop_assert_eq!(
        account.qualifying_points(on, 3).unwrap().0 as i64,
        model.qualifying(today, 3)
    );
    let total = |rank: u8| -> i64 {
        log.iter()
            .filter(|e| e.rank == rank)
            .map(|e| e.points)
            .sum()
    };
    prop_assert_eq!(
        total(0),
        model.held() + total(1) + total(2) + model.expired - model.debt - model.overdrawn
    );
    Ok(())
}

/// The account's blob gives it back, in exactly `encoded_len` bytes.
fn round_trips(account: &Account) -> Result<(), TestCaseError> {
    let mut blob = [0u8; MAX_ENCODED_LEN];
    let used = account.encode(seal(), &mut blob).unwrap();
    prop_assert_eq!(used, account.encoded_len());
    prop_assert_eq!(&Account::decode(&blob[..used], seal(), 0).unwrap(), account);
    Ok(())
}

/// What a step of a random history does: `(what, copy, other copy, points, days later, pick)`;
/// `what`: 0..=2 earn, 3..=5 redeem, 6 clawback, 7 replay, 8 expire, 9..=11 merge.
type Op = (u8, usize, usize, u64, i64, usize);

fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        (
            0..12u8,
            0..3usize,
            0..3usize,
            1..=150u64,
            0..5i64,
            any::<usize>(),
        ),
        0..max,
    )
}

/// A common ancestor (terminal 9's events), forked into three copies, each the home of one
/// terminal (copy `i` of terminal `i + 1`: a terminal writes only to a copy that holds its
/// earlier events); random earnings, redemptions, clawbacks, replays, expiry and merges
/// between copies. Then every order and grouping of merging the three copies agree, merges are
/// idempotent, and — where no copy was ever compacted — the merged balances are the model's
/// replay of every event, in canonical order.
fn replicas(ancestor: &[Op], steps: &[Op]) -> Result<(), TestCaseError> {
    let mut log: Vec<Logged> = Vec::new();
    let mut ids: Vec<(EventId, i64)> = Vec::new();
    let mut sequences = [0u32; 10];
    let mut today = i64::from(day(2024, 1, 1).number());
    let mut root = Account::new(program()).unwrap();
    let mut copies: [Account; 3] = [root.clone(), root.clone(), root.clone()];
    let history = ancestor
        .iter()
        .map(|op| (op, true))
        .chain(steps.iter().map(|op| (op, false)));
    let mut forked = false;
    for (&(what, copy, other, points, days, pick), in_ancestor) in history {
        if !in_ancestor && !forked {
            copies = [root.clone(), root.clone(), root.clone()];
            forked = true;
        }
        today += days;
        let on = Day::from_number(today as i32).unwrap();
        let (account, terminal) = if in_ancestor {
            (&mut root, 9u32)
        } else {
            (&mut copies[copy], copy as u32 + 1)
        };
        let new_id = |sequences: &mut [u32; 10]| {
            sequences[terminal as usize] += 1;
            EventId::new(terminal, sequences[terminal as usize])
        };
        match what {
            0..=6 => {
                let id = new_id(&mut sequences);
                let event = match what {
                    0..=2 => earn(id.terminal.0, id.sequence, points),
                    3..=5 => redeem(id.terminal.0, id.sequence, points),
                    _ => {
                        let original = ids
                            .get(pick % ids.len().max(1))
                            .map_or(EventId::new(7, 1), |(id, _)| *id);
                        clawback(
                            id.terminal.0,
                            id.sequence,
                            (original.terminal.0, original.sequence),
                            points,
                        )
                    }
                };
                let before = account.clone();
                match account.apply(&event, on) {
                    Ok(next) => {
                        *account = next;
                        log.push(Logged::of(&event, today));
                        ids.push((id, today));
                    }
                    Err(error) => {
                        let documented = matches!(
                            error,
                            AccountError::InsufficientPoints { .. }
                                | AccountError::UnknownTransaction
                        );
                        prop_assert!(documented, "{:?}", error);
                        prop_assert_eq!(&*account, &before);
                    }
                }
            }
            7 => {
                // A replay of an event the copy holds, on its own day: nothing changes.
                let held: Vec<_> = log
                    .iter()
                    .filter(|e| account.has_applied(EventId::new(e.terminal, e.sequence)))
                    .collect();
                if let Some(e) = held.get(pick % held.len().max(1)) {
                    let id = (e.terminal, e.sequence);
                    let points = e.points as u64;
                    let event = match e.rank {
                        0 => earn(id.0, id.1, points),
                        1 => redeem(id.0, id.1, points),
                        _ => clawback(id.0, id.1, (7, 1), points),
                    };
                    let then = Day::from_number(e.day as i32).unwrap();
                    let again = account.apply(&event, then);
                    prop_assert_eq!(again.as_ref(), Ok(&*account));
                }
            }
            8 => *account = account.expire(on).unwrap(),
            _ if !in_ancestor && copy != other => {
                let (into, from) = (copies[copy].clone(), copies[other].clone());
                match into.merge(&from) {
                    Ok(merged) => copies[copy] = merged,
                    Err(error) => {
                        let documented = matches!(
                            error,
                            AccountMergeError::IncomparableCheckpoints
                                | AccountMergeError::RecentEventsFull
                        );
                        prop_assert!(documented, "{:?}", error);
                    }
                }
            }
            _ => {}
        }
    }
    if !forked {
        copies = [root.clone(), root.clone(), root];
    }
    for copy in &copies {
        round_trips(copy)?;
        prop_assert_eq!(content(&copy.merge(copy).unwrap()), content(copy));
    }
    let [a, b, c] = &copies;
    let documented = |error: &AccountMergeError| {
        matches!(
            error,
            AccountMergeError::IncomparableCheckpoints | AccountMergeError::RecentEventsFull
        )
    };
    // Commutative, with the same error both ways.
    for (x, y) in [(a, b), (b, c), (a, c)] {
        match (x.merge(y), y.merge(x)) {
            (Ok(xy), Ok(yx)) => {
                prop_assert_eq!(content(&xy), content(&yx));
                prop_assert_eq!(content(&xy.merge(&xy).unwrap()), content(&xy));
                prop_assert_eq!(content(&xy.merge(x).unwrap()), content(&xy));
                round_trips(&xy)?;
            }
            (Err(e), Err(f)) => {
                prop_assert_eq!(e, f);
                prop_assert!(documented(&e), "{:?}", e);
            }
            (xy, yx) => prop_assert!(false, "not symmetric: {:?} / {:?}", xy, yx),
        }
    }
    // Associative: every grouping that merges agrees.
    let join = |x: &Account, y: &Account| x.merge(y);
    let groupings = [
        join(a, b).and_then(|ab| join(&ab, c)),
        join(b, c).and_then(|bc| join(a, &bc)),
        join(a, c).and_then(|ac| join(&ac, b)),
        join(c, b).and_then(|cb| join(&cb, a)),
    ];
    let mut merged: Option<Account> = None;
    for result in groupings {
        match result {
            Ok(all) => {
                if let Some(first) = &merged {
                    prop_assert_eq!(content(first), content(&all));
                }
                merged = Some(all);
            }
            Err(error) => prop_assert!(documented(&error), "{:?}", error),
        }
    }
    if let Some(all) = merged {
        // Nothing folded anywhere: the balances are the model's replay of every event.
        if all.checkpoint.day.is_none() {
            agrees(&all, &log, today)?;
            agrees(&all, &log, today + 90)?;
        }
    }
    Ok(())
}

proptest! {
    /// One copy, random earnings, redemptions, clawbacks and replays on strictly later days,
    /// compacted as it fills: the same events are accepted as the model accepts, and the
    /// balances are the model's replay (compaction folds whole earlier days, which changes no
    /// balance), with points conserved.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn one_copy_agrees_with_the_model(
        steps in proptest::collection::vec(
            ((0..3u8, 1..=4u32, 1..=120u64, any::<usize>()), 1..20i64, any::<bool>()),
            1..60,
        )
    ) {
        let mut account = Account::new(program()).unwrap();
        let mut today = i64::from(day(2024, 1, 1).number());
        let mut log: Vec<(AccountEvent, i64)> = Vec::new();
        let mut sequences = [0u32; 5];
        for ((kind, terminal, points, pick), days, replay) in steps {
            if replay && !log.is_empty() {
                let (event, then) = log[pick % log.len()];
                let before = account.clone();
                prop_assert_eq!(account.apply(&event, Day::from_number(then as i32).unwrap()), Ok(before));
                continue;
            }
            today += days;
            let on = Day::from_number(today as i32).unwrap();
            sequences[terminal as usize] += 1;
            let id = EventId::new(terminal, sequences[terminal as usize]);
            let event = match kind {
                0 => AccountEvent::Earn { id, points: Points(points) },
                1 => AccountEvent::Redeem { id, points: Points(points) },
                _ => {
                    let original = log.get(pick % log.len().max(1)).map_or(EventId::new(7, 99), |(e, _)| e.id());
                    AccountEvent::Clawback { id, original, points: Points(points) }
                }
            };
            let logged: Vec<Logged> = log.iter().map(|(e, d)| Logged::of(e, *d)).collect();
            let model = Model::replay(&logged, today);
            let expected = match event {
                AccountEvent::Redeem { points, .. } if points.0 as i64 > model.available() => {
                    Err(AccountError::InsufficientPoints { available: Points(model.available() as u64) })
                }
                AccountEvent::Clawback { original, .. } if !log.iter().any(|(e, _)| e.id() == original) => {
                    Err(AccountError::UnknownTransaction)
                }
                _ => Ok(()),
            };
            let before = account.clone();
            match (expected, account.apply(&event, on)) {
                (Ok(()), Ok(next)) => {
                    account = next;
                    log.push((event, today));
                }
                (Err(e), Err(a)) => {
                    prop_assert_eq!(e, a);
                    prop_assert_eq!(&account, &before);
                }
                (e, a) => prop_assert!(false, "model {:?}, account {:?}", e, a),
            }
            prop_assert!(account.recent_events() <= MAX_RECENT_EVENTS);
            let logged: Vec<Logged> = log.iter().map(|(e, d)| Logged::of(e, *d)).collect();
            agrees(&account, &logged, today)?;
        }
        round_trips(&account)?;
    }

    /// Few events: usually nothing is compacted, and the merged copies equal the model.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn concurrent_copies_merge_like_a_replay_of_every_event(
        ancestor in ops(3),
        steps in ops(10),
    ) {
        replicas(&ancestor, &steps)?;
    }

    /// Many events: copies compact; merges still agree in every order, or fail with a
    /// documented error both ways.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn compacted_copies_merge_in_any_order(
        ancestor in ops(12),
        steps in ops(40),
    ) {
        replicas(&ancestor, &steps)?;
    }

    /// A balance redeemed on several offline copies: the merge reports exactly what was
    /// redeemed beyond it as overdrawn (and owed), and the points released later repay it.
    #[test]
    #[cfg_attr(miri, ignore)] // Heavy under Miri; runs natively.
    fn a_double_redemption_is_overdrawn_by_the_excess(
        balance in 1..=500u64,
        redemptions in proptest::collection::vec((1..=500u64, 0..=200u64), 2..=3),
    ) {
        let on = day(2024, 3, 5);
        let base = Account::new(program()).unwrap().apply(&earn(9, 1, balance), day(2024, 2, 1)).unwrap();
        let mut copies = Vec::new();
        let (mut redeemed, mut earned) = (0, 0);
        for (terminal, &(wanted, later)) in (1u32..).zip(&redemptions) {
            let amount = wanted.min(balance);
            let mut copy = base.apply(&redeem(terminal, 1, amount), on).unwrap();
            if later > 0 {
                copy = copy.apply(&earn(terminal, 2, later), on).unwrap();
            }
            redeemed += amount;
            earned += later;
            copies.push(copy);
        }
        let merged = copies.iter().skip(1).try_fold(copies[0].clone(), |all, copy| all.merge(copy)).unwrap();
        let excess = redeemed.saturating_sub(balance);
        let s = merged.summary(on).unwrap();
        prop_assert_eq!((s.available.0, s.pending.0, s.debt.0, s.overdrawn.0), (balance - redeemed.min(balance), earned, excess, excess));
        // The earnings are released on 2024-03-15 (10 days) and repay the excess first.
        let s = merged.summary(day(2024, 3, 15)).unwrap();
        prop_assert_eq!(s.overdrawn.0, excess.saturating_sub(earned));
        prop_assert_eq!(s.available.0, (balance + earned).saturating_sub(redeemed));
    }
}
