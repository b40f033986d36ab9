//! The CKS curriculum as data — six domains with weights and 26 competencies with stable ids —
//! and the lessons that teach it (markdown with front matter, rendered to sanitized HTML or
//! terminal text, searchable).
//!
//! The curriculum is compiled in from `content/curriculum.yaml`, so every binary agrees on the
//! ids that labs, lessons and progress use. Lessons are read from `content/lessons/`.

pub mod lessons;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One competency, e.g. `mv.pod-security-standards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Competency {
    pub id: String,
    pub title: String,
}

/// One domain with its exam weight in percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub id: String,
    pub title: String,
    pub weight: u32,
    pub competencies: Vec<Competency>,
}

/// The whole curriculum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Curriculum {
    pub version: String,
    pub domains: Vec<Domain>,
}

const CURRICULUM_YAML: &str = include_str!("../../../content/curriculum.yaml");

/// The compiled-in curriculum.
pub fn curriculum() -> &'static Curriculum {
    static CURRICULUM: OnceLock<Curriculum> = OnceLock::new();
    CURRICULUM.get_or_init(|| match serde_saphyr::from_str(CURRICULUM_YAML) {
        Ok(c) => c,
        // The file is part of the source tree and checked by a unit test; a broken copy is a
        // build defect, not user input.
        Err(e) => panic!("content/curriculum.yaml is invalid: {e}"),
    })
}

impl Curriculum {
    /// Find a competency and its domain by id.
    pub fn competency(&self, id: &str) -> Option<(&Domain, &Competency)> {
        self.domains
            .iter()
            .find_map(|d| d.competencies.iter().find(|c| c.id == id).map(|c| (d, c)))
    }

    /// Find a domain by id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    /// Every competency id, in curriculum order.
    pub fn competency_ids(&self) -> impl Iterator<Item = &str> {
        self.domains
            .iter()
            .flat_map(|d| d.competencies.iter().map(|c| c.id.as_str()))
    }

    /// The ids closest to a mistyped one (for "did you mean" hints).
    pub fn suggest(&self, wrong: &str) -> Option<&str> {
        self.competency_ids()
            .min_by_key(|id| edit_distance(id, wrong))
            .filter(|id| edit_distance(id, wrong) <= 4)
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_domains_twenty_six_competencies_weights_sum_to_100() {
        let c = curriculum();
        assert_eq!(c.domains.len(), 6);
        assert_eq!(c.competency_ids().count(), 26);
        assert_eq!(c.domains.iter().map(|d| d.weight).sum::<u32>(), 100);
        let (domain, comp) = c.competency("mv.pod-security-standards").unwrap();
        assert_eq!(domain.id, "microservice-vulnerabilities");
        assert!(comp.title.contains("pod security standards"));
    }

    #[test]
    fn ids_are_unique_and_prefixed_by_domain() {
        let c = curriculum();
        let mut seen = std::collections::HashSet::new();
        for d in &c.domains {
            let prefix = d.competencies[0].id.split('.').next().unwrap();
            for comp in &d.competencies {
                assert!(seen.insert(comp.id.clone()), "duplicate {}", comp.id);
                assert_eq!(
                    comp.id.split('.').next(),
                    Some(prefix),
                    "{} breaks its domain's prefix",
                    comp.id
                );
            }
        }
    }

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(curriculum().suggest("ch.rbca"), Some("ch.rbac"));
        assert_eq!(curriculum().suggest("completely-different-thing"), None);
    }
}
