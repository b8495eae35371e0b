//! The house's rules, read from `src/` itself: every import goes down a
//! layer (faces → `http` → `app` → `db`, `notify` → `forecast`, `auth`,
//! `roster` → `config` → `domain` → `error`), no face imports another, no
//! two files import each other in a circle, and no production file is over
//! 600 lines. Each failure names the file and the line.
//!
//! An import is any path that starts with `crate::`, `super::` or `self::`
//! (in a `use` or anywhere in the code), resolved to the file that defines
//! the module it names, following `pub use` re-exports. Test modules
//! (`#[cfg(test)]`) are left out: they may reach anywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The layers, bottom first: a module may import only modules of a lower layer.
const LAYERS: &[&[&str]] = &[
    &["error", "rng"],
    &["domain"],
    &["config"],
    &["forecast", "auth", "roster", "telemetry"],
    &["db", "notify"],
    &["app"],
    &["http"],
    &["routes", "web", "cli"],
    &["startup"],
    &["main"],
];

/// The faces: modules that answer people and programs.
const FACES: &[&str] = &["routes", "web", "cli"];

const MAX_LINES: usize = 600;

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// A source file: its module path (`app::forecast`) and its code with the
/// comments, strings and test modules blanked out (newlines kept).
struct Source {
    path: PathBuf,
    /// The modules this file declares (`mod x;`), which its paths may name
    /// without `self::`.
    children: Vec<String>,
    module: Vec<String>,
    code: String,
    lines: usize,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(relative: &Path) -> (Vec<String>, bool) {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs").to_string();
    match stem.as_str() {
        "lib" if parts.is_empty() => (Vec::new(), true),
        "main" if parts.is_empty() => (vec!["main".into()], true),
        "mod" => (parts, true),
        _ => {
            parts.push(stem);
            (parts, false)
        }
    }
}

/// Blanks comments, string and char literals, keeping every newline, so
/// that paths are found only in code and line numbers stay right.
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('#') || next == Some('"'))
            && !ident_char(prev(&chars, i))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &k in &chars[i..j.min(chars.len())] {
                out.push(blank(k));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{a0}'), else a lifetime.
            let end = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev(chars: &[char], i: usize) -> char {
    if i == 0 { ' ' } else { chars[i - 1] }
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Blanks every `#[cfg(test)]` item: an inline test module, or the
/// declaration of a test module in its own file (whose name is returned).
fn without_tests(code: &str) -> (String, Vec<String>) {
    let mut out = code.to_string();
    let mut test_files = Vec::new();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]") {
        let start = from + at;
        let after = start + "#[cfg(test)]".len();
        let rest = &out[after..];
        let declaration = |semi: usize, test_files: &mut Vec<String>| {
            let declared = rest[..semi].trim();
            if let Some(name) = declared.strip_prefix("mod ") {
                test_files.push(name.trim().to_string());
            }
            after + semi + 1
        };
        let item_end = match (rest.find('{'), rest.find(';')) {
            (Some(brace), Some(semi)) if semi < brace => declaration(semi, &mut test_files),
            (Some(brace), _) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, c) in out[after + brace..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = after + brace + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(semi)) => declaration(semi, &mut test_files),
            (None, None) => out.len(),
        };
        let blanked: String = out[start..item_end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(start..item_end, &blanked);
        from = item_end;
    }
    (out, test_files)
}

/// A path an import names, with the line it is on.
#[derive(Debug, Clone)]
struct Reference {
    line: usize,
    path: Vec<String>,
    /// As written, for the message.
    written: String,
}

/// Expands a use tree (`crate::a::{b, c::{d, e}}`) into its paths; `self`
/// inside braces names the prefix itself, `as` renames are dropped.
fn expand(tree: &str) -> Vec<Vec<String>> {
    fn go(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            let mut base = prefix.to_vec();
            base.extend(head);
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        go(&base, &inner[start..k], out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            go(&base, &inner[start..], out);
            return;
        }
        let tree = tree.split(" as ").next().unwrap_or(tree).trim();
        let mut path = prefix.to_vec();
        for part in tree.split("::").map(str::trim) {
            if part == "self" && !path.is_empty() {
                continue;
            }
            path.push(part.to_string());
        }
        out.push(path);
    }
    let mut out = Vec::new();
    go(&[], tree, &mut out);
    out
}

fn line_at(code: &str, offset: usize) -> usize {
    code[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The `use` statements of a file: `(line, is pub, expanded paths)`.
fn uses(code: &str) -> Vec<(usize, bool, Vec<Vec<String>>, String)> {
    let re = regex_lite::Regex::new(r"(?s)(\bpub(?:\([^)]*\))?\s+)?\buse\s+([^;]+);").unwrap();
    re.captures_iter(code)
        .map(|c| {
            let whole = c.get(0).unwrap();
            let tree = c.get(2).unwrap().as_str();
            (
                line_at(code, whole.start()),
                c.get(1).is_some(),
                expand(tree),
                tree.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect()
}

fn references(source: &Source, main_crate: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut in_use = Vec::new();
    for (line, _, paths, written) in uses(&source.code) {
        for path in paths {
            found.push(Reference {
                line,
                path,
                written: written.clone(),
            });
        }
        in_use.push(line);
    }
    let mut roots = vec!["crate", "super", "self", main_crate];
    roots.extend(source.children.iter().map(String::as_str));
    let re = regex_lite::Regex::new(&format!(
        r"\b({})((?:::[A-Za-z_][A-Za-z0-9_]*)+)",
        roots.join("|")
    ))
    .unwrap();
    let use_re = regex_lite::Regex::new(r"(?s)\buse\s+[^;]+;").unwrap();
    let use_spans: Vec<(usize, usize)> = use_re
        .find_iter(&source.code)
        .map(|m| (m.start(), m.end()))
        .collect();
    for m in re.find_iter(&source.code) {
        if use_spans
            .iter()
            .any(|(a, b)| m.start() >= *a && m.start() < *b)
        {
            continue;
        }
        let before = source.code[..m.start()].trim_end();
        if before.ends_with("::") || before.ends_with('.') {
            continue;
        }
        if m.start() > 0 && ident_char(source.code[..m.start()].chars().last().unwrap_or(' ')) {
            continue;
        }
        found.push(Reference {
            line: line_at(&source.code, m.start()),
            path: m.as_str().split("::").map(String::from).collect(),
            written: m.as_str().to_string(),
        });
    }
    found
}

struct House {
    sources: Vec<Source>,
    /// Module path -> index of the file that defines it.
    modules: HashMap<Vec<String>, usize>,
    /// Per file: re-exported name -> the path it stands for (absolute).
    reexports: Vec<HashMap<String, Vec<String>>>,
}

impl House {
    fn read(root: &Path) -> Self {
        let src = root.join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        let mut sources = Vec::new();
        let mut test_files: BTreeSet<Vec<String>> = BTreeSet::new();
        for path in files {
            let relative = path.strip_prefix(&src).unwrap().to_path_buf();
            let (module, is_module_root) = module_of(&relative);
            let text = std::fs::read_to_string(&path).unwrap();
            let (code, tests) = without_tests(&strip(&text));
            let parent = if is_module_root {
                module.clone()
            } else {
                module[..module.len() - 1].to_vec()
            };
            for name in tests {
                let mut test_module = parent.clone();
                if is_module_root {
                    test_module.push(name);
                } else {
                    test_module = module.clone();
                    test_module.push(name);
                }
                test_files.insert(test_module);
            }
            let children = regex_lite::Regex::new(r"\bmod\s+([a-z_][a-z0-9_]*)\s*;")
                .unwrap()
                .captures_iter(&code)
                .map(|c| c[1].to_string())
                .collect();
            sources.push(Source {
                path: relative,
                children,
                module,
                code,
                lines: text.lines().count(),
            });
        }
        sources.retain(|s| !test_files.contains(&s.module));
        let modules = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.module.clone(), i))
            .collect();
        let mut house = House {
            sources,
            modules,
            reexports: Vec::new(),
        };
        house.reexports = (0..house.sources.len())
            .map(|i| {
                let mut map = HashMap::new();
                for (_, public, paths, _) in uses(&house.sources[i].code) {
                    if !public {
                        continue;
                    }
                    for path in paths {
                        if let (Some(name), Some(absolute)) =
                            (path.last(), house.absolute(i, &path))
                        {
                            map.insert(name.clone(), absolute);
                        }
                    }
                }
                map
            })
            .collect();
        house
    }

    /// The module a file's code is in: `a::b` for `a/b.rs`, `a` for `a/mod.rs`.
    fn own_module(&self, file: usize) -> Vec<String> {
        self.sources[file].module.clone()
    }

    /// A path as an absolute one from the crate root, `None` for one
    /// outside the crate (a dependency).
    fn absolute(&self, file: usize, path: &[String]) -> Option<Vec<String>> {
        let (first, rest) = path.split_first()?;
        let main = self.sources[file].module == ["main"];
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "kadry" if main => Vec::new(),
            "self" => self.own_module(file),
            "super" => {
                let mut m = self.own_module(file);
                m.pop();
                m
            }
            child if self.sources[file].children.iter().any(|c| c == child) => {
                let mut m = self.own_module(file);
                m.push(child.to_string());
                m
            }
            _ => return None,
        };
        let mut rest = rest.iter().peekable();
        while rest.peek().map(|s| s.as_str()) == Some("super") {
            base.pop();
            rest.next();
        }
        base.extend(rest.cloned());
        Some(base)
    }

    /// The file an absolute path is defined in: the deepest module it
    /// names, then through a `pub use` of that module for the item, if any.
    fn file_of(&self, path: &[String], depth: usize) -> Option<usize> {
        let mut deepest = None;
        for n in (0..=path.len()).rev() {
            if let Some(&file) = self.modules.get(&path[..n]) {
                deepest = Some((file, n));
                break;
            }
        }
        let (file, n) = deepest?;
        if depth < 8
            && let Some(item) = path.get(n)
            && let Some(target) = self.reexports[file].get(item)
            && target.as_slice() != path
        {
            let mut followed = target.clone();
            followed.extend(path[n + 1..].iter().cloned());
            return self.file_of(&followed, depth + 1).or(Some(file));
        }
        Some(file)
    }

    fn top(&self, file: usize) -> Option<&str> {
        self.sources[file].module.first().map(String::as_str)
    }
}

fn house() -> House {
    House::read(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// Every import as (from file, to file, line, what was written).
fn edges(house: &House) -> Vec<(usize, usize, usize, String)> {
    let mut edges = Vec::new();
    for file in 0..house.sources.len() {
        for reference in references(&house.sources[file], "kadry") {
            let Some(absolute) = house.absolute(file, &reference.path) else {
                continue;
            };
            let Some(to) = house.file_of(&absolute, 0) else {
                continue;
            };
            if to != file {
                edges.push((file, to, reference.line, reference.written));
            }
        }
    }
    edges
}

/// The rules the layers set, as messages; empty when the house keeps them.
fn layer_violations(house: &House) -> Vec<String> {
    let mut problems = BTreeSet::new();
    for (from, to, line, written) in edges(house) {
        let (Some(a), Some(b)) = (house.top(from), house.top(to)) else {
            // The crate root (its macros) belongs to no layer.
            continue;
        };
        if a == b {
            continue;
        }
        let where_ = format!("src/{}:{line}", house.sources[from].path.display());
        match (layer_of(a), layer_of(b)) {
            (Some(_), Some(_)) if FACES.contains(&a) && FACES.contains(&b) => {
                problems.insert(format!(
                    "{where_}: `{written}`: the face `{a}` imports the face `{b}`; put what both need below them (src/http)"
                ));
            }
            (Some(la), Some(lb)) if lb >= la => {
                problems.insert(format!(
                    "{where_}: `{written}`: `{a}` (layer {la}) imports `{b}` (layer {lb}), which is not below it"
                ));
            }
            (None, _) => {
                problems.insert(format!(
                    "{where_}: the module `{a}` has no layer; add it to LAYERS in tests/layers.rs"
                ));
            }
            (_, None) => {
                problems.insert(format!(
                    "{where_}: `{written}`: the module `{b}` has no layer; add it to LAYERS in tests/layers.rs"
                ));
            }
            _ => {}
        }
    }
    problems.into_iter().collect()
}

/// Every set of files that import each other round in a circle (Tarjan's
/// strongly connected components), each with one import of the circle.
fn circles(house: &House) -> Vec<String> {
    let edges = edges(house);
    let n = house.sources.len();
    let mut out_edges: Vec<BTreeMap<usize, (usize, String)>> = vec![BTreeMap::new(); n];
    for (from, to, line, written) in &edges {
        out_edges[*from]
            .entry(*to)
            .or_insert((*line, written.clone()));
    }
    struct Tarjan<'a> {
        graph: &'a [BTreeMap<usize, (usize, String)>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let targets: Vec<usize> = self.graph[v].keys().copied().collect();
            for w in targets {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    _ => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    self.components.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        graph: &out_edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan
        .components
        .iter()
        .map(|component| {
            let names: Vec<String> = component
                .iter()
                .map(|f| format!("src/{}", house.sources[*f].path.display()))
                .collect();
            let imports: Vec<String> = component
                .iter()
                .flat_map(|f| {
                    out_edges[*f]
                        .iter()
                        .filter(|(to, _)| component.contains(to))
                        .map(move |(to, (line, written))| {
                            format!(
                                "src/{}:{line} imports src/{} (`{written}`)",
                                house.sources[*f].path.display(),
                                house.sources[*to].path.display()
                            )
                        })
                })
                .collect();
            format!(
                "these files import each other in a circle: {}\n    {}",
                names.join(", "),
                imports.join("\n    ")
            )
        })
        .collect()
}

#[test]
fn every_import_goes_down_a_layer_and_no_face_imports_another() {
    let house = house();
    assert!(house.sources.len() > 50, "src/ was read");
    let problems = layer_violations(&house);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn no_two_files_import_each_other_in_a_circle() {
    let problems = circles(&house());
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn no_production_file_is_over_600_lines() {
    let house = house();
    let long: Vec<String> = house
        .sources
        .iter()
        .filter(|s| s.lines > MAX_LINES)
        .map(|s| format!("src/{}: {} lines", s.path.display(), s.lines))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines: find their seams\n{}",
        long.join("\n")
    );
}

/// The checker itself, on a small house written out here: it must see an
/// upward import, a face importing a face, and a circle, and name them.
#[test]
fn the_checker_finds_what_it_is_for() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod app;\npub mod db;\npub mod routes;\npub mod web;\n",
    );
    write("app/mod.rs", "pub mod a;\npub mod b;\npub use a::Thing;\n");
    write(
        "app/a.rs",
        "use super::b::Other;\n// use crate::routes::x; (a comment is no import)\nlet s = \"crate::web::y\";\n",
    );
    write(
        "app/b.rs",
        "use crate::app::Thing;\n#[cfg(test)]\nmod tests { use crate::web::z; }\n",
    );
    write("db/mod.rs", "fn f() { crate::app::a::helper(); }\n");
    write("routes/mod.rs", "use crate::{app, web::page};\n");
    write("web/mod.rs", "pub fn page() {}\n");
    let house = House::read(dir.path());
    let layers = layer_violations(&house);
    assert_eq!(layers.len(), 2, "{layers:#?}");
    assert!(
        layers[0].starts_with(
            "src/db/mod.rs:1: `crate::app::a::helper`: `db` (layer 4) imports `app` (layer 5)"
        ),
        "{}",
        layers[0]
    );
    assert!(
        layers[1].starts_with("src/routes/mod.rs:1:")
            && layers[1].contains("the face `routes` imports the face `web`"),
        "{}",
        layers[1]
    );
    let circles = circles(&house);
    assert_eq!(circles.len(), 1, "{circles:#?}");
    assert!(
        circles[0].contains("src/app/a.rs, src/app/b.rs")
            && circles[0].contains("src/app/b.rs:1 imports src/app/a.rs (`crate::app::Thing`)"),
        "through the re-export: {}",
        circles[0]
    );
}
