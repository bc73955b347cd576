-- Memory for long conversations: a short summary the bot reads instead of the full history,
-- and an index for the panel's "leads updated recently" view.
ALTER TABLE conversas ADD COLUMN resumo TEXT;
CREATE INDEX leads_atualizado ON leads(atualizado_em DESC, id DESC);
