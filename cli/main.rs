//! `pdf-deid`: the batch command line over deid-core. Parses flags, builds a `Config`,
//! prints progress and a summary. No pipeline logic lives here.

mod commands;
mod corpus;
mod engines;
mod eval;
mod train;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    deid_core::ner::kernels::tune_allocator();
    quiet_on_closed_stdout();
    let cli = match commands::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PDF_DEID_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,lopdf=off,pdfium_render=off")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `pdf-deid jobs | head`: when the reader of stdout goes away, `println!` panics. Stop
/// quietly with the status a shell gives a process killed by SIGPIPE (128 + 13), as Unix
/// tools do; every other panic keeps the default report (which never holds document text).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.starts_with("failed printing to stdout"))
        {
            std::process::exit(141);
        }
        default(info)
    }));
}
