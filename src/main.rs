//! `licencias` binary: the command line is being built (see the issues).

fn main() {
    println!("licencias {}", env!("CARGO_PKG_VERSION"));
}
