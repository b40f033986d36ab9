//! Outcomes: what grading one check produced, with enough detail to teach.

use serde::{Deserialize, Serialize};

use crate::snapshot::ObjectRef;

/// Pass, fail, or error (the check could not be evaluated: missing input, bad data). An error is
/// never a pass and scores nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pass" => Ok(Status::Pass),
            "fail" => Ok(Status::Fail),
            "error" => Ok(Status::Error),
            other => Err(format!("unknown status `{other}`")),
        }
    }
}

/// One concrete problem: which object/container/file, what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub object: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub container: Option<String>,
    /// `node:path` for node files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub file: Option<String>,
    /// A short name for the rule that failed (PSA check id, flag name, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub found: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(message: impl Into<String>) -> Self {
        Finding {
            message: message.into(),
            ..Default::default()
        }
    }
    pub fn object(mut self, object: ObjectRef) -> Self {
        self.object = Some(object);
        self
    }
    pub fn container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }
    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }
    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut wrote = false;
        if let Some(object) = &self.object {
            write!(f, "{object}")?;
            wrote = true;
        }
        if let Some(container) = &self.container {
            write!(f, "{}container {container}", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if let Some(file) = &self.file {
            write!(f, "{}{file}", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        write!(f, "{}{}", if wrote { ": " } else { "" }, self.message)?;
        if let Some(rule) = &self.rule {
            write!(f, " [{rule}]")?;
        }
        match (&self.expected, &self.found) {
            (Some(e), Some(x)) => write!(f, " (expected {e}, found {x})"),
            (Some(e), None) => write!(f, " (expected {e})"),
            (None, Some(x)) => write!(f, " (found {x})"),
            (None, None) => Ok(()),
        }
    }
}

/// The graded result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub check_id: String,
    pub status: Status,
    pub points_awarded: u32,
    pub points_possible: u32,
    /// One-line summary.
    pub message: String,
    /// Every concrete problem (empty on pass).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Finding>>", optional))]
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub doc: Option<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.status == Status::Pass
    }
}

/// Totals over a set of outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub awarded: u32,
    pub possible: u32,
    /// Every check passed, guard checks (0 points) included.
    pub passed: bool,
    /// A guard check (0 points) failed: the attempt does not count and scores 0.
    pub guard_failed: bool,
}

impl Score {
    pub fn of(outcomes: &[Outcome]) -> Score {
        let guard_failed = outcomes
            .iter()
            .any(|o| o.points_possible == 0 && !o.passed());
        Score {
            awarded: if guard_failed {
                0
            } else {
                outcomes.iter().map(|o| o.points_awarded).sum()
            },
            possible: outcomes.iter().map(|o| o.points_possible).sum(),
            passed: !outcomes.is_empty() && outcomes.iter().all(Outcome::passed),
            guard_failed,
        }
    }
}
