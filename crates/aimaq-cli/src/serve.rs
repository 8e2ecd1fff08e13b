//! `aimaq serve` and `aimaq decisions`: arguments, then the permit desk of aimaq-server.

use aimaq_io::dataset::DatasetSource;
use aimaq_server::store::{Durability, Store};
use aimaq_server::verify::{self, Against};
use aimaq_server::{Config, Desk, DeskOptions, Limits};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What the desk checks against.
#[derive(clap::Args)]
pub struct Source {
    /// Constraint dataset: a GeoPackage or a directory of layer files. Default: the
    /// embedded data/almaty.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Projected CRS with metre axes to measure in.
    #[arg(long, default_value = aimaq_io::DEFAULT_CRS)]
    crs: String,
    /// Regulation catalog TOML. Default: the embedded one.
    #[arg(long)]
    catalog: Option<PathBuf>,
}

impl Source {
    fn desk(&self) -> Result<Desk> {
        Ok(Desk::open(&DeskOptions {
            data: DatasetSource::from_option(self.data.as_deref()),
            crs: self.crs.clone(),
            catalog: self.catalog.clone(),
        })?)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Sync {
    /// A decision answered survives a power cut (fsync at every commit).
    Full,
    /// A decision answered survives a crash of aimaq, not of the machine.
    Normal,
}

/// `aimaq serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    source: Source,
    /// Address to listen on. Anything but loopback should have a token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The decision store (SQLite). Default: aimaq/decisions.sqlite in the platform's
    /// data directory ($XDG_DATA_HOME or ~/.local/share on Linux).
    #[arg(long)]
    store: Option<PathBuf>,
    /// A file holding the bearer token the API asks for (or set AIMAQ_TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// How hard each commit holds on to the disk.
    #[arg(long, value_enum, default_value = "full")]
    sync: Sync,
    /// Chromium for PDFs (default: chromium, chromium-browser or google-chrome on PATH).
    #[arg(long)]
    chromium: Option<PathBuf>,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    max_body: usize,
    /// Most vertices in one check.
    #[arg(long, default_value_t = Limits::default().max_vertices)]
    max_vertices: usize,
    /// Longest a request may take, seconds.
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs())]
    timeout: u64,
    /// Largest upload to /screen and /import, bytes.
    #[arg(long, default_value_t = Limits::default().max_upload_bytes)]
    max_upload: usize,
    /// A host name the desk answers to besides its address (and localhost when bound
    /// to loopback); repeat for more. Requests naming any other Host are refused.
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// Connections open at once; more wait in the kernel's backlog.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a connection may take to send a request head, from opening or from its
    /// last answer (idle keep-alive), before it is closed.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// Longest a screening job may run, seconds.
    #[arg(long, default_value_t = Limits::default().job_timeout.as_secs())]
    job_timeout: u64,
    /// The cadastre (any OGR source: GeoPackage, Shapefile, …), read at start, so that
    /// the page finds a parcel by its cadastral number.
    #[arg(long, value_name = "SOURCE")]
    parcels: Option<PathBuf>,
    /// The field of --parcels holding the cadastral number (default: id, kad_nomer,
    /// cadastral_number, … as `aimaq screen` finds it).
    #[arg(long, value_name = "F", requires = "parcels")]
    parcels_id_field: Option<String>,
}

/// `aimaq serve`: the permit desk, until Ctrl-C.
pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    let token = match (&args.token_file, std::env::var("AIMAQ_TOKEN").ok()) {
        (Some(f), _) => Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("cannot read the token file {}", f.display()))?
                .trim()
                .to_string(),
        ),
        (None, Some(t)) => Some(t.trim().to_string()),
        (None, None) => None,
    }
    .filter(|t| !t.is_empty());
    if args.token_file.is_some() && token.is_none() {
        bail!("the token file is empty");
    }
    let limits = Limits {
        max_body_bytes: args.max_body,
        max_vertices: args.max_vertices,
        request_timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        max_upload_bytes: args.max_upload,
        max_connections: args.max_connections.max(1),
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout.max(1)),
        job_timeout: std::time::Duration::from_secs(args.job_timeout.max(1)),
        ..Limits::default()
    };
    let config = Config {
        bind: args.bind,
        store: args.store.unwrap_or_else(aimaq_server::default_store),
        durability: match args.sync {
            Sync::Full => Durability::Full,
            Sync::Normal => Durability::Normal,
        },
        token,
        chromium: args.chromium,
        allowed_hosts: args.allowed_hosts,
        limits,
        parcels: match &args.parcels {
            Some(p) => Some(Arc::new(aimaq_server::parcels::ParcelIndex::open(
                p,
                args.parcels_id_field.as_deref(),
            )?)),
            None => None,
        },
    };
    let desk = args.source.desk()?;
    aimaq_server::run(desk, config)?;
    Ok(ExitCode::SUCCESS)
}

/// `aimaq decisions …`.
#[derive(clap::Subcommand)]
pub enum DecisionsCommand {
    /// Run every stored decision again against the catalog and data it recorded, and
    /// report any answer that would now differ (and any damage to the store).
    Verify {
        /// The decision store. Default: as for `aimaq serve`.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Run against today's catalog and data (--data, --catalog, --crs) instead of
        /// the recorded ones: what would each answer be now?
        #[arg(long)]
        current: bool,
        #[command(flatten)]
        source: Source,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A chain link known from outside the store (the `chain` printed on a decision
        /// record): fail unless the store holds the decision with that link, which
        /// catches the newest decisions removed, or a chain recomputed after an edit.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// List the latest decisions.
    List {
        /// The decision store. Default: as for `aimaq serve`.
        #[arg(long)]
        store: Option<PathBuf>,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

/// Runs an `aimaq decisions` command.
pub fn decisions(command: DecisionsCommand) -> Result<ExitCode> {
    match command {
        DecisionsCommand::Verify {
            store,
            current,
            source,
            json,
            head,
        } => {
            let path = store.unwrap_or_else(aimaq_server::default_store);
            let store = Store::open_read_only(&path)?;
            let against = if current {
                Against::Current(Arc::new(source.desk()?))
            } else {
                Against::Recorded
            };
            let mut err = std::io::stderr();
            let total = store.count()?;
            let mut progress = |n: usize| {
                if n.is_multiple_of(500) {
                    let _ = writeln!(err, "aimaq: {n} of {total} decisions run again");
                }
            };
            let v = verify::verify(&store, &against, head.as_deref(), &mut progress)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                print_verification(&v, &mut out)?;
            }
            Ok(if v.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        DecisionsCommand::List { store, limit } => {
            let path = store.unwrap_or_else(aimaq_server::default_store);
            let store = Store::open_read_only(&path)?;
            let mut out = std::io::stdout().lock();
            match store.head()? {
                Some((seq, chain)) => writeln!(
                    out,
                    "chain head: {chain} (decision {seq}; note it down: `aimaq decisions verify --head` checks that nothing after it was removed)"
                )?,
                None => writeln!(out, "no decisions in {}", path.display())?,
            }
            for d in store.list(limit, None)? {
                writeln!(
                    out,
                    "{}  {}  {:<12} {:>3} parcel(s)  {}  [{}]",
                    d.id,
                    d.created_at,
                    d.verdict,
                    d.parcels,
                    // ids come from the request: escaped, never a forged line
                    aimaq_rules::printable(&d.parcel_ids),
                    d.lang
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_verification(v: &verify::Verification, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} decisions run again against {} catalog and data",
        v.store,
        v.decisions,
        if v.against == "current" {
            "today's"
        } else {
            "their recorded"
        }
    )?;
    if v.integrity != ["ok"] {
        writeln!(out, "SQLite integrity check: {}", v.integrity.join("; "))?;
    }
    for f in &v.findings {
        writeln!(out, "{}  {}  decided {}", f.id, f.created_at, f.verdict)?;
        if let Some(p) = &f.problem {
            writeln!(out, "  ! {p}")?;
        }
        for c in f.changes.iter().take(20) {
            writeln!(out, "  {}: {} → {}", c.path, c.before, c.after)?;
        }
        if f.changes.len() > 20 {
            writeln!(out, "  … and {} more", f.changes.len() - 20)?;
        }
    }
    if v.version_1_links > 0 {
        writeln!(
            out,
            "{} decision(s) made before schema 2 have version 1 links, which do not cover seq, the parcel count, the catalog id or the dataset label",
            v.version_1_links
        )?;
    }
    match &v.head {
        Some(h) => writeln!(
            out,
            "chain head: {} (decision {}, {})",
            h.chain, h.seq, h.id
        )?,
        None => writeln!(
            out,
            "the store holds no decision: nothing was verified (with --head, a removal shows)"
        )?,
    }
    if let Some(e) = &v.expected_head {
        match &e.found {
            Some(h) => writeln!(
                out,
                "expected head {} found: decision {} ({}), {} after it",
                e.chain, h.seq, h.id, e.after
            )?,
            None => writeln!(
                out,
                "expected head {} NOT FOUND: the decision with that link was removed, or the chain was rewritten",
                e.chain
            )?,
        }
    }
    writeln!(
        out,
        "{} the same, {} differ or could not be run again; hash chain {}",
        v.same,
        v.findings.len(),
        if v.chain_intact { "intact" } else { "BROKEN" }
    )
}
