//! A Dockerfile model for grading: stages, base images, users, ADD/COPY, ENV/ARG, packages.
//! Parsing is `parse-dockerfile`'s; the model is ours, so a parser swap stays here.

use serde_json::{Map, Value as Json, json};

/// Parse a Dockerfile into the JSON model exposed to CEL as `dockerfile`.
pub fn model(text: &str) -> Result<Json, String> {
    let parsed = parse_dockerfile::parse(text).map_err(|e| e.to_string())?;
    let mut global_args = Map::new();
    let mut stages: Vec<Json> = Vec::new();
    for instruction in &parsed.instructions {
        use parse_dockerfile::Instruction as I;
        if let I::From(from) = instruction {
            let image = from.image.value.to_string();
            let alias = from.as_.as_ref().map(|(_, a)| a.value.to_string());
            let platform = from
                .options
                .iter()
                .find(|f| f.name.value == "platform")
                .and_then(|f| f.value.as_ref())
                .map(|v| v.value.to_string());
            stages.push(json!({
                "index": stages.len(),
                "from": image_ref(&image, alias.as_deref(), platform.as_deref()),
                "user": null, "users": [], "adds": [], "copies": [], "env": {}, "args": {},
                "runs": [], "packages": [], "exposes": [], "workdir": null, "healthcheck": false,
            }));
            continue;
        }
        let Some(stage) = stages.last_mut() else {
            if let I::Arg(arg) = instruction {
                for (k, v) in key_values(&arg.arguments.value, true) {
                    global_args.insert(k, v.map_or(Json::Null, Json::String));
                }
            }
            continue;
        };
        match instruction {
            I::User(user) => {
                let u = user.arguments.value.trim().to_string();
                if let Some(a) = stage["users"].as_array_mut() {
                    a.push(json!(u))
                }
                stage["user"] = json!(u);
            }
            I::Add(add) => {
                let src: Vec<String> = add.src.iter().map(source_text).collect();
                let entry = json!({"src": src, "dest": add.dest.value.to_string(), "options": flags(&add.options)});
                if let Some(a) = stage["adds"].as_array_mut() {
                    a.push(entry)
                }
            }
            I::Copy(copy) => {
                let src: Vec<String> = copy.src.iter().map(source_text).collect();
                let from = copy
                    .options
                    .iter()
                    .find(|f| f.name.value == "from")
                    .and_then(|f| f.value.as_ref())
                    .map(|v| v.value.to_string());
                let entry = json!({"src": src, "dest": copy.dest.value.to_string(), "from": from, "options": flags(&copy.options)});
                if let Some(a) = stage["copies"].as_array_mut() {
                    a.push(entry)
                }
            }
            I::Env(env) => {
                for (k, v) in key_values(&env.arguments.value, false) {
                    stage["env"][&k] = json!(v.unwrap_or_default());
                }
            }
            I::Arg(arg) => {
                for (k, v) in key_values(&arg.arguments.value, true) {
                    stage["args"][&k] = v.map_or(Json::Null, Json::String);
                }
            }
            I::Run(run) => {
                let mut text = match &run.arguments {
                    parse_dockerfile::Command::Shell(s) => s.value.to_string(),
                    parse_dockerfile::Command::Exec(items) => items
                        .value
                        .iter()
                        .map(|i| i.value.as_ref())
                        .collect::<Vec<_>>()
                        .join(" "),
                    _ => String::new(),
                };
                for doc in &run.here_docs {
                    text.push('\n');
                    text.push_str(&doc.value);
                }
                for package in installed_packages(&text) {
                    if let Some(a) = stage["packages"].as_array_mut() {
                        a.push(json!(package))
                    }
                }
                if let Some(a) = stage["runs"].as_array_mut() {
                    a.push(json!(text))
                }
            }
            I::Expose(expose) => {
                for port in &expose.arguments {
                    if let Some(a) = stage["exposes"].as_array_mut() {
                        a.push(json!(port.value.to_string()))
                    }
                }
            }
            I::Workdir(w) => stage["workdir"] = json!(w.arguments.value.to_string()),
            I::Healthcheck(_) => stage["healthcheck"] = json!(true),
            _ => {}
        }
    }
    let final_stage = stages.last().cloned().unwrap_or(Json::Null);
    Ok(json!({"stages": stages, "final": final_stage, "args": global_args}))
}

fn source_text(source: &parse_dockerfile::Source<'_>) -> String {
    match source {
        parse_dockerfile::Source::Path(p) => p.value.to_string(),
        parse_dockerfile::Source::HereDoc(h) => h.value.to_string(),
        _ => String::new(),
    }
}

fn flags(options: &[parse_dockerfile::Flag<'_>]) -> Json {
    Json::Object(
        options
            .iter()
            .map(|f| {
                (
                    f.name.value.to_string(),
                    f.value
                        .as_ref()
                        .map_or(json!(true), |v| json!(v.value.to_string())),
                )
            })
            .collect(),
    )
}

/// `registry:5000/org/name:tag@sha256:…` → image (without tag/digest), tag, digest.
fn image_ref(raw: &str, alias: Option<&str>, platform: Option<&str>) -> Json {
    let (without_digest, digest) = match raw.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (raw, None),
    };
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let (image, tag) = match without_digest[last_slash..].rfind(':') {
        Some(i) => (
            &without_digest[..last_slash + i],
            Some(&without_digest[last_slash + i + 1..]),
        ),
        None => (without_digest, None),
    };
    json!({"raw": raw, "image": image, "tag": tag, "digest": digest, "alias": alias, "platform": platform,
           "scratch": image.eq_ignore_ascii_case("scratch")})
}

/// Split `ENV`/`ARG` arguments: `K=v K2="a b"` or the legacy `K value with spaces`.
fn key_values(text: &str, is_arg: bool) -> Vec<(String, Option<String>)> {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        if is_arg {
            return vec![(first.to_owned(), None)];
        }
        let rest = text[first.len()..].trim();
        return vec![(first.to_owned(), Some(rest.to_owned()))];
    }
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        if chars.peek() != Some(&'=') {
            out.push((key, None));
            continue;
        }
        chars.next();
        let mut value = String::new();
        let mut quote = None;
        while let Some(&c) = chars.peek() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) if c == '\\' => {
                    chars.next();
                    if let Some(n) = chars.peek() {
                        value.push(*n);
                    }
                }
                Some(_) => value.push(c),
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => break,
                None if c == '\\' => {
                    chars.next();
                    if let Some(n) = chars.peek() {
                        value.push(*n);
                    }
                }
                None => value.push(c),
            }
            chars.next();
        }
        out.push((key, Some(value)));
    }
    out
}

/// Packages installed by a RUN command (apt-get/apt install, apk add, yum/dnf/microdnf install).
fn installed_packages(text: &str) -> Vec<String> {
    let mut packages = Vec::new();
    for command in text.split(['&', ';', '|', '\n']) {
        let words: Vec<&str> = command.split_whitespace().filter(|w| *w != "\\").collect();
        let install_at = words.windows(2).position(|w| {
            let tool = w[0].rsplit('/').next().unwrap_or(w[0]);
            matches!(
                (tool, w[1]),
                (
                    "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper",
                    "install"
                ) | ("apk", "add")
            )
        });
        let Some(at) = install_at else { continue };
        packages.extend(
            words[at + 2..]
                .iter()
                .filter(|w| !w.starts_with('-') && !w.contains('$'))
                .map(|w| w.to_string()),
        );
    }
    packages
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = "ARG BASE=alpine\nFROM golang:1.22@sha256:abc AS build\nENV CGO_ENABLED=0 API_TOKEN=\"s3 cret\"\nRUN apt-get update && apt-get install -y --no-install-recommends curl git \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY . /src\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /out/app /app\nUSER 65532:65532\nEXPOSE 8080\n";

    #[test]
    fn stages_images_users_packages_and_env() {
        let m = model(MULTI).unwrap();
        assert_eq!(m["args"]["BASE"], "alpine");
        let build = &m["stages"][0];
        assert_eq!(build["from"]["image"], "golang");
        assert_eq!(build["from"]["tag"], "1.22");
        assert_eq!(build["from"]["digest"], "sha256:abc");
        assert_eq!(build["from"]["alias"], "build");
        assert_eq!(build["env"]["API_TOKEN"], "s3 cret");
        assert_eq!(build["packages"], json!(["curl", "git"]));
        assert_eq!(build["user"], Json::Null);
        let fin = &m["final"];
        assert_eq!(fin["from"]["image"], "gcr.io/distroless/static");
        assert_eq!(fin["from"]["tag"], "nonroot");
        assert_eq!(fin["user"], "65532:65532");
        assert_eq!(fin["copies"][0]["from"], "build");
        assert_eq!(fin["exposes"], json!(["8080"]));
    }

    #[test]
    fn registry_ports_are_not_tags() {
        let m = model("FROM localhost:5000/app\n").unwrap();
        assert_eq!(m["final"]["from"]["image"], "localhost:5000/app");
        assert_eq!(m["final"]["from"]["tag"], Json::Null);
    }

    #[test]
    fn parse_errors_are_reported() {
        assert!(model("FROM alpine\nRUN <<EOF\necho\n").is_err());
    }
}
