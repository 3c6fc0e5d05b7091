//! Customer feedback: the Net Promoter Score question ("how likely are you to recommend us, 0 to
//! 10?"), its groups and the channel it came through. One definition for the till (the customer
//! record, the rule conditions) and the back office (NPS reports, churn by group, offer plans).
//!
//! | score | group |
//! | --- | --- |
//! | 0–6 | [`FeedbackGroup::Detractor`] |
//! | 7–8 | [`FeedbackGroup::Passive`] |
//! | 9–10 | [`FeedbackGroup::Promoter`] |
//!
//! The NPS of a set of answers is the share of promoters less the share of detractors, reported
//! from −100 to 100 (Reichheld 2003, "The One Number You Need to Grow", Harvard Business Review).
//!
//! ```
//! use retention_core::feedback::{FeedbackGroup, NpsScore};
//! let score = NpsScore::new(6)?;
//! assert_eq!(score.group(), FeedbackGroup::Detractor);
//! assert_eq!(NpsScore::new(9)?.group().name(), "promoter");
//! assert!(NpsScore::new(11).is_err());
//! # Ok::<(), retention_core::feedback::ScoreOutOfRange>(())
//! ```
//!
//! Host tools (`std`): [`nps`] (NPS with confidence intervals, by key and period) and
//! [`churn`] (retention by feedback group from history).

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Day;

#[cfg(feature = "std")]
pub mod churn;
#[cfg(feature = "std")]
pub mod nps;

/// The highest NPS score.
pub const MAX_SCORE: u8 = 10;

/// An answer to the NPS question: a whole number 0..=10. Serialized as its number (a `u8`);
/// decoding checks the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct NpsScore(u8);

/// An NPS score outside 0..=10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScoreOutOfRange;

impl fmt::Display for ScoreOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NPS score must be a whole number in 0..=10")
    }
}

impl core::error::Error for ScoreOutOfRange {}

impl NpsScore {
    /// The score `score`, if in 0..=10.
    ///
    /// Errors: [`ScoreOutOfRange`].
    pub const fn new(score: u8) -> Result<NpsScore, ScoreOutOfRange> {
        if score <= MAX_SCORE {
            Ok(NpsScore(score))
        } else {
            Err(ScoreOutOfRange)
        }
    }

    /// The score, 0..=10.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The group of the score: detractor 0–6, passive 7–8, promoter 9–10.
    #[must_use]
    pub const fn group(self) -> FeedbackGroup {
        match self.0 {
            0..=6 => FeedbackGroup::Detractor,
            7..=8 => FeedbackGroup::Passive,
            _ => FeedbackGroup::Promoter,
        }
    }
}

impl TryFrom<u8> for NpsScore {
    type Error = ScoreOutOfRange;
    fn try_from(score: u8) -> Result<NpsScore, ScoreOutOfRange> {
        NpsScore::new(score)
    }
}

impl From<NpsScore> for u8 {
    fn from(score: NpsScore) -> u8 {
        score.0
    }
}

impl fmt::Display for NpsScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The NPS group of a score. Serialized by name (`"detractor"`, ...) in text formats and by
/// declaration index in postcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum FeedbackGroup {
    /// Scores 0–6: unhappy, likely to leave and to say so.
    Detractor = 0,
    /// Scores 7–8: satisfied but unenthusiastic.
    Passive = 1,
    /// Scores 9–10: loyal enthusiasts.
    Promoter = 2,
}

impl FeedbackGroup {
    /// Every group, in code order (index `i` holds the group with code `i`).
    pub const ALL: [FeedbackGroup; 3] = [
        FeedbackGroup::Detractor,
        FeedbackGroup::Passive,
        FeedbackGroup::Promoter,
    ];

    /// The group's name: `"detractor"`, `"passive"` or `"promoter"`; the spelling of rule
    /// documents, messages and the Python door.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FeedbackGroup::Detractor => "detractor",
            FeedbackGroup::Passive => "passive",
            FeedbackGroup::Promoter => "promoter",
        }
    }

    /// The group named `name` ([`FeedbackGroup::name`]), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<FeedbackGroup> {
        FeedbackGroup::ALL
            .into_iter()
            .find(|group| group.name() == name)
    }

    /// The group's code, 0..=2 from detractor to promoter.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The group with code `code` ([`FeedbackGroup::code`]), if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<FeedbackGroup> {
        FeedbackGroup::ALL
            .into_iter()
            .find(|group| group.code() == code)
    }

    /// The scores of the group, lowest and highest: detractor `(0, 6)`, passive `(7, 8)`,
    /// promoter `(9, 10)`.
    #[must_use]
    pub const fn scores(self) -> (NpsScore, NpsScore) {
        match self {
            FeedbackGroup::Detractor => (NpsScore(0), NpsScore(6)),
            FeedbackGroup::Passive => (NpsScore(7), NpsScore(8)),
            FeedbackGroup::Promoter => (NpsScore(9), NpsScore(10)),
        }
    }
}

impl fmt::Display for FeedbackGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the feedback reached the shop. Serialized by name (`"till"`, ...) in text formats and by
/// declaration index in postcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum FeedbackChannel {
    /// At the till: the terminal's keypad or customer display.
    Till = 0,
    /// A web survey (a link or QR code on the receipt).
    Web = 1,
    /// The shop's app.
    App = 2,
    /// An e-mail survey.
    Email = 3,
    /// A text message.
    Sms = 4,
    /// A phone call.
    Phone = 5,
    /// Any other channel.
    Other = 6,
}

impl FeedbackChannel {
    /// Every channel, in code order (index `i` holds the channel with code `i`).
    pub const ALL: [FeedbackChannel; 7] = [
        FeedbackChannel::Till,
        FeedbackChannel::Web,
        FeedbackChannel::App,
        FeedbackChannel::Email,
        FeedbackChannel::Sms,
        FeedbackChannel::Phone,
        FeedbackChannel::Other,
    ];

    /// The channel's name: `"till"`, `"web"`, `"app"`, `"email"`, `"sms"`, `"phone"` or
    /// `"other"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FeedbackChannel::Till => "till",
            FeedbackChannel::Web => "web",
            FeedbackChannel::App => "app",
            FeedbackChannel::Email => "email",
            FeedbackChannel::Sms => "sms",
            FeedbackChannel::Phone => "phone",
            FeedbackChannel::Other => "other",
        }
    }

    /// The channel named `name` ([`FeedbackChannel::name`]), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<FeedbackChannel> {
        FeedbackChannel::ALL
            .into_iter()
            .find(|channel| channel.name() == name)
    }

    /// The channel's code, 0..=6 in declaration order.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The channel with code `code` ([`FeedbackChannel::code`]), if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<FeedbackChannel> {
        FeedbackChannel::ALL
            .into_iter()
            .find(|channel| channel.code() == code)
    }
}

impl fmt::Display for FeedbackChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One answer to the NPS question: the score, the customer's local day it was given on, and
/// the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Feedback {
    /// The score 0..=10.
    pub score: NpsScore,
    /// The local calendar day of the answer.
    pub day: Day,
    /// How it reached the shop.
    pub channel: FeedbackChannel,
}

impl Feedback {
    /// The group of the score.
    #[must_use]
    pub const fn group(&self) -> FeedbackGroup {
        self.score.group()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_groups() {
        // The NPS convention: 0–6 detractors, 7–8 passives, 9–10 promoters.
        let expected = [
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Detractor,
            FeedbackGroup::Passive,
            FeedbackGroup::Passive,
            FeedbackGroup::Promoter,
            FeedbackGroup::Promoter,
        ];
        for (score, group) in (0u8..).zip(expected) {
            let nps = NpsScore::new(score).unwrap();
            assert_eq!(nps.get(), score);
            assert_eq!(nps.group(), group, "score {score}");
            let (low, high) = group.scores();
            assert!(low <= nps && nps <= high);
        }
        for score in [11u8, 12, 100, 255] {
            assert_eq!(NpsScore::new(score), Err(ScoreOutOfRange));
        }
    }

    #[test]
    fn group_and_channel_names_and_codes() {
        let groups = [
            (FeedbackGroup::Detractor, "detractor", 0),
            (FeedbackGroup::Passive, "passive", 1),
            (FeedbackGroup::Promoter, "promoter", 2),
        ];
        assert_eq!(FeedbackGroup::ALL.len(), groups.len());
        for (group, name, code) in groups {
            assert_eq!(group.name(), name);
            assert_eq!(group.code(), code);
            assert_eq!(FeedbackGroup::from_name(name), Some(group));
            assert_eq!(FeedbackGroup::from_code(code), Some(group));
            assert_eq!(FeedbackGroup::ALL[usize::from(code)], group);
        }
        assert_eq!(FeedbackGroup::from_name("Promoter"), None);
        assert_eq!(FeedbackGroup::from_name("neutral"), None);
        assert_eq!(FeedbackGroup::from_code(3), None);

        let channels = [
            (FeedbackChannel::Till, "till"),
            (FeedbackChannel::Web, "web"),
            (FeedbackChannel::App, "app"),
            (FeedbackChannel::Email, "email"),
            (FeedbackChannel::Sms, "sms"),
            (FeedbackChannel::Phone, "phone"),
            (FeedbackChannel::Other, "other"),
        ];
        assert_eq!(FeedbackChannel::ALL.len(), channels.len());
        for ((channel, name), code) in channels.into_iter().zip(0u8..) {
            assert_eq!(channel.name(), name);
            assert_eq!(channel.code(), code);
            assert_eq!(FeedbackChannel::from_name(name), Some(channel));
            assert_eq!(FeedbackChannel::from_code(code), Some(channel));
        }
        assert_eq!(FeedbackChannel::from_code(7), None);
        assert_eq!(FeedbackChannel::from_name("post"), None);
    }

    #[test]
    fn serialized_forms() {
        // postcard: a score is its byte, a group and a channel their declaration index.
        let mut buf = [0u8; 16];
        let feedback = Feedback {
            score: NpsScore::new(3).unwrap(),
            day: Day::from_number(20_000).unwrap(),
            channel: FeedbackChannel::Email,
        };
        let bytes = postcard::to_slice(&feedback, &mut buf).unwrap();
        // 3; 20 000 zig-zag = 40 000 = 0xC0 0xB8 0x02 as a varint; Email = 3.
        assert_eq!(bytes, &[3, 0xC0, 0xB8, 0x02, 3]);
        assert_eq!(postcard::from_bytes::<Feedback>(bytes).unwrap(), feedback);
        assert!(postcard::from_bytes::<NpsScore>(&[11]).is_err());
        assert_eq!(
            postcard::from_bytes::<FeedbackGroup>(&[2]).unwrap(),
            FeedbackGroup::Promoter
        );
        assert!(postcard::from_bytes::<FeedbackGroup>(&[3]).is_err());
        // Text formats: names.
        assert_eq!(
            serde_json::to_string(&FeedbackGroup::Detractor).unwrap(),
            "\"detractor\""
        );
        assert_eq!(
            serde_json::from_str::<FeedbackChannel>("\"sms\"").unwrap(),
            FeedbackChannel::Sms
        );
        assert!(serde_json::from_str::<NpsScore>("11").is_err());
        assert_eq!(serde_json::from_str::<NpsScore>("10").unwrap().get(), 10);
    }
}
