//! Every lab in labs/ lints clean and passes its offline self-test: the broken fixture fails
//! every scored check, solved and also-correct fixtures pass every check, and every bypass
//! fixture fails at least one check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cks_tests::repo_root;

#[test]
fn every_lab_lints_clean() {
    let labs = repo_root().join("labs");
    let dirs = cks_labs::discover(&labs);
    assert!(
        dirs.len() >= 3,
        "expected at least 3 labs in {}",
        labs.display()
    );
    let mut report = Vec::new();
    for dir in &dirs {
        if let Err(problems) = cks_labs::load(dir) {
            report.extend(problems.iter().map(ToString::to_string));
        }
    }
    assert!(report.is_empty(), "lint problems:\n{}", report.join("\n"));
}

#[test]
fn every_lab_passes_its_self_test() {
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let mut fixtures = 0;
    for dir in cks_labs::discover(&repo_root().join("labs")) {
        let loaded = cks_labs::load(&dir)
            .unwrap_or_else(|p| panic!("{} does not load: {p:?}", dir.display()));
        let result = cks_labs::selftest::self_test(&loaded);
        assert!(
            result.fixtures.len() >= 2,
            "{} needs broken and solved fixtures",
            loaded.lab.id
        );
        fixtures += result.fixtures.len();
        for f in &result.fixtures {
            for failure in &f.failures {
                failures.push(format!(
                    "{} {} {}: {failure}",
                    loaded.lab.id,
                    f.kind.as_str(),
                    f.path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "self-test failures:\n{}",
        failures.join("\n")
    );
    eprintln!("self-tested {fixtures} fixtures in {:?}", started.elapsed());
}
