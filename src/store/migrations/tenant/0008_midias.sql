-- Media of the empresa (issue #21): what a customer sent (image, audio, video, document,
-- sticker), what an attendant attached to a reply, and catalog photos. The bytes live beside
-- the tenant file in `tenants/<database_name>.midia/<sha256>` (content-addressed, one copy per
-- content); a row says where a file belongs and how far its download got.
CREATE TABLE midias (
    id INTEGER PRIMARY KEY,
    -- The message it came or went with (NULL for a catalog photo).
    mensagem_id INTEGER UNIQUE REFERENCES mensagens(id) ON DELETE CASCADE,
    -- The catalog item it illustrates (NULL for a message's media).
    item_id INTEGER REFERENCES produtos_catalogo(id) ON DELETE CASCADE,
    ordem INTEGER NOT NULL DEFAULT 0,
    tipo TEXT NOT NULL CHECK (tipo IN ('image', 'audio', 'video', 'document', 'sticker')),
    -- A voice note (recorded with the WhatsApp microphone).
    voz INTEGER NOT NULL DEFAULT 0,
    -- Where the bytes come from: cloud (Graph media id), evolution (message id), painel (upload).
    origem TEXT NOT NULL CHECK (origem IN ('cloud', 'evolution', 'painel')),
    -- The provider's reference to download it (never a URL: Meta's expire and carry no token).
    ref_externa TEXT,
    mime_declarado TEXT,
    nome_arquivo TEXT,
    estado TEXT NOT NULL DEFAULT 'pendente' CHECK (estado IN ('pendente', 'pronta', 'falhou')),
    -- Why it failed, in pt-BR, for the panel.
    erro TEXT,
    -- The stored file, once `pronta`: content address, the MIME sniffed from the bytes, size.
    sha256 TEXT,
    mime TEXT,
    tamanho INTEGER,
    -- Voice notes and audio from customers: NULL (not applicable), pendente, pronta,
    -- sem_chave (the empresa has no LLM key), falhou. The transcript itself is the mensagem's texto.
    transcricao_estado TEXT
        CHECK (transcricao_estado IS NULL OR transcricao_estado IN ('pendente', 'pronta', 'sem_chave', 'falhou')),
    -- Cloud API upload id of this file, reused for 20 days (Meta keeps uploads for 30).
    envio_ref TEXT,
    envio_ref_ms INTEGER,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX midias_sha ON midias(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX midias_item ON midias(item_id, ordem, id) WHERE item_id IS NOT NULL;

-- Active media jobs, by conversa (a reply waits while its voice note's job is active) and in
-- order (the media worker's claim). Partial: bot and send jobs, the hot path of every message,
-- never enter these indexes.
CREATE INDEX jobs_audio_ativos ON jobs(conversa_id)
    WHERE tipo = 'midia_audio' AND status IN ('pendente', 'executando');
CREATE INDEX jobs_midia_ativos ON jobs(id)
    WHERE tipo IN ('midia', 'midia_audio') AND status IN ('pendente', 'executando');
