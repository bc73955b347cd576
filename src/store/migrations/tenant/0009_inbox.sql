-- The inbox attendants live in (issue #21): handoff that never talks over a person,
-- assignment, resolution, alerts, full-text search, quick replies and tags on leads.

-- Who is in charge of a conversa (a central usuario id of this empresa); NULL = não atribuída.
ALTER TABLE conversas ADD COLUMN atribuida_a INTEGER;
-- Last human activity in modo humano (handoff, take-over, an attendant's reply), epoch ms:
-- the bot answers again once the empresa's idle time has passed since then.
ALTER TABLE conversas ADD COLUMN humano_desde_ms INTEGER;
-- The customer asked for a person (the bot handed over) and no attendant took it yet.
ALTER TABLE conversas ADD COLUMN pediu_humano_em TEXT;
-- Marked resolved in the panel; the customer's next message clears it (reopens).
ALTER TABLE conversas ADD COLUMN resolvida_em TEXT;
-- Opened in the panel since it arrived (or reopened). 0 = "nova", counted by the alerts.
ALTER TABLE conversas ADD COLUMN vista INTEGER NOT NULL DEFAULT 0;
-- Conversas from before this version are not news: no alert storm after an upgrade.
UPDATE conversas SET vista = 1;
UPDATE conversas SET humano_desde_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    WHERE modo = 'humano';
-- Only the rare states are indexed, so a new conversa (the webhook's hot path) pays nothing.
CREATE INDEX conversas_pediu_humano ON conversas(pediu_humano_em) WHERE pediu_humano_em IS NOT NULL;
CREATE INDEX conversas_atribuidas ON conversas(atribuida_a) WHERE atribuida_a IS NOT NULL;

-- When a lead's status last changed (the dashboard counts leads moved to visita_agendada).
ALTER TABLE leads ADD COLUMN status_em TEXT;
UPDATE leads SET status_em = atualizado_em WHERE status != 'novo';
CREATE TRIGGER leads_status_em AFTER UPDATE OF status ON leads WHEN old.status IS NOT new.status
BEGIN
    UPDATE leads SET status_em = CURRENT_TIMESTAMP WHERE id = new.id;
END;

-- Tags on leads ("VIP", "financiamento"...), unique per lead regardless of ASCII case.
CREATE TABLE lead_etiquetas (
    lead_id INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    etiqueta TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (lead_id, etiqueta)
) WITHOUT ROWID;
CREATE INDEX lead_etiquetas_etiqueta ON lead_etiquetas(etiqueta, lead_id);

-- Quick replies typed as /atalho in the reply box.
CREATE TABLE respostas_rapidas (
    id INTEGER PRIMARY KEY,
    atalho TEXT NOT NULL UNIQUE COLLATE NOCASE,
    texto TEXT NOT NULL,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Full-text search (FTS5, accent- and case-insensitive). External content: the text lives
-- only in mensagens / leads; the index holds tokens. Triggers keep it in the same
-- transaction as the row, whoever writes it (webhook batch, bot reply, panel, fixtures).
CREATE VIRTUAL TABLE mensagens_busca USING fts5(
    texto, content = 'mensagens', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', columnsize = 0
);
CREATE TRIGGER mensagens_busca_ai AFTER INSERT ON mensagens WHEN new.texto IS NOT NULL
BEGIN
    INSERT INTO mensagens_busca (rowid, texto) VALUES (new.id, new.texto);
END;
CREATE TRIGGER mensagens_busca_ad AFTER DELETE ON mensagens WHEN old.texto IS NOT NULL
BEGIN
    INSERT INTO mensagens_busca (mensagens_busca, rowid, texto) VALUES ('delete', old.id, old.texto);
END;
CREATE TRIGGER mensagens_busca_au AFTER UPDATE OF texto ON mensagens WHEN old.texto IS NOT new.texto
BEGIN
    INSERT INTO mensagens_busca (mensagens_busca, rowid, texto)
        SELECT 'delete', old.id, old.texto WHERE old.texto IS NOT NULL;
    INSERT INTO mensagens_busca (rowid, texto) SELECT new.id, new.texto WHERE new.texto IS NOT NULL;
END;
INSERT INTO mensagens_busca (rowid, texto) SELECT id, texto FROM mensagens WHERE texto IS NOT NULL;

CREATE VIRTUAL TABLE leads_busca USING fts5(
    nome, content = 'leads', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', columnsize = 0
);
CREATE TRIGGER leads_busca_ai AFTER INSERT ON leads WHEN new.nome IS NOT NULL
BEGIN
    INSERT INTO leads_busca (rowid, nome) VALUES (new.id, new.nome);
END;
CREATE TRIGGER leads_busca_ad AFTER DELETE ON leads WHEN old.nome IS NOT NULL
BEGIN
    INSERT INTO leads_busca (leads_busca, rowid, nome) VALUES ('delete', old.id, old.nome);
END;
-- Every inbound message touches its lead (`nome = COALESCE(nome, ?)`): only a real change
-- of the name reaches the index.
CREATE TRIGGER leads_busca_au AFTER UPDATE OF nome ON leads WHEN old.nome IS NOT new.nome
BEGIN
    INSERT INTO leads_busca (leads_busca, rowid, nome)
        SELECT 'delete', old.id, old.nome WHERE old.nome IS NOT NULL;
    INSERT INTO leads_busca (rowid, nome) SELECT new.id, new.nome WHERE new.nome IS NOT NULL;
END;
INSERT INTO leads_busca (rowid, nome) SELECT id, nome FROM leads WHERE nome IS NOT NULL;
