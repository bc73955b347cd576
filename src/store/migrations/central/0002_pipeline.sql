-- Webhook routing cache invalidation: every change to empresas (API, CLI in another process)
-- bumps this generation; the phone_number_id → empresa cache compares it on each request.
CREATE TABLE roteamento_geracao (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    valor INTEGER NOT NULL
);
INSERT INTO roteamento_geracao (id, valor) VALUES (1, 0);
CREATE TRIGGER empresas_geracao_ins AFTER INSERT ON empresas
BEGIN UPDATE roteamento_geracao SET valor = valor + 1 WHERE id = 1; END;
CREATE TRIGGER empresas_geracao_upd AFTER UPDATE ON empresas
BEGIN UPDATE roteamento_geracao SET valor = valor + 1 WHERE id = 1; END;
CREATE TRIGGER empresas_geracao_del AFTER DELETE ON empresas
BEGIN UPDATE roteamento_geracao SET valor = valor + 1 WHERE id = 1; END;
