-- Second WhatsApp channel: Evolution API (QR-code pairing through Baileys).
-- Each empresa talks through one channel at a time.
ALTER TABLE empresas ADD COLUMN whatsapp_canal TEXT NOT NULL DEFAULT 'cloud'
    CHECK (whatsapp_canal IN ('cloud', 'evolution'));

-- The empresa's Evolution instance. Kept out of `empresas` on purpose: connection and QR
-- events arrive every few seconds and must not bump the Cloud routing generation.
CREATE TABLE evolution_instancias (
    empresa_id INTEGER PRIMARY KEY REFERENCES empresas(id),
    instancia TEXT NOT NULL UNIQUE,            -- derived from the empresa, never from input
    token BLOB,                                -- instance token, encrypted with secret.key
    webhook_segredo BLOB NOT NULL,             -- the secret in the webhook URL, encrypted
    webhook_segredo_hash TEXT NOT NULL UNIQUE, -- SHA-256 hex of it: the routing key
    estado TEXT NOT NULL DEFAULT 'desconectado'
        CHECK (estado IN ('desconectado', 'conectando', 'conectado', 'recusado')),
    motivo_codigo INTEGER,                     -- Baileys statusReason of the last change
    motivo TEXT,                               -- pt-BR description of it
    numero TEXT,                               -- the paired number (digits)
    nome_perfil TEXT,
    qr_code TEXT,                              -- the latest QR string (rotates)
    pairing_code TEXT,
    qr_em TEXT,
    estado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    criado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Appliance-wide settings (Evolution URL and global key, public URL). Secrets encrypted.
CREATE TABLE ajustes (
    chave TEXT PRIMARY KEY,
    valor TEXT,
    valor_cifrado BLOB,
    atualizado_em TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
