-- Central schema: the reseller's view of every empresa, user, plan and payment.
CREATE TABLE planos (
    id INTEGER PRIMARY KEY,
    nome TEXT NOT NULL UNIQUE,
    preco_centavos INTEGER NOT NULL DEFAULT 0 CHECK (preco_centavos >= 0),
    limite_mensagens_mes INTEGER,          -- NULL = ilimitado
    limite_usuarios INTEGER,
    limite_itens_catalogo INTEGER,
    ativo INTEGER NOT NULL DEFAULT 1,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE empresas (
    id INTEGER PRIMARY KEY,
    nome TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    setor TEXT NOT NULL CHECK (setor IN ('veiculos', 'imoveis', 'autopecas', 'varejo', 'servicos')),
    database_name TEXT NOT NULL UNIQUE,
    database_host TEXT NOT NULL DEFAULT 'localhost',
    database_port INTEGER NOT NULL DEFAULT 0,
    whatsapp_numero TEXT,
    whatsapp_phone_number_id TEXT UNIQUE,
    whatsapp_qr_code TEXT,
    whatsapp_token BLOB,                   -- encrypted with secret.key
    whatsapp_app_secret BLOB,              -- encrypted; overrides the global app secret
    openai_api_key BLOB,                   -- encrypted
    llm_base_url TEXT,
    llm_modelo TEXT,
    prompt_customizado TEXT,
    configuracoes_json TEXT NOT NULL DEFAULT '{}',
    ativo INTEGER NOT NULL DEFAULT 1,
    plano_id INTEGER REFERENCES planos(id),
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE usuarios (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    senha_hash TEXT NOT NULL,
    nome TEXT NOT NULL DEFAULT '',
    papel TEXT NOT NULL CHECK (papel IN ('superadmin', 'admin', 'atendente')),
    empresa_id INTEGER REFERENCES empresas(id),
    ativo INTEGER NOT NULL DEFAULT 1,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((papel = 'superadmin') = (empresa_id IS NULL))
);
CREATE INDEX usuarios_empresa ON usuarios(empresa_id);

CREATE TABLE assinaturas (
    id INTEGER PRIMARY KEY,
    empresa_id INTEGER NOT NULL REFERENCES empresas(id),
    plano_id INTEGER NOT NULL REFERENCES planos(id),
    status TEXT NOT NULL DEFAULT 'ativa' CHECK (status IN ('ativa', 'atrasada', 'suspensa', 'cancelada')),
    inicio TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    proximo_vencimento TEXT,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX assinaturas_empresa ON assinaturas(empresa_id);

CREATE TABLE pagamentos (
    id INTEGER PRIMARY KEY,
    assinatura_id INTEGER NOT NULL REFERENCES assinaturas(id),
    valor_centavos INTEGER NOT NULL CHECK (valor_centavos > 0),
    pago_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    referencia TEXT,
    metodo TEXT,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX pagamentos_assinatura ON pagamentos(assinatura_id);

CREATE TABLE sessoes (
    token_hash TEXT PRIMARY KEY,           -- SHA-256 hex of the cookie token
    usuario_id INTEGER NOT NULL REFERENCES usuarios(id) ON DELETE CASCADE,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expira_em TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX sessoes_usuario ON sessoes(usuario_id);

CREATE TABLE auditoria (
    id INTEGER PRIMARY KEY,
    usuario_id INTEGER,
    empresa_id INTEGER,
    acao TEXT NOT NULL,
    alvo TEXT,
    detalhes TEXT,
    ip TEXT,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX auditoria_empresa ON auditoria(empresa_id, id);

-- Tenants with queued bot jobs: lets workers find work without opening every tenant file.
CREATE TABLE trabalho_pendente (
    empresa_id INTEGER PRIMARY KEY REFERENCES empresas(id),
    desde TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Webhook numbers that matched no empresa, for the superadmin's system page.
CREATE TABLE numeros_nao_roteados (
    phone_number_id TEXT PRIMARY KEY,
    display_phone_number TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    ultimo_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
