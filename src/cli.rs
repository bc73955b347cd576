//! The command line: subcommands and flags (clap derive). Parsing only; each command's work
//! is in `commands`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// HelixAI: plataforma de bots de vendas no WhatsApp para várias empresas, num só binário.
#[derive(Debug, Parser)]
#[command(name = "helixai", version, about, long_about = None)]
pub struct Cli {
    /// Diretório de dados (helixai.db, secret.key, tenants/, backups/).
    #[arg(long, global = true, env = "HELIXAI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the process arguments; no subcommand means `serve` with its defaults (and its
    /// environment variables), exactly as if `serve` had been typed.
    pub fn parse_with_default() -> Cli {
        let cli = Cli::parse();
        if cli.command.is_some() {
            return cli;
        }
        Cli::parse_from(std::env::args_os().chain([std::ffi::OsString::from("serve")]))
    }
}

/// The subcommands; none means `serve` with its defaults.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sobe o servidor (painel, API, webhook do WhatsApp e workers do bot).
    Serve(ServeArgs),
    /// Gerencia empresas (tenants).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Aplica as migrações pendentes no banco central e nos tenants.
    Migrate(MigrateArgs),
    /// Gerencia usuários.
    #[command(subcommand)]
    User(UserCommand),
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Endereço em que o servidor escuta.
    #[arg(long, env = "HELIXAI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: Option<SocketAddr>,
    /// Máximo de bancos de tenants abertos ao mesmo tempo (LRU).
    #[arg(long, env = "HELIXAI_MAX_OPEN_TENANTS", default_value_t = 256)]
    pub max_open_tenants: usize,
    /// Número de threads HTTP.
    #[arg(long, env = "HELIXAI_HTTP_WORKERS", default_value_t = 8)]
    pub http_workers: usize,
    /// Cria três empresas de demonstração (só quando ainda não há empresas).
    #[arg(long)]
    pub demo: bool,
    /// Marca o cookie de sessão como Secure (use atrás de TLS).
    #[arg(long, env = "HELIXAI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Confia no X-Forwarded-For vindo de um proxy local (Caddy/nginx) para o IP do cliente.
    #[arg(long, env = "HELIXAI_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Duração da sessão em segundos, renovada enquanto em uso.
    #[arg(long, env = "HELIXAI_SESSION_TTL", default_value_t = 43_200)]
    pub session_ttl: i64,
    /// Dias de carência após o vencimento de uma assinatura antes de suspender a empresa.
    #[arg(long, env = "HELIXAI_CARENCIA_DIAS", default_value_t = 7)]
    pub carencia_dias: u32,
}

/// `tenant` subcommands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Cria uma empresa e o seu banco de dados.
    Create(TenantCreateArgs),
    /// Lista as empresas.
    List {
        /// Saída em JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Flags of `tenant create`.
#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// Nome da empresa, ex.: "Feirão ShowCar".
    #[arg(long)]
    pub nome: String,
    /// Identificador na URL: minúsculas, números e hífens (até 63).
    #[arg(long)]
    pub slug: String,
    /// Setor: veiculos, imoveis, autopecas, varejo ou servicos.
    #[arg(long)]
    pub setor: String,
    /// phone_number_id do WhatsApp Cloud API desta empresa.
    #[arg(long)]
    pub whatsapp_phone_number_id: Option<String>,
    /// Saída em JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `migrate`.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct MigrateArgs {
    /// Migra o banco central e todos os tenants (padrão).
    #[arg(long)]
    pub all: bool,
    /// Migra só o tenant com este slug.
    #[arg(long)]
    pub tenant: Option<String>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Cria um usuário; a senha é lida da entrada padrão.
    Create {
        /// E-mail (login).
        #[arg(long)]
        email: String,
        /// Papel: superadmin, admin ou atendente.
        #[arg(long)]
        papel: String,
        /// Slug da empresa (obrigatório para admin e atendente).
        #[arg(long)]
        empresa: Option<String>,
        /// Nome de exibição.
        #[arg(long, default_value = "")]
        nome: String,
    },
    /// Troca a senha de um usuário; a nova senha é lida da entrada padrão.
    Passwd {
        /// E-mail do usuário.
        #[arg(long)]
        email: String,
    },
}
