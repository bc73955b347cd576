-- Media quota per plano (issue #21): megabytes of stored media an empresa on the plano may
-- keep; NULL = unlimited, like the other limits.
ALTER TABLE planos ADD COLUMN limite_midia_mb INTEGER;

-- Stored media per empresa, kept by the media worker after every change (recomputed from
-- the tenant file, never incremented), for the reseller's list without opening every tenant.
-- Kept out of `empresas`: a write there bumps the webhook routing generation.
CREATE TABLE midia_uso (
    empresa_id INTEGER PRIMARY KEY,
    bytes INTEGER NOT NULL DEFAULT 0,
    arquivos INTEGER NOT NULL DEFAULT 0,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
