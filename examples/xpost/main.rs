//! The `xpost` command line; everything it does lives in the `xpost-cli` crate.

fn main() -> std::process::ExitCode {
    xpost_cli::main()
}
