//! `xpost text parse`: JSON Lines in, one report per line out (see `docs/cli.md`).
//!
//! Lines are read in batches; each batch is split between the machine's
//! cores and the answers are written back in input order, so the output is
//! the same as a one-line-at-a-time filter's, only sooner.

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
    /// Worker threads (default: one per core). The output order is the input
    /// order whatever the number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

/// Input bytes gathered before a batch is answered.
const BATCH_BYTES: usize = 1 << 20;

/// Writes the answer to one input line (without its line break) to `out`;
/// returns false when the line was malformed (an `{"error"}` was written).
fn answer(line: &[u8], number: usize, config: &Config, out: &mut Vec<u8>) -> bool {
    let cause = match serde_json::from_slice::<Line<'_>>(line) {
        Ok(Line { text: Some(text) }) => {
            // Writing a derived Serialize value into a Vec cannot fail.
            if serde_json::to_writer(&mut *out, &report(&text, config)).is_ok() {
                out.push(b'\n');
                return true;
            }
            "the report could not be written".to_owned()
        }
        Ok(Line { text: None }) => "missing string field \"text\"".to_owned(),
        Err(e) if e.is_data() => format!("expected an object with a string \"text\": {e}"),
        Err(e) => format!("invalid JSON: {e}"),
    };
    let error = serde_json::json!({ "error": format!("line {number}: {cause}") });
    out.extend_from_slice(error.to_string().as_bytes());
    out.push(b'\n');
    false
}

/// Answers `lines` (numbered from `first`) into one buffer.
fn answer_all(lines: &[Vec<u8>], first: usize, config: &Config) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(lines.iter().map(|l| l.len() * 2).sum());
    let mut ok = true;
    for (i, line) in lines.iter().enumerate() {
        ok &= answer(line, first + i, config, &mut out);
    }
    (out, ok)
}

/// Answers a batch on `workers` threads, in input order.
fn answer_batch(
    lines: &[Vec<u8>],
    first: usize,
    config: &Config,
    workers: usize,
) -> Result<Vec<(Vec<u8>, bool)>, String> {
    if workers <= 1 || lines.len() < 64 {
        return Ok(vec![answer_all(lines, first, config)]);
    }
    let per = lines.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per)
            .enumerate()
            .map(|(k, chunk)| scope.spawn(move || answer_all(chunk, first + k * per, config)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| "internal error: a worker failed; please report it".to_owned())
            })
            .collect()
    })
}

/// Runs the filter over stdin and stdout. Returns whether every line was well-formed.
///
/// # Errors
/// An unknown config, or a failure to read stdin or write stdout.
pub fn run(args: &ParseArgs) -> Result<bool, String> {
    let config = Config::by_name(&args.config).map_err(|e| e.to_string())?;
    let workers = match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let write_err = |e: std::io::Error| format!("cannot write stdout: {e}");
    let mut all_ok = true;
    let mut next_number = 1;
    let mut done = false;
    while !done {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut bytes = 0;
        while bytes < BATCH_BYTES {
            let mut line = Vec::new();
            let n = input
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            if n == 0 {
                done = true;
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            bytes += n;
            lines.push(line);
        }
        for (answers, ok) in answer_batch(&lines, next_number, config, workers)? {
            all_ok &= ok;
            out.write_all(&answers).map_err(write_err)?;
        }
        next_number += lines.len();
    }
    out.flush().map_err(write_err)?;
    Ok(all_ok)
}
