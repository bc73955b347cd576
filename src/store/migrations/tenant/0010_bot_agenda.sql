-- Issue #18, the sales conversation: appointments booked by the bot or the staff, the lead
-- card the bot fills, the bot's dialog memory per conversa, the simulator's sandbox, and a
-- catalog version the bot's vocabulary cache follows.

-- Appointments: kind, length, who booked, a name when there is no lead, seen by the staff.
-- `data_hora` is the empresa's local time (Brasília, UTC-3), `YYYY-MM-DD HH:MM`.
ALTER TABLE agendamentos ADD COLUMN tipo TEXT NOT NULL DEFAULT 'visita'
    CHECK (tipo IN ('visita', 'test_drive', 'servico'));
ALTER TABLE agendamentos ADD COLUMN duracao_min INTEGER NOT NULL DEFAULT 60
    CHECK (duracao_min BETWEEN 5 AND 1440);
ALTER TABLE agendamentos ADD COLUMN cliente_nome TEXT;
ALTER TABLE agendamentos ADD COLUMN origem TEXT NOT NULL DEFAULT 'bot' CHECK (origem IN ('bot', 'painel'));
ALTER TABLE agendamentos ADD COLUMN visto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agendamentos ADD COLUMN atualizado_em TEXT;
UPDATE agendamentos SET data_hora = replace(substr(data_hora, 1, 16), 'T', ' '), atualizado_em = criado_em;
CREATE INDEX agendamentos_data ON agendamentos(data_hora, id);
CREATE INDEX agendamentos_lead ON agendamentos(lead_id, data_hora);
CREATE INDEX agendamentos_conversa ON agendamentos(conversa_id, data_hora);
CREATE INDEX agendamentos_novos ON agendamentos(visto) WHERE visto = 0;

-- The lead card: when the customer prefers to be contacted.
ALTER TABLE leads ADD COLUMN horario_preferido TEXT;

-- What the bot remembers about a conversa between turns (JSON, see bot::dialogo).
CREATE TABLE conversas_dialogo (
    conversa_id INTEGER PRIMARY KEY REFERENCES conversas(id),
    estado TEXT NOT NULL,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- "Testar bot": a sandbox conversation per panel user and session; never a lead or conversa.
CREATE TABLE bot_sandbox (
    chave TEXT PRIMARY KEY,
    estado TEXT NOT NULL,
    historico TEXT NOT NULL DEFAULT '[]',
    atualizado_ms INTEGER NOT NULL
);

-- The catalog's version: every change bumps it, so derived data (the bot's vocabulary) is
-- rebuilt only when the catalog changed.
INSERT OR IGNORE INTO meta (chave, valor) VALUES ('catalogo_versao', '1');
CREATE TRIGGER catalogo_versao_insert AFTER INSERT ON produtos_catalogo BEGIN
    UPDATE meta SET valor = CAST(valor AS INTEGER) + 1 WHERE chave = 'catalogo_versao';
END;
CREATE TRIGGER catalogo_versao_update AFTER UPDATE ON produtos_catalogo BEGIN
    UPDATE meta SET valor = CAST(valor AS INTEGER) + 1 WHERE chave = 'catalogo_versao';
END;
CREATE TRIGGER catalogo_versao_delete AFTER DELETE ON produtos_catalogo BEGIN
    UPDATE meta SET valor = CAST(valor AS INTEGER) + 1 WHERE chave = 'catalogo_versao';
END;

-- Search text: words glued by punctuation (`Gol/Voyage`, `5U0-698-151`) also searchable
-- apart and joined (new and edited items get the same from catalogo::texto_busca).
UPDATE produtos_catalogo SET busca = busca || ' ' ||
    replace(replace(replace(replace(replace(replace(replace(replace(busca, '/', ' '), '-', ' '), '(', ' '), ')', ' '),
        ',', ' '), ';', ' '), ':', ' '), '"', ' ')
    || ' ' || replace(replace(replace(busca, '-', ''), '/', ''), '.', '');
