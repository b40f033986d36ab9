//! Benchmark: Pod Security (baseline + restricted, i.e. all 17 controls) and 10 CEL rules over
//! the 10,000 pods of ../shared/bench (`gen_pods.py OUT`), streamed one pod at a time through
//! the same engine API labs use (`CompiledChecks::grade`). Prints per-check failing-pod counts
//! in the kit's naming (compare with `expected.json`) and the time.
//!
//! Usage: cargo run --release -p cks-checks --example pod_bench -- PODS_JSON [EXPECTED_JSON]

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use cks_checks::{CheckSpec, CompiledChecks, Snapshot, Status};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value as Json, json};

const CONTAINERS: &str = "object.spec.?containers.orValue([]) + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])";

fn rules() -> Vec<(&'static str, String)> {
    vec![
        ("R01_imageTag", "variables.cs.all(c, !c.image.endsWith(':latest') && (c.image.contains('@') || c.image.substring(c.image.lastIndexOf('/') + 1).contains(':')))".into()),
        ("R02_limits", "(object.spec.?containers.orValue([]) + object.spec.?initContainers.orValue([])).all(c, 'cpu' in c.?resources.?limits.orValue({}) && 'memory' in c.?resources.?limits.orValue({}))".into()),
        ("R03_readOnlyRootFs", "variables.cs.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false) == true)".into()),
        ("R04_runAsNonRoot", "variables.cs.all(c, c.?securityContext.?runAsNonRoot.orValue(object.spec.?securityContext.?runAsNonRoot.orValue(false)) == true)".into()),
        ("R05_automountToken", "object.spec.?automountServiceAccountToken.orValue(true) == false".into()),
        ("R06_noHostPath", "!object.spec.?volumes.orValue([]).exists(v, has(v.hostPath))".into()),
        ("R07_noSecretEnv", "!variables.cs.exists(c, c.?env.orValue([]).exists(e, has(e.value) && ['PASSWORD', 'SECRET', 'TOKEN', 'API_KEY', 'APIKEY'].exists(w, e.name.upperAscii().contains(w))))".into()),
        ("R08_noPrivEsc", "variables.cs.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)".into()),
        ("R09_dropAll", "variables.cs.all(c, 'ALL' in c.?securityContext.?capabilities.?drop.orValue([]))".into()),
        ("R10_seccompSet", "object.spec.?securityContext.?seccompProfile.hasValue() || variables.cs.all(c, c.?securityContext.?seccompProfile.hasValue())".into()),
    ]
}

/// PSA check id → the kit's control name.
fn control(check: &str) -> Option<&'static str> {
    Some(match check {
        "windowsHostProcess" => "P01_hostProcess",
        "hostNamespaces" => "P02_hostNamespaces",
        "privileged" => "P03_privileged",
        "capabilities_baseline" => "P04_capabilitiesBaseline",
        "hostPathVolumes" => "P05_hostPathVolumes",
        "hostPorts" => "P06_hostPorts",
        "appArmorProfile" => "P07_appArmor",
        "seLinuxOptions" => "P08_seLinux",
        "procMount" => "P09_procMount",
        "seccompProfile_baseline" => "P10_seccompBaseline",
        "sysctls" => "P11_sysctls",
        "restrictedVolumes" => "P12_volumeTypes",
        "allowPrivilegeEscalation" => "P13_allowPrivilegeEscalation",
        "runAsNonRoot" => "P14_runAsNonRoot",
        "runAsUser" => "P15_runAsUser",
        "seccompProfile_restricted" => "P16_seccompRestricted",
        "capabilities_restricted" => "P17_capabilitiesRestricted",
        _ => return None,
    })
}

/// Calls `f` for each element of the top-level `items` array without holding the whole List.
struct Items<F>(F);

impl<'de, F: FnMut(Json)> Visitor<'de> for Items<F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a v1 List")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                map.next_value_seed(ItemsSeq(&mut self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ItemsSeq<'a, F>(&'a mut F);

impl<'de, F: FnMut(Json)> DeserializeSeed<'de> for ItemsSeq<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Json)> Visitor<'de> for ItemsSeq<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Json>()? {
            (self.0)(item);
        }
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: pod_bench PODS_JSON [EXPECTED_JSON]");
        std::process::exit(2);
    };
    let only = std::env::var("POD_BENCH_ONLY").unwrap_or_default();
    let mut specs: Vec<CheckSpec> = vec![
        serde_json::from_value(json!({"id": "pss-baseline", "pss": {"level": "baseline", "select": {"kind": "Pod"}}})).unwrap(),
        serde_json::from_value(json!({"id": "pss-restricted", "pss": {"level": "restricted", "select": {"kind": "Pod"}}})).unwrap(),
    ];
    if only == "pss" {
        specs.truncate(2);
    }
    if only == "cel" {
        specs.clear();
    }
    for (id, expr) in rules().into_iter().filter(|_| only != "pss") {
        specs.push(
            serde_json::from_value(json!({"id": id, "object": {"select": {"kind": "Pod"}, "variables": [{"name": "cs", "expression": CONTAINERS}], "expr": expr}}))
                .unwrap(),
        );
    }
    let compiled = CompiledChecks::compile(&specs).unwrap_or_else(|p| panic!("{p:?}"));
    let started = Instant::now();
    let file = std::fs::File::open(path).expect("pods.json");
    let mut reader =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let (mut pods, mut errors) = (0u64, 0u64);
    let mut snapshot = Snapshot::default();
    serde::Deserializer::deserialize_map(
        &mut reader,
        Items(|pod: Json| {
            pods += 1;
            snapshot.objects.clear();
            snapshot.objects.push(pod);
            // A control violated at both levels counts once per pod.
            let mut controls = std::collections::BTreeSet::new();
            for outcome in compiled.grade(&snapshot) {
                match (outcome.status, outcome.check_id.as_str()) {
                    (Status::Error, _) => errors += 1,
                    (Status::Fail, "pss-baseline" | "pss-restricted") => {
                        controls.extend(
                            outcome
                                .findings
                                .iter()
                                .filter_map(|f| f.rule.as_deref().and_then(control)),
                        );
                    }
                    (Status::Fail, rule) => *counts.entry(rule.to_owned()).or_default() += 1,
                    _ => {}
                }
            }
            for c in controls {
                *counts.entry(c.to_owned()).or_default() += 1;
            }
        }),
    )
    .expect("a v1 List of pods");
    let elapsed = started.elapsed();
    println!(
        "pods {pods}, evaluation errors {errors}, {:.3} s ({:.0} pods/s)",
        elapsed.as_secs_f64(),
        pods as f64 / elapsed.as_secs_f64()
    );
    let expected: Option<Json> = args.get(2).map(|p| {
        serde_json::from_str(&std::fs::read_to_string(p).expect("expected.json")).expect("json")
    });
    let mut mismatches = 0;
    // P04/P05/P10 come from the baseline run, which restricted overrides; count each once.
    for (name, n) in &counts {
        let want = expected.as_ref().and_then(|e| e["counts"][name].as_u64());
        let mark = match want {
            Some(w) if w == *n => "ok".to_string(),
            Some(w) => {
                mismatches += 1;
                format!("MISMATCH expected {w}")
            }
            None => String::new(),
        };
        println!("  {name:<32} {n:>6} {mark}");
    }
    if let Some(e) = &expected {
        for (name, want) in e["counts"].as_object().into_iter().flatten() {
            if !counts.contains_key(name) && want.as_u64() != Some(0) {
                mismatches += 1;
                println!("  {name:<32} {:>6} MISMATCH expected {want}", 0);
            }
        }
        println!(
            "{}",
            if mismatches == 0 {
                "all counts match expected.json"
            } else {
                "counts differ from expected.json"
            }
        );
    }
}
