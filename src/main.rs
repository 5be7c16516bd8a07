//! The `secarch` command line. Parses arguments and calls the library; all
//! behaviour lives in `secarch::commands`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use secarch::commands::{self, CheckArgs, LintArgs, LintFormat, LogArgs, LogFormat, OutputFormat};
use secarch::server::{RawConfig, WebhookSecrets};
use secrecy::SecretSlice;

/// Keeps the security architecture document of health software from going stale
/// (IEC 81001-5-1 §5.3.1): detects architecture and threat-model changes in a git
/// range and fails until the document is updated and reviewed.
#[derive(Parser)]
#[command(name = "secarch", version, about, long_about = None)]
struct Cli {
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Check a change (base...head) for architecture and threat-model changes.
    ///
    /// Exit codes: 0 nothing needed, 1 action needed, 2 usage/config/repository error.
    Check(CheckCmd),
    /// Lint the security architecture document against the threat models.
    ///
    /// Exit codes: 0 no errors, 1 error findings, 2 could not run.
    Lint(LintCmd),
    /// Replay the branch's history: which commits the check would have flagged, and why.
    ///
    /// One line per commit (newest first): id, date, whether it triggered, the categories, and
    /// the paths and signals that decided it; then a summary (commits, triggered, per
    /// category). Walks the first-parent line of the head (each commit compared with its
    /// first parent, a root commit with the empty tree), as the check sees changes land.
    /// Tune `.github/secarch.yml` with it before turning the check on.
    ///
    /// Exit codes: 0 replayed, 2 usage/config/repository error.
    Log(LogCmd),
    /// Scaffold docs/security/security-architecture.md, .github/secarch.yml and a workflow.
    Init {
        /// Repository root to write into.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the document front matter or of the policy (for editors).
    Schema {
        #[arg(value_parser = ["document", "policy"])]
        which: String,
    },
    /// Show or validate the policy (`.github/secarch.yml`).
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
    /// Print a shell completion script, e.g. `secarch completions bash > ~/.local/share/bash-completion/completions/secarch`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `secarch man > secarch.1 && man ./secarch.1`.
    Man,
    /// Run the GitHub App: receive webhooks, post check runs and review requests.
    ///
    /// Every flag can be given by its environment variable instead. Secrets are never printed.
    /// Endpoints: POST /webhook, GET /healthz, GET /readyz, GET /metrics (Prometheus text).
    Serve(ServeCmd),
}

#[derive(Args)]
struct ServeCmd {
    /// The GitHub App's id (App settings page).
    #[arg(long, env = "SECARCH_APP_ID")]
    app_id: Option<u64>,
    /// The App's private key as PEM text.
    #[arg(long, env = "SECARCH_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// A file holding the App's private key (PEM), used when --private-key is not given.
    #[arg(long, env = "SECARCH_PRIVATE_KEY_PATH", value_name = "FILE")]
    private_key_path: Option<PathBuf>,
    /// The webhook secret; a comma-separated list accepts any of them (for rotation).
    #[arg(long, env = "SECARCH_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// GitHub REST API root; GitHub Enterprise Server: https://HOST/api/v3. Refused when it
    /// carries credentials (user or password); its value is not shown here for that reason.
    #[arg(
        long,
        env = "SECARCH_GITHUB_API_URL",
        hide_env_values = true,
        default_value = "https://api.github.com"
    )]
    github_api_url: String,
    /// Address and port to listen on.
    #[arg(long, env = "SECARCH_LISTEN", default_value = "0.0.0.0:8080")]
    listen: String,
    /// Directory for the git mirrors (default: a directory in the system temp dir).
    #[arg(long, env = "SECARCH_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Size bound of the mirror cache in MiB; least recently used mirrors are evicted beyond it.
    #[arg(long, env = "SECARCH_CACHE_MAX_MB", value_name = "MIB")]
    cache_max_mb: Option<u64>,
    /// Log format: json (one object per line) or pretty. Level via RUST_LOG (default info).
    #[arg(long, env = "SECARCH_LOG_FORMAT", default_value = "json")]
    log_format: String,
    /// 1: fetch file:// clone URLs from payloads (tests, air-gapped mirrors). Off by default.
    #[arg(long, env = "SECARCH_ALLOW_FILE_REMOTES", value_name = "0|1")]
    allow_file_remotes: Option<String>,
    /// Seconds between reconciliation passes (open PRs without a completed run are evaluated);
    /// 0 = only at start-up.
    #[arg(long, env = "SECARCH_RECONCILE_INTERVAL", default_value_t = 900)]
    reconcile_interval: u64,
    /// Pull requests evaluated at the same time.
    #[arg(long, env = "SECARCH_MAX_CONCURRENT_JOBS", default_value_t = 4)]
    max_concurrent_jobs: usize,
    /// Seconds a job may spend fetching and evaluating one pull request; beyond it the check run
    /// fails saying so and the job slot is freed.
    #[arg(
        long,
        env = "SECARCH_EVALUATION_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 600
    )]
    evaluation_timeout: u64,
    /// Connections open at once. At the cap a new connection replaces the one idle the longest;
    /// lowered at start-up to fit the open-file limit (`ulimit -n`).
    #[arg(long, env = "SECARCH_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Seconds a client has to send a complete request head (also closes idle keep-alive
    /// connections).
    #[arg(
        long,
        env = "SECARCH_HEADER_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    header_timeout: u64,
    /// Seconds a client has to send a whole webhook body.
    #[arg(
        long,
        env = "SECARCH_BODY_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 20
    )]
    body_timeout: u64,
    /// MiB of webhook bodies held in memory at once, across all connections (at least 25).
    #[arg(
        long,
        env = "SECARCH_MAX_BODY_MEMORY_MB",
        value_name = "MIB",
        default_value_t = 64
    )]
    max_body_memory_mb: u64,
}

#[derive(Args)]
struct CheckCmd {
    /// Repository (any directory inside it).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Base revision; the change is compared against the merge-base of base and head.
    /// Default: origin/HEAD, else main, else master.
    #[arg(long)]
    base: Option<String>,
    /// Head revision.
    #[arg(long, default_value = "HEAD")]
    head: String,
    /// Use this policy file instead of `.github/secarch.yml` at the base commit.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Args)]
struct LogCmd {
    /// Commits to replay, as `git log` takes them: `A..B` (in B, not in A), `A..` (up to HEAD)
    /// or `B` (everything reachable from B). Default: HEAD.
    #[arg(value_name = "RANGE")]
    range: Option<String>,
    /// Repository (any directory inside it).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Stop at this revision (a branch, tag or commit, not a date): it and its ancestors are
    /// left out, as in `REV..HEAD`.
    #[arg(long, value_name = "REV")]
    since: Option<String>,
    /// Replay only the N newest commits.
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    max_count: Option<usize>,
    /// Apply this policy file to every commit (to try a candidate policy on your history)
    /// instead of `.github/secarch.yml` at the head of the walk.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format: human (one line per commit), json (`commits[]` + `summary`), csv (one row
    /// per commit).
    #[arg(long, value_enum, default_value_t = LogFmt::Human)]
    format: LogFmt,
    /// Print only the commits that triggered (the summary still counts every commit).
    #[arg(long)]
    triggered_only: bool,
    /// Every non-merge commit reachable (`git log --no-merges`) instead of the first-parent line.
    #[arg(long)]
    every_commit: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFmt {
    Human,
    Json,
    Csv,
}

#[derive(Args)]
struct LintCmd {
    /// Repository or directory (the working tree is linted).
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Lint the files at this revision instead of the working tree.
    #[arg(long)]
    rev: Option<String>,
    /// The document (default: `document` from the policy, else discovered by name).
    #[arg(long)]
    document: Option<String>,
    /// Use this policy file instead of `.github/secarch.yml`.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format: human, json, sarif (SARIF 2.1.0), github (workflow-command annotations).
    #[arg(long, value_enum, default_value_t = LintFmt::Human)]
    format: LintFmt,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFmt {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the effective policy (embedded default merged with the repository's policy
    /// file from the working tree, or FILE) as YAML.
    Show {
        /// Repository whose `.github/secarch.yml` to merge (from the working tree).
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Merge this policy file instead.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Print the embedded default policy file verbatim.
        #[arg(long)]
        defaults: bool,
    },
    /// Validate a policy file (default: `.github/secarch.yml`); exit 2 with file:line:column on error.
    Validate {
        /// The policy file.
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // anstream (all human output) follows this; NO_COLOR and CLICOLOR_FORCE still apply to auto.
    match cli.color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let code = match cli.command {
        Command::Check(c) => commands::check(&CheckArgs {
            repo: c.repo,
            base: c.base,
            head: c.head,
            policy: c.policy,
            format: match c.format {
                Format::Human => OutputFormat::Human,
                Format::Json => OutputFormat::Json,
                Format::Markdown => OutputFormat::Markdown,
            },
        }),
        Command::Lint(c) => commands::lint(&LintArgs {
            repo: c.repo,
            rev: c.rev,
            document: c.document,
            policy: c.policy,
            format: match c.format {
                LintFmt::Human => LintFormat::Human,
                LintFmt::Json => LintFormat::Json,
                LintFmt::Sarif => LintFormat::Sarif,
                LintFmt::Github => LintFormat::Github,
            },
            strict: c.strict,
        }),
        Command::Log(c) => commands::log(&LogArgs {
            repo: c.repo,
            range: c.range,
            since: c.since,
            max_count: c.max_count,
            policy: c.policy,
            format: match c.format {
                LogFmt::Human => LogFormat::Human,
                LogFmt::Json => LogFormat::Json,
                LogFmt::Csv => LogFormat::Csv,
            },
            triggered_only: c.triggered_only,
            every_commit: c.every_commit,
        }),
        Command::Init { repo, force } => commands::init(&repo, force),
        Command::Schema { which } => commands::schema(&which),
        Command::Config { command } => match command {
            ConfigCmd::Show {
                repo,
                policy,
                defaults,
            } => commands::config_show(&repo, policy.as_deref(), defaults),
            ConfigCmd::Validate { file } => commands::config_validate(file.as_deref()),
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "secarch", &mut script);
            commands::emit(&String::from_utf8_lossy(&script), 0)
        }
        Command::Man => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => commands::emit(&String::from_utf8_lossy(&page), 0),
                Err(e) => commands::fail(format!("cannot render the manual page: {e}")),
            }
        }
        Command::Serve(c) => commands::serve(RawConfig {
            app_id: c.app_id,
            private_key: c.private_key.map(|k| SecretSlice::from(k.into_bytes())),
            private_key_path: c.private_key_path,
            webhook_secret: c.webhook_secret.as_deref().map(WebhookSecrets::parse),
            api_url: Some(c.github_api_url),
            listen: Some(c.listen),
            cache_dir: c.cache_dir,
            cache_max_bytes: c.cache_max_mb.map(|mb| mb.saturating_mul(1024 * 1024)),
            log_format: Some(c.log_format),
            allow_file_remotes: c.allow_file_remotes,
            reconcile_interval_secs: Some(c.reconcile_interval),
            max_concurrent_jobs: Some(c.max_concurrent_jobs),
            evaluation_timeout_secs: Some(c.evaluation_timeout),
            max_connections: Some(c.max_connections),
            header_timeout_secs: Some(c.header_timeout),
            body_timeout_secs: Some(c.body_timeout),
            max_body_memory_mb: Some(c.max_body_memory_mb),
        }),
    };
    ExitCode::from(code)
}
