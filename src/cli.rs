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
    /// Faz backup online (com o servidor rodando) dos tenants (com suas mídias) e/ou do banco central.
    Backup(BackupArgs),
    /// Restaura o banco de uma empresa a partir de um backup (com o servidor parado); as mídias voltam dos backups.
    Restore(RestoreArgs),
    /// Configura o servidor Evolution API (WhatsApp por QR Code) usado por todas as empresas.
    #[command(subcommand)]
    Evolution(EvolutionCommand),
    /// Cópia contínua de todos os bancos num armazenamento compatível com S3, fora desta máquina,
    /// e a restauração a partir dela.
    #[command(subcommand)]
    Replica(ReplicaCommand),
}

/// `replica` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReplicaCommand {
    /// Configura o destino (endpoint, bucket, chaves lidas da entrada padrão, uma por linha, na
    /// ordem das flags *-stdin); confere o bucket antes de gravar e mostra a chave da réplica
    /// uma única vez, quando ela é criada.
    Config(ReplicaConfigArgs),
    /// Mostra a configuração, o que já foi enviado e se o bucket responde.
    Status,
    /// Restaura a partir da réplica: tudo (--all, num diretório de dados vazio) ou uma empresa
    /// (--tenant, com o servidor parado), opcionalmente num momento passado (--at).
    Restore(ReplicaRestoreArgs),
    /// Faz desta instalação a dona da réplica (depois de restaurar numa máquina nova que substitui a antiga).
    Assumir,
    /// Desliga a réplica (o que já está no bucket fica lá; replica.key é mantido).
    Desligar,
}

/// Where the bucket is (config, and restore on a machine without a configuration).
#[derive(Debug, Args)]
pub struct ReplicaDestinoArgs {
    /// URL do armazenamento S3, ex.: https://s3.us-east-005.backblazeb2.com ou http://127.0.0.1:9000.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Nome do bucket (crie-o antes no provedor).
    #[arg(long)]
    pub bucket: Option<String>,
    /// Região (padrão us-east-1; R2 usa auto).
    #[arg(long)]
    pub region: Option<String>,
    /// Pasta dentro do bucket (padrão helixai).
    #[arg(long)]
    pub prefix: Option<String>,
    /// Lê a chave de acesso (access key id) da entrada padrão.
    #[arg(long)]
    pub access_key_stdin: bool,
    /// Lê o segredo da chave (secret access key) da entrada padrão.
    #[arg(long)]
    pub secret_key_stdin: bool,
}

/// Flags of `replica config`.
#[derive(Debug, Args)]
pub struct ReplicaConfigArgs {
    #[command(flatten)]
    pub destino: ReplicaDestinoArgs,
    /// Dias de história mantidos no bucket (restaurações com --at até esse tanto atrás; padrão 7).
    #[arg(long)]
    pub retention_days: Option<u32>,
}

/// Flags of `replica restore`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("alvo").required(true).args(["all", "tenant"])))]
pub struct ReplicaRestoreArgs {
    /// Reconstrói o diretório de dados inteiro (--data-dir, que deve estar vazio).
    #[arg(long)]
    pub all: bool,
    /// Restaura só esta empresa (slug) neste diretório de dados, com o servidor parado.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Momento a restaurar, em UTC (AAAA-MM-DD HH:MM) ou com fuso (2026-11-29 14:30-03:00); padrão: o mais recente.
    #[arg(long)]
    pub at: Option<String>,
    /// Com --all: esta máquina substitui a antiga e passa a enviar para o mesmo bucket.
    #[arg(long, requires = "all")]
    pub assumir: bool,
    /// Lê a chave da réplica da entrada padrão (ou use HELIXAI_REPLICA_KEY; com --tenant, o replica.key local).
    #[arg(long)]
    pub replica_key_stdin: bool,
    #[command(flatten)]
    pub destino: ReplicaDestinoArgs,
}

/// `evolution` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvolutionCommand {
    /// Grava a URL do Evolution, a URL pública deste servidor e (da entrada padrão ou de
    /// HELIXAI_EVOLUTION_API_KEY) a chave global, cifrada; sem flags, mostra a configuração.
    Config(EvolutionConfigArgs),
}

/// Flags of `evolution config`.
#[derive(Debug, Args)]
pub struct EvolutionConfigArgs {
    /// URL base do servidor Evolution API, ex.: http://127.0.0.1:8081.
    #[arg(long, env = "HELIXAI_EVOLUTION_URL")]
    pub url: Option<String>,
    /// URL pela qual o Evolution alcança este servidor (para o webhook), ex.: https://painel.exemplo.com.br.
    #[arg(long, env = "HELIXAI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Lê a chave global (AUTHENTICATION_API_KEY) do Evolution da entrada padrão.
    #[arg(long)]
    pub key_stdin: bool,
}

/// Flags of `tenant connect`.
#[derive(Debug, Args)]
pub struct TenantConnectArgs {
    /// Slug da empresa.
    pub slug: String,
    /// Número do WhatsApp com DDI e DDD, para receber também um código de pareamento.
    #[arg(long)]
    pub numero: Option<String>,
    /// Segundos esperando a leitura do QR Code antes de desistir.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Segundos entre as atualizações do QR Code.
    #[arg(long, default_value_t = 5)]
    pub intervalo: u64,
    /// Mostra o QR Code uma vez e sai, sem esperar a leitura.
    #[arg(long)]
    pub sem_esperar: bool,
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
    /// Número de threads que rodam o bot e enviam as respostas (0 = nenhuma).
    #[arg(long, env = "HELIXAI_BOT_WORKERS", default_value_t = 2)]
    pub bot_workers: usize,
    /// Espera, em ms, por mais mensagens do mesmo contato antes de responder tudo de uma vez.
    #[arg(long, env = "HELIXAI_DEBOUNCE_MS", default_value_t = 2000)]
    pub debounce_ms: u64,
    /// Maior corpo aceito pelos webhooks (/webhook/whatsapp e /webhook/evolution/...), em bytes;
    /// a Meta envia até 3 MB por entrega. A API do painel mantém o seu limite menor.
    #[arg(long, env = "HELIXAI_MAX_WEBHOOK_BYTES", default_value_t = crate::config::MAX_WEBHOOK_BYTES)]
    pub max_webhook_bytes: usize,
    /// Quadros de WAL após os quais o journal passa a gravar no outro arquivo (testes).
    #[arg(long, env = "HELIXAI_JOURNAL_WAL_FRAMES", default_value_t = crate::store::journal::LIMITE_QUADROS, hide = true)]
    pub journal_wal_frames: u32,
    /// App secret global do WhatsApp, para conferir X-Hub-Signature-256 (cada empresa pode ter o seu).
    #[arg(long, env = "HELIXAI_WHATSAPP_APP_SECRET", hide_env_values = true)]
    pub whatsapp_app_secret: Option<String>,
    /// Token de verificação do webhook (o mesmo digitado no painel da Meta).
    #[arg(long, env = "HELIXAI_WHATSAPP_VERIFY_TOKEN", hide_env_values = true)]
    pub whatsapp_verify_token: Option<String>,
    /// URL base da Graph API do WhatsApp (com a versão).
    #[arg(long, env = "HELIXAI_GRAPH_API_URL", default_value = crate::whatsapp::DEFAULT_GRAPH_URL)]
    pub graph_api_url: String,
    /// Dias de carência após o vencimento de uma assinatura antes de suspender a empresa.
    #[arg(long, env = "HELIXAI_CARENCIA_DIAS", default_value_t = 7)]
    pub carencia_dias: u32,
    /// Intervalo dos backups automáticos de todos os tenants e do central (ex.: 24h, 30m; 0 desliga).
    #[arg(long, env = "HELIXAI_BACKUP_EVERY", default_value = "24h")]
    pub backup_every: String,
    /// Quantos backups manter por banco (os mais novos; 0 mantém todos).
    #[arg(long, env = "HELIXAI_BACKUP_KEEP", default_value_t = 7)]
    pub backup_keep: usize,
    /// Token exigido em `Authorization: Bearer` para ler /metrics de qualquer origem
    /// (sem ele, /metrics só responde a requisições diretas de 127.0.0.1/::1).
    #[arg(long, env = "HELIXAI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// URL base do servidor Evolution API (WhatsApp por QR Code); fica gravada. A chave global
    /// vem de HELIXAI_EVOLUTION_API_KEY (ou de `helixai evolution config --key-stdin`).
    #[arg(long, env = "HELIXAI_EVOLUTION_URL")]
    pub evolution_url: Option<String>,
    /// URL pela qual o Evolution alcança este servidor (webhook); fica gravada.
    #[arg(long, env = "HELIXAI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Espera máxima, quando a réplica externa está configurada, entre uma mudança e sua cópia no bucket (ex.: 60s, 5m).
    #[arg(long, env = "HELIXAI_REPLICA_INTERVAL", default_value = "60s")]
    pub replica_interval: String,
}

/// Flags of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Todos os tenants e o banco central (padrão).
    #[arg(long)]
    pub all: bool,
    /// Só o tenant com este slug.
    #[arg(long, conflicts_with = "all")]
    pub tenant: Option<String>,
    /// Só o banco central (helixai.db).
    #[arg(long, conflicts_with_all = ["all", "tenant"])]
    pub central: bool,
    /// Quantos backups manter por banco (os mais novos; 0 mantém todos).
    #[arg(long, env = "HELIXAI_BACKUP_KEEP", default_value_t = 7)]
    pub keep: usize,
}

/// Flags of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Slug da empresa a restaurar.
    #[arg(long)]
    pub tenant: String,
    /// Arquivo de backup (ex.: data/backups/empresa_1_loja/20261128T030000Z.db).
    #[arg(long)]
    pub from: PathBuf,
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
    /// Exporta uma empresa para um arquivo (para movê-la a outro servidor), com suas mídias; sem segredos.
    Export {
        /// Slug da empresa.
        slug: String,
        /// Arquivo de saída (não pode existir).
        #[arg(long)]
        out: PathBuf,
    },
    /// Importa uma empresa exportada por `tenant export` (em outro diretório de dados).
    Import {
        /// Arquivo gerado por `tenant export`.
        file: PathBuf,
        /// Novo slug (padrão: o da exportação).
        #[arg(long)]
        slug: Option<String>,
    },
    /// Configura o canal do WhatsApp e o LLM de uma empresa; segredos são lidos da entrada
    /// padrão, um por linha, na ordem em que as flags *-stdin aparecem.
    Set(TenantSetArgs),
    /// Conecta o WhatsApp da empresa por QR Code (Evolution API): mostra o QR e o código de
    /// pareamento e atualiza até o celular ler.
    Connect(TenantConnectArgs),
    /// Desconecta o WhatsApp (QR Code) da empresa; com --excluir, apaga a instância no Evolution.
    Disconnect {
        /// Slug da empresa.
        slug: String,
        /// Apaga também a instância no servidor Evolution.
        #[arg(long)]
        excluir: bool,
    },
}

/// Flags of `tenant set`.
#[derive(Debug, Args)]
pub struct TenantSetArgs {
    /// Slug da empresa.
    pub slug: String,
    /// phone_number_id do WhatsApp Cloud API (único entre as empresas).
    #[arg(long)]
    pub whatsapp_phone_number_id: Option<String>,
    /// Canal do WhatsApp: cloud (API oficial da Meta) ou evolution (QR Code).
    #[arg(long)]
    pub canal: Option<String>,
    /// Número do WhatsApp exibido, ex.: 5511999990000.
    #[arg(long)]
    pub whatsapp_numero: Option<String>,
    /// Lê o token de acesso do WhatsApp da entrada padrão.
    #[arg(long)]
    pub whatsapp_token_stdin: bool,
    /// Lê o app secret próprio da empresa da entrada padrão.
    #[arg(long)]
    pub app_secret_stdin: bool,
    /// URL base do provedor compatível com OpenAI, ex.: https://api.openai.com/v1.
    #[arg(long)]
    pub llm_base_url: Option<String>,
    /// Modelo do LLM, ex.: gpt-4o-mini.
    #[arg(long)]
    pub llm_modelo: Option<String>,
    /// Lê a chave de API do LLM da entrada padrão.
    #[arg(long)]
    pub llm_key_stdin: bool,
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
