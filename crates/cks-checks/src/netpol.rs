//! A NetworkPolicy evaluator: may traffic flow from a source to a destination on a port?
//!
//! Semantics follow the Kubernetes definition (kubernetes.io/docs/concepts/services-networking/
//! network-policies), not any one CNI's extensions:
//! - A pod is isolated for ingress when any policy in its namespace selects it and has `Ingress`
//!   in its policy types (always, when `policyTypes` is absent); isolated for egress when a
//!   selecting policy has `Egress` in its policy types (when absent: only if it has egress rules).
//! - An isolated direction allows exactly the union of the rules of every policy that selects the
//!   pod for that direction. A flow happens only when the source's egress AND the destination's
//!   ingress both allow it.
//! - Within one peer, `namespaceSelector` and `podSelector` are ANDed; peers in a list are ORed; a
//!   rule with no peers matches every peer, a rule with no ports every port.
//! - Named ports resolve against the destination pod's container ports (with protocol);
//!   `endPort` widens a numeric port to a range; the protocol defaults to TCP.
//! - `ipBlock` matches IP endpoints and, where the snapshot records one, a pod's `status.podIP`
//!   (Kubernetes leaves pod-IP matching to the CNI; matching it is the stricter reading for
//!   "deny" rows, since an allow-everything `0.0.0.0/0` rule then opens pod traffic too).
//! - Pods that take no traffic are left out: phase Succeeded or Failed, or terminating.
//! - Namespaces carry the automatic `kubernetes.io/metadata.name` label (Kubernetes ≥ 1.21) even
//!   when the snapshot's Namespace object predates it.
//!
//! Everything here is pure and never panics; malformed policies are reported, not guessed at.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value as Json;

/// The automatic namespace-name label.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

type Labels = BTreeMap<String, String>;

/// A Kubernetes label selector (`matchLabels` + `matchExpressions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    match_labels: Option<Labels>,
    #[serde(default)]
    match_expressions: Option<Vec<Requirement>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Requirement {
    key: String,
    operator: String,
    #[serde(default)]
    values: Option<Vec<String>>,
}

impl LabelSelector {
    /// Does the selector match these labels? An empty selector matches everything.
    pub fn matches(&self, labels: &Labels) -> bool {
        let labels_ok = self
            .match_labels
            .iter()
            .flatten()
            .all(|(k, v)| labels.get(k) == Some(v));
        labels_ok
            && self.match_expressions.iter().flatten().all(|r| {
                let values = r.values.as_deref().unwrap_or_default();
                match r.operator.as_str() {
                    "In" => labels.get(&r.key).is_some_and(|v| values.contains(v)),
                    "NotIn" => labels.get(&r.key).is_none_or(|v| !values.contains(v)),
                    "Exists" => labels.contains_key(&r.key),
                    "DoesNotExist" => !labels.contains_key(&r.key),
                    // validate() rejects anything else before evaluation
                    _ => false,
                }
            })
    }

    fn validate(&self, at: &str, problems: &mut Vec<String>) {
        for (i, r) in self.match_expressions.iter().flatten().enumerate() {
            let n = r.values.as_ref().map_or(0, Vec::len);
            match r.operator.as_str() {
                "In" | "NotIn" if n == 0 => problems.push(format!(
                    "{at}.matchExpressions[{i}]: operator {} needs values",
                    r.operator
                )),
                "Exists" | "DoesNotExist" if n > 0 => problems.push(format!(
                    "{at}.matchExpressions[{i}]: operator {} takes no values",
                    r.operator
                )),
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => problems.push(format!(
                    "{at}.matchExpressions[{i}]: unknown operator {other:?} (In, NotIn, Exists, DoesNotExist)"
                )),
            }
        }
    }
}

/// A namespace's labels with the automatic `kubernetes.io/metadata.name` label, which
/// Kubernetes ≥ 1.21 sets and older snapshots may lack.
pub(crate) fn with_name_label(mut labels: Labels, namespace: &str) -> Labels {
    labels
        .entry(NAMESPACE_NAME_LABEL.to_owned())
        .or_insert_with(|| namespace.to_owned());
    labels
}

/// An IPv4 or IPv6 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a CIDR (expected address/prefix)"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?}: {addr:?} is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("{text:?}: prefix must be 0..={max}"))?;
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
            let full = usize::from(bits / 8);
            let rest = bits % 8;
            if a[..full] != b[..full] {
                return false;
            }
            if rest == 0 {
                return true;
            }
            let mask = 0xffu8 << (8 - rest);
            (a[full] & mask) == (b[full] & mask)
        }
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum IntOrString {
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPort {
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    port: Option<IntOrString>,
    #[serde(default)]
    end_port: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIpBlock {
    cidr: String,
    #[serde(default)]
    except: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPeer {
    #[serde(default)]
    pod_selector: Option<LabelSelector>,
    #[serde(default)]
    namespace_selector: Option<LabelSelector>,
    #[serde(default)]
    ip_block: Option<RawIpBlock>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    #[serde(default, alias = "to")]
    from: Option<Vec<RawPeer>>,
    #[serde(default)]
    ports: Option<Vec<RawPort>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    #[serde(default)]
    pod_selector: Option<LabelSelector>,
    #[serde(default)]
    ingress: Option<Vec<RawRule>>,
    #[serde(default)]
    egress: Option<Vec<RawRule>>,
    #[serde(default)]
    policy_types: Option<Vec<String>>,
}

/// Transport protocols a NetworkPolicy port names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn parse(text: &str) -> Option<Protocol> {
        match text {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

#[derive(Debug, Clone)]
enum PortMatch {
    Any,
    Range(u16, u16),
    Named(String),
}

#[derive(Debug, Clone)]
struct Port {
    protocol: Protocol,
    port: PortMatch,
}

#[derive(Debug, Clone)]
struct IpBlock {
    cidr: Cidr,
    except: Vec<Cidr>,
}

impl IpBlock {
    fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(ip) && !self.except.iter().any(|e| e.contains(ip))
    }
}

#[derive(Debug, Clone)]
enum Peer {
    Selectors {
        pods: Option<LabelSelector>,
        namespaces: Option<LabelSelector>,
    },
    IpBlock(IpBlock),
}

#[derive(Debug, Clone)]
struct Rule {
    /// `None`: every peer.
    peers: Option<Vec<Peer>>,
    /// `None`: every port.
    ports: Option<Vec<Port>>,
}

/// One NetworkPolicy, parsed and validated.
#[derive(Debug, Clone)]
pub struct Policy {
    pub namespace: String,
    pub name: String,
    pod_selector: LabelSelector,
    /// `Some` when the policy isolates ingress (the rules, possibly none).
    ingress: Option<Vec<Rule>>,
    /// `Some` when the policy isolates egress.
    egress: Option<Vec<Rule>>,
}

impl Policy {
    /// `namespace/name`, for messages.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Parse a NetworkPolicy object; every problem is listed.
    pub fn from_object(object: &Json) -> Result<Policy, Vec<String>> {
        let meta = object.get("metadata");
        let text = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (namespace, name) = (text("namespace"), text("name"));
        let raw: RawSpec = match object.get("spec") {
            None => return Err(vec!["spec is missing".into()]),
            Some(spec) => serde_json::from_value(spec.clone())
                .map_err(|e| vec![format!("spec could not be read: {e}")])?,
        };
        let mut problems = Vec::new();
        let pod_selector = raw.pod_selector.unwrap_or_default();
        pod_selector.validate("spec.podSelector", &mut problems);
        let types = raw.policy_types.clone();
        if let Some(types) = &types {
            for t in types {
                if t != "Ingress" && t != "Egress" {
                    problems.push(format!(
                        "spec.policyTypes: unknown type {t:?} (Ingress, Egress)"
                    ));
                }
            }
        }
        let has = |t: &str| types.as_ref().is_some_and(|ts| ts.iter().any(|x| x == t));
        let isolates_ingress = types.is_none() || has("Ingress");
        let isolates_egress = match &types {
            Some(_) => has("Egress"),
            None => raw.egress.as_ref().is_some_and(|e| !e.is_empty()),
        };
        let ingress = raw
            .ingress
            .as_deref()
            .map(|r| rules(r, "spec.ingress", "from", &mut problems))
            .unwrap_or_default();
        let egress = raw
            .egress
            .as_deref()
            .map(|r| rules(r, "spec.egress", "to", &mut problems))
            .unwrap_or_default();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Policy {
            namespace,
            name,
            pod_selector,
            ingress: isolates_ingress.then_some(ingress),
            egress: isolates_egress.then_some(egress),
        })
    }
}

fn rules(raw: &[RawRule], at: &str, peers_key: &str, problems: &mut Vec<String>) -> Vec<Rule> {
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("{at}[{i}]");
            let peers = r.from.as_ref().filter(|p| !p.is_empty()).map(|peers| {
                peers
                    .iter()
                    .enumerate()
                    .filter_map(|(j, p)| peer(p, &format!("{at}.{peers_key}[{j}]"), problems))
                    .collect()
            });
            let ports = r.ports.as_ref().filter(|p| !p.is_empty()).map(|ports| {
                ports
                    .iter()
                    .enumerate()
                    .filter_map(|(j, p)| port(p, &format!("{at}.ports[{j}]"), problems))
                    .collect()
            });
            Rule { peers, ports }
        })
        .collect()
}

fn peer(raw: &RawPeer, at: &str, problems: &mut Vec<String>) -> Option<Peer> {
    if let Some(block) = &raw.ip_block {
        if raw.pod_selector.is_some() || raw.namespace_selector.is_some() {
            problems.push(format!(
                "{at}: ipBlock cannot be combined with podSelector or namespaceSelector"
            ));
            return None;
        }
        let cidr = Cidr::parse(&block.cidr)
            .map_err(|e| problems.push(format!("{at}.ipBlock.cidr: {e}")))
            .ok()?;
        let mut except = Vec::new();
        for (k, e) in block.except.iter().flatten().enumerate() {
            match Cidr::parse(e) {
                Ok(c) => except.push(c),
                Err(e) => problems.push(format!("{at}.ipBlock.except[{k}]: {e}")),
            }
        }
        return Some(Peer::IpBlock(IpBlock { cidr, except }));
    }
    if raw.pod_selector.is_none() && raw.namespace_selector.is_none() {
        problems.push(format!(
            "{at}: a peer needs podSelector, namespaceSelector or ipBlock"
        ));
        return None;
    }
    if let Some(s) = &raw.pod_selector {
        s.validate(&format!("{at}.podSelector"), problems);
    }
    if let Some(s) = &raw.namespace_selector {
        s.validate(&format!("{at}.namespaceSelector"), problems);
    }
    Some(Peer::Selectors {
        pods: raw.pod_selector.clone(),
        namespaces: raw.namespace_selector.clone(),
    })
}

fn port(raw: &RawPort, at: &str, problems: &mut Vec<String>) -> Option<Port> {
    let protocol = match raw.protocol.as_deref() {
        None => Protocol::Tcp,
        Some(p) => match Protocol::parse(p) {
            Some(p) => p,
            None => {
                problems.push(format!("{at}.protocol: {p:?} is not TCP, UDP or SCTP"));
                return None;
            }
        },
    };
    let valid = |n: i64| u16::try_from(n).ok().filter(|p| *p >= 1);
    let port = match (&raw.port, raw.end_port) {
        (None, None) => PortMatch::Any,
        (None, Some(_)) => {
            problems.push(format!("{at}.endPort: needs a numeric port"));
            return None;
        }
        (Some(IntOrString::Str(name)), None) => PortMatch::Named(name.clone()),
        (Some(IntOrString::Str(_)), Some(_)) => {
            problems.push(format!("{at}.endPort: cannot be used with a named port"));
            return None;
        }
        (Some(IntOrString::Int(p)), end) => {
            let Some(start) = valid(*p) else {
                problems.push(format!("{at}.port: {p} is not a port (1-65535)"));
                return None;
            };
            let end = match end {
                None => start,
                Some(e) => match valid(e).filter(|e| *e >= start) {
                    Some(e) => e,
                    None => {
                        problems.push(format!(
                            "{at}.endPort: {e} must be a port no lower than port {start}"
                        ));
                        return None;
                    }
                },
            };
            PortMatch::Range(start, end)
        }
    };
    Some(Port { protocol, port })
}

/// A pod as the evaluator sees it.
#[derive(Debug, Clone)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub ip: Option<IpAddr>,
    /// (name, port, protocol) of every named container port.
    named_ports: Vec<(String, u16, Protocol)>,
}

impl Pod {
    /// Read a Pod object. `None` for pods that take no traffic (Succeeded, Failed) and for
    /// objects that are not pods.
    pub fn from_object(object: &Json) -> Option<Pod> {
        if object.get("kind").and_then(Json::as_str) != Some("Pod") {
            return None;
        }
        let status = object.get("status");
        let phase = status
            .and_then(|s| s.get("phase"))
            .and_then(Json::as_str)
            .unwrap_or_default();
        if phase == "Succeeded" || phase == "Failed" {
            return None;
        }
        let meta = object.get("metadata")?;
        // A terminating pod is on its way out (and may linger for its grace period).
        if meta.get("deletionTimestamp").is_some_and(|t| !t.is_null()) {
            return None;
        }
        let spec = object.get("spec");
        let mut named_ports = Vec::new();
        for key in ["containers", "initContainers"] {
            for c in spec
                .and_then(|s| s.get(key))
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                for p in c
                    .get("ports")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = p.get("name").and_then(Json::as_str);
                    let number = p
                        .get("containerPort")
                        .and_then(Json::as_i64)
                        .and_then(|n| u16::try_from(n).ok());
                    let protocol = p
                        .get("protocol")
                        .and_then(Json::as_str)
                        .map_or(Some(Protocol::Tcp), Protocol::parse);
                    if let (Some(name), Some(number), Some(protocol)) = (name, number, protocol) {
                        named_ports.push((name.to_owned(), number, protocol));
                    }
                }
            }
        }
        Some(Pod {
            namespace: meta.get("namespace")?.as_str()?.to_owned(),
            name: meta.get("name")?.as_str()?.to_owned(),
            labels: labels_of(meta),
            ip: status
                .and_then(|s| s.get("podIP"))
                .and_then(Json::as_str)
                .and_then(|ip| ip.parse().ok()),
            named_ports,
        })
    }

    /// The number a named port has on this pod, for a protocol.
    pub fn resolve_port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        self.named_ports
            .iter()
            .find(|(n, _, p)| n == name && *p == protocol)
            .map(|(_, number, _)| *number)
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn labels_of(meta: &Json) -> Labels {
    meta.get("labels")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// One end of a flow.
#[derive(Debug, Clone, Copy)]
pub enum Endpoint<'p> {
    Pod(&'p Pod),
    /// An address outside the pod network (a client, the metadata service, the internet).
    Ip(IpAddr),
}

impl Endpoint<'_> {
    fn ip(&self) -> Option<IpAddr> {
        match self {
            Endpoint::Pod(p) => p.ip,
            Endpoint::Ip(ip) => Some(*ip),
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Pod(p) => format!("pod {}", p.id()),
            Endpoint::Ip(ip) => ip.to_string(),
        }
    }
}

/// What one direction (the source's egress or the destination's ingress) says about a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideVerdict {
    /// The endpoint is not a pod (an IP), so this side has no policy.
    NotApplicable,
    /// No policy isolates the pod in this direction: everything is allowed.
    NotIsolated,
    /// Isolated, and these policies (namespace/name) have a rule that allows the flow.
    AllowedBy(Vec<String>),
    /// Isolated by these policies, and no rule of any of them allows the flow.
    Denied { isolated_by: Vec<String> },
}

impl SideVerdict {
    pub fn allows(&self) -> bool {
        !matches!(self, SideVerdict::Denied { .. })
    }
}

/// The decision for one flow, with both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowVerdict {
    pub egress: SideVerdict,
    pub ingress: SideVerdict,
}

impl FlowVerdict {
    pub fn allowed(&self) -> bool {
        self.egress.allows() && self.ingress.allows()
    }

    /// Why: one sentence naming the policies that decided.
    pub fn explain(&self, from: &Endpoint<'_>, to: &Endpoint<'_>) -> String {
        fn side(v: &SideVerdict, what: &str) -> Option<String> {
            match v {
                SideVerdict::NotApplicable => None,
                SideVerdict::NotIsolated => Some(format!("{what} is not isolated by any policy")),
                SideVerdict::AllowedBy(by) => {
                    Some(format!("{what} is allowed by {}", by.join(", ")))
                }
                SideVerdict::Denied { isolated_by } => Some(format!(
                    "{what} is isolated by {} and no rule allows this flow",
                    isolated_by.join(", ")
                )),
            }
        }
        let parts: Vec<String> = [
            side(&self.egress, &format!("egress of {}", from.describe())),
            side(&self.ingress, &format!("ingress of {}", to.describe())),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join("; ")
    }
}

/// The port of a flow: a number, or a name resolved against the destination pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowPort {
    Number(u16),
    Name(String),
}

/// Policies, pods and namespace labels of a snapshot, indexed for evaluating many flows.
#[derive(Debug, Clone, Default)]
pub struct NetpolIndex {
    pub policies: Vec<Policy>,
    pub pods: Vec<Pod>,
    namespaces: BTreeMap<String, Labels>,
    /// Problems with individual policies: (`namespace/name`, problem).
    pub problems: Vec<(String, String)>,
    /// Per namespace, the policy indices in it.
    by_namespace: BTreeMap<String, Vec<usize>>,
}

impl NetpolIndex {
    /// Index every Pod, Namespace and NetworkPolicy among `objects`.
    pub fn new(objects: &[Json]) -> NetpolIndex {
        let mut index = NetpolIndex::default();
        for object in objects {
            match object.get("kind").and_then(Json::as_str) {
                Some("Pod") => index.pods.extend(Pod::from_object(object)),
                Some("Namespace") => {
                    let Some(meta) = object.get("metadata") else {
                        continue;
                    };
                    if let Some(name) = meta.get("name").and_then(Json::as_str) {
                        index.namespaces.insert(name.to_owned(), labels_of(meta));
                    }
                }
                Some("NetworkPolicy") => match Policy::from_object(object) {
                    Ok(p) => {
                        index
                            .by_namespace
                            .entry(p.namespace.clone())
                            .or_default()
                            .push(index.policies.len());
                        index.policies.push(p);
                    }
                    Err(problems) => {
                        let id = crate::snapshot::ObjectRef::of(object).to_string();
                        index
                            .problems
                            .extend(problems.into_iter().map(|p| (id.clone(), p)));
                    }
                },
                _ => {}
            }
        }
        index
    }

    /// Labels of a namespace, with the automatic name label.
    fn namespace_labels(&self, namespace: &str) -> Labels {
        with_name_label(
            self.namespaces.get(namespace).cloned().unwrap_or_default(),
            namespace,
        )
    }

    fn selecting(&self, pod: &Pod) -> impl Iterator<Item = &Policy> {
        self.by_namespace
            .get(&pod.namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.policies[i])
            .filter(move |p| p.pod_selector.matches(&pod.labels))
    }

    fn peer_matches(&self, peer: &Peer, policy_namespace: &str, other: &Endpoint<'_>) -> bool {
        match peer {
            Peer::IpBlock(block) => other.ip().is_some_and(|ip| block.contains(ip)),
            Peer::Selectors { pods, namespaces } => {
                let Endpoint::Pod(pod) = other else {
                    return false;
                };
                let namespace_ok = match namespaces {
                    None => pod.namespace == policy_namespace,
                    Some(sel) => sel.matches(&self.namespace_labels(&pod.namespace)),
                };
                namespace_ok && pods.as_ref().is_none_or(|sel| sel.matches(&pod.labels))
            }
        }
    }

    fn rule_allows(
        &self,
        rule: &Rule,
        policy_namespace: &str,
        other: &Endpoint<'_>,
        destination: &Endpoint<'_>,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        let peer_ok = rule.peers.as_ref().is_none_or(|peers| {
            peers
                .iter()
                .any(|p| self.peer_matches(p, policy_namespace, other))
        });
        peer_ok
            && rule.ports.as_ref().is_none_or(|ports| {
                ports.iter().any(|p| {
                    p.protocol == protocol
                        && match &p.port {
                            PortMatch::Any => true,
                            PortMatch::Range(start, end) => (*start..=*end).contains(&port),
                            PortMatch::Named(name) => match destination {
                                Endpoint::Pod(d) => d.resolve_port(name, protocol) == Some(port),
                                Endpoint::Ip(_) => false,
                            },
                        }
                })
            })
    }

    fn side(
        &self,
        pod: &Pod,
        egress: bool,
        other: &Endpoint<'_>,
        destination: &Endpoint<'_>,
        port: u16,
        protocol: Protocol,
    ) -> SideVerdict {
        let mut isolated_by = Vec::new();
        let mut allowed_by = Vec::new();
        for policy in self.selecting(pod) {
            let rules = if egress {
                &policy.egress
            } else {
                &policy.ingress
            };
            let Some(rules) = rules else { continue };
            isolated_by.push(policy.id());
            if rules
                .iter()
                .any(|r| self.rule_allows(r, &policy.namespace, other, destination, port, protocol))
            {
                allowed_by.push(policy.id());
            }
        }
        if isolated_by.is_empty() {
            SideVerdict::NotIsolated
        } else if allowed_by.is_empty() {
            SideVerdict::Denied { isolated_by }
        } else {
            SideVerdict::AllowedBy(allowed_by)
        }
    }

    /// Decide one flow on a resolved port number.
    pub fn evaluate(
        &self,
        from: &Endpoint<'_>,
        to: &Endpoint<'_>,
        port: u16,
        protocol: Protocol,
    ) -> FlowVerdict {
        let egress = match from {
            Endpoint::Pod(src) => self.side(src, true, to, to, port, protocol),
            Endpoint::Ip(_) => SideVerdict::NotApplicable,
        };
        let ingress = match to {
            Endpoint::Pod(dst) => self.side(dst, false, from, to, port, protocol),
            Endpoint::Ip(_) => SideVerdict::NotApplicable,
        };
        FlowVerdict { egress, ingress }
    }

    /// Resolve a flow's port against the destination; `None` when a named port does not exist
    /// there (or the destination is an IP).
    pub fn resolve(port: &FlowPort, to: &Endpoint<'_>, protocol: Protocol) -> Option<u16> {
        match (port, to) {
            (FlowPort::Number(n), _) => Some(*n),
            (FlowPort::Name(name), Endpoint::Pod(p)) => p.resolve_port(name, protocol),
            (FlowPort::Name(_), Endpoint::Ip(_)) => None,
        }
    }

    /// Pods matching a query: namespace, optional name, labels all equal.
    pub fn pods_matching<'s>(
        &'s self,
        namespace: &'s str,
        name: Option<&'s str>,
        labels: &'s BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'s Pod> + 's {
        self.pods.iter().filter(move |p| {
            p.namespace == namespace
                && name.is_none_or(|n| p.name == n)
                && labels.iter().all(|(k, v)| p.labels.get(k) == Some(v))
        })
    }
}
