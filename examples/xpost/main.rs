//! The `xpost` command line: a thin front-end over the xpost crates.

fn main() {
    eprintln!("xpost: the command line is being built");
    std::process::exit(2);
}
