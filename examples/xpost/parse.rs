//! `xpost text parse`: JSON Lines in, one report per line out (contract §1).

use std::borrow::Cow;
use std::io::{BufRead, Write};

use serde::Deserialize;
use xpost_transform::{Config, report};

/// Options of `xpost text parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// twitter-text configuration to count with: v1, v2 or v3.
    #[arg(long, default_value = "v3")]
    pub config: String,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

/// What one input line turned into.
enum Answer {
    /// The report for a well-formed line.
    Report(xpost_transform::TextReport),
    /// Why the line could not be read.
    Error(String),
}

fn answer(line: &[u8], config: &Config) -> Answer {
    match serde_json::from_slice::<Line<'_>>(line) {
        Ok(Line { text: Some(text) }) => Answer::Report(report(&text, config)),
        Ok(Line { text: None }) => Answer::Error("missing string field \"text\"".into()),
        Err(e) if e.is_data() => Answer::Error(format!("\"text\" must be a string: {e}")),
        Err(e) => Answer::Error(format!("invalid JSON: {e}")),
    }
}

/// Runs the filter over stdin and stdout. Returns whether every line was well-formed.
///
/// # Errors
/// An unknown config, or a failure to read stdin or write stdout.
pub fn run(args: &ParseArgs) -> Result<bool, String> {
    let config = Config::by_name(&args.config).map_err(|e| e.to_string())?;
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::with_capacity(4096);
    let mut all_ok = true;
    let mut number = 0usize;
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        if n == 0 {
            break;
        }
        number += 1;
        let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        let written = match answer(trimmed, config) {
            Answer::Report(r) => serde_json::to_writer(&mut out, &r).map_err(|e| e.to_string()),
            Answer::Error(cause) => {
                all_ok = false;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"error": format!("line {number}: {cause}")}),
                )
                .map_err(|e| e.to_string())
            }
        };
        written.map_err(|e| format!("cannot write stdout: {e}"))?;
        out.write_all(b"\n")
            .map_err(|e| format!("cannot write stdout: {e}"))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write stdout: {e}"))?;
    Ok(all_ok)
}
