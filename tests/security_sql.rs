//! SQL only through bound parameters: every crate that talks to a database is
//! scanned for SQL text built at run time (`format!`, `concat!`, `push_str`,
//! string `+`). The one place that needs it, naming the PostgreSQL schema
//! (an identifier cannot be a bound parameter), is listed with the check that
//! makes it safe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Statements that may be built at run time, each with why it is safe.
const ALLOWED: &[(&str, &str)] = &[(
    "crates/xpost-store-postgres/src/migrate.rs",
    // `PgConfig::new` accepts only [a-z_][a-z0-9_]{0,62} as a schema name
    // (tested by `unusable_schema_names_are_refused`).
    "format!(\"CREATE SCHEMA IF NOT EXISTS {schema}\")",
)];

/// Words that start a statement, and clauses inside one.
const STATEMENTS: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "DROP ", "ALTER ", "WITH ", "PRAGMA ",
    "SET ", "BEGIN", "REPLACE ",
];
const CLAUSES: &[&str] = &[" WHERE ", " FROM ", " VALUES", " SET ", " INTO "];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Source files of every crate whose library uses a database driver.
fn database_sources(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            sources(&src, &mut all);
        }
    }
    let drivers = ["rusqlite", "tokio_postgres", "deadpool_postgres"];
    let crates: Vec<PathBuf> = all
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            drivers.iter().any(|d| text.contains(&format!("{d}::")))
        })
        .map(|p| {
            p.ancestors()
                .find(|a| a.ends_with("src"))
                .unwrap()
                .to_owned()
        })
        .collect();
    all.into_iter()
        .filter(|p| crates.iter().any(|c| p.starts_with(c)))
        .collect()
}

/// Whether `line` builds a string at run time whose literal text reads as SQL.
fn builds_sql(line: &str) -> bool {
    let builds = [
        "format!(",
        "concat!(",
        "push_str(",
        "\" +",
        "+ \"",
        ".to_owned() +",
    ]
    .iter()
    .any(|m| line.contains(m));
    let Some(literal) = line.split('"').nth(1) else {
        return false;
    };
    let upper = literal.to_ascii_uppercase();
    builds
        && (STATEMENTS.iter().any(|w| upper.trim_start().starts_with(w))
            || CLAUSES.iter().any(|w| upper.contains(w)))
}

#[test]
fn no_sql_is_built_from_run_time_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = database_sources(root);
    assert!(
        files
            .iter()
            .any(|p| p.ends_with("xpost-store-sqlite/src/store.rs"))
            && files
                .iter()
                .any(|p| p.ends_with("xpost-store-postgres/src/store.rs")),
        "both stores are scanned: {files:?}"
    );
    let mut found = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if !builds_sql(code) {
                continue;
            }
            let allowed = ALLOWED
                .iter()
                .any(|(file, snippet)| relative == *file && code.contains(snippet));
            if !allowed {
                found.push(format!("{relative}:{}: {code}", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL built from run-time text (bind parameters instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_catches_built_sql() {
    for line in [
        r#"let q = format!("SELECT * FROM posts WHERE id = '{id}'");"#,
        r#"sql.push_str(" WHERE link = ");"#,
        r#"conn.execute(&("DELETE FROM links WHERE id = ".to_owned() + id), [])"#,
    ] {
        assert!(builds_sql(line), "{line}");
    }
    assert!(!builds_sql(
        r#"conn.execute("DELETE FROM links WHERE id = ?1", [id])"#
    ));
    assert!(!builds_sql(
        r#"message: format!("the key the database was created with (check {KEY_ENV})"),"#
    ));
}
