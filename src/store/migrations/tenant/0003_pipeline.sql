-- The durable message pipeline: debounce and reply bookkeeping on conversas, leases and the
-- pending reply on jobs. Times in epoch milliseconds (debounce needs sub-second precision).
ALTER TABLE conversas ADD COLUMN ultima_entrada_ms INTEGER NOT NULL DEFAULT 0;
-- Highest inbound mensagem id already answered (or deliberately left unanswered).
ALTER TABLE conversas ADD COLUMN respondida_ate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN executar_apos_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_ate_ms INTEGER;
ALTER TABLE jobs ADD COLUMN lease_token INTEGER;
-- The outbound mensagem this job composed; once it has a wa_message_id it is never sent again.
ALTER TABLE jobs ADD COLUMN saida_id INTEGER REFERENCES mensagens(id);
-- At most one waiting bot job per conversa: a burst of messages refreshes it.
CREATE UNIQUE INDEX jobs_bot_pendente ON jobs(conversa_id) WHERE tipo = 'bot' AND status = 'pendente';
CREATE INDEX jobs_ativos ON jobs(status, executar_apos_ms) WHERE status IN ('pendente', 'executando');
CREATE INDEX conversas_abertas ON conversas(lead_id, canal, aberta, id);
