-- Tenant schema, common part: every empresa file has these tables.
-- The setor tables (veiculos, imoveis, produtos) are added by the setor's own script.
CREATE TABLE meta (
    chave TEXT PRIMARY KEY,
    valor TEXT NOT NULL
);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    wa_id TEXT UNIQUE,
    nome TEXT,
    telefone TEXT,
    email TEXT,
    interesse TEXT,
    orcamento_centavos INTEGER,
    status TEXT NOT NULL DEFAULT 'novo'
        CHECK (status IN ('novo', 'em_atendimento', 'qualificado', 'visita_agendada', 'vendido', 'perdido')),
    notas TEXT,
    responsavel_id INTEGER,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX leads_status ON leads(status, id);

CREATE TABLE conversas (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES leads(id),
    canal TEXT NOT NULL DEFAULT 'whatsapp',
    modo TEXT NOT NULL DEFAULT 'bot' CHECK (modo IN ('bot', 'humano')),
    aberta INTEGER NOT NULL DEFAULT 1,
    nao_lidas INTEGER NOT NULL DEFAULT 0,
    ultima_mensagem_em TEXT,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX conversas_lead ON conversas(lead_id, aberta);
CREATE INDEX conversas_recentes ON conversas(ultima_mensagem_em DESC, id DESC);

CREATE TABLE mensagens (
    id INTEGER PRIMARY KEY,
    conversa_id INTEGER NOT NULL REFERENCES conversas(id),
    direcao TEXT NOT NULL CHECK (direcao IN ('entrada', 'saida')),
    autor TEXT NOT NULL CHECK (autor IN ('cliente', 'bot', 'humano', 'sistema')),
    tipo TEXT NOT NULL DEFAULT 'text',
    texto TEXT,
    wa_message_id TEXT UNIQUE,
    midia_id TEXT,
    midia_mime TEXT,
    bruto_json TEXT,
    status TEXT NOT NULL DEFAULT 'recebida',
    erro_codigo INTEGER,
    erro_texto TEXT,
    enviado_por INTEGER,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX mensagens_conversa ON mensagens(conversa_id, id);
CREATE INDEX mensagens_data ON mensagens(criado_em);

CREATE TABLE produtos_catalogo (
    id INTEGER PRIMARY KEY,
    nome TEXT NOT NULL,
    descricao TEXT NOT NULL DEFAULT '',
    categoria TEXT,
    preco_centavos INTEGER CHECK (preco_centavos IS NULL OR preco_centavos >= 0),
    disponivel INTEGER NOT NULL DEFAULT 1,
    busca TEXT NOT NULL DEFAULT '',        -- lowercase, accent-free text the search matches
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE agendamentos (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER REFERENCES leads(id),
    conversa_id INTEGER REFERENCES conversas(id),
    item_id INTEGER REFERENCES produtos_catalogo(id) ON DELETE SET NULL,
    data_hora TEXT NOT NULL,
    observacao TEXT,
    status TEXT NOT NULL DEFAULT 'agendado' CHECK (status IN ('agendado', 'confirmado', 'realizado', 'cancelado')),
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    tipo TEXT NOT NULL,
    conversa_id INTEGER REFERENCES conversas(id),
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pendente' CHECK (status IN ('pendente', 'executando', 'concluido', 'falhou')),
    tentativas INTEGER NOT NULL DEFAULT 0,
    executar_apos TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    erro TEXT,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX jobs_pendentes ON jobs(status, executar_apos, id);
