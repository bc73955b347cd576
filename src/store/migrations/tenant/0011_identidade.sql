-- Customer identity after WhatsApp usernames (issue #17). A lead carries its phone (wa_id:
-- the canonical number, as before), its business-scoped user id (user_id: the Cloud API's
-- BSUID, or for the QR-code channel the privacy JID `…@lid`) and its username when known.
-- A message's lead is looked up by user_id first, then by any form of the number.
ALTER TABLE leads ADD COLUMN user_id TEXT;
ALTER TABLE leads ADD COLUMN username TEXT;

-- Leads created from a message without a phone were keyed by what the message had: a BSUID
-- (Cloud API, `from` empty) or an `@lid` JID (Evolution). That key is their user_id; they
-- have no phone. (A phone key is digits only.) Right-hand sides read the old row.
UPDATE leads SET user_id = wa_id, wa_id = NULL, telefone = CASE WHEN telefone = wa_id THEN NULL ELSE telefone END
 WHERE wa_id GLOB '*[^0-9]*';
-- The empty key: messages with neither phone nor BSUID, all merged into one lead. It stays
-- one lead (what it holds cannot be told apart any more), now without a key.
UPDATE leads SET wa_id = NULL, telefone = NULLIF(telefone, '') WHERE wa_id = '';

-- Phone leads learn their BSUID (or LID) from their latest inbound message that carried one:
-- the Cloud API's `from_user_id`, Evolution's `key.remoteJid` when it is an `@lid`, or its
-- older `key.senderLid`.
UPDATE leads SET user_id = (
    SELECT CASE WHEN json_valid(m.bruto_json) THEN COALESCE(
               NULLIF(json_extract(m.bruto_json, '$.from_user_id'), ''),
               CASE WHEN json_extract(m.bruto_json, '$.key.remoteJid') LIKE '%@lid'
                    THEN json_extract(m.bruto_json, '$.key.remoteJid') END,
               NULLIF(json_extract(m.bruto_json, '$.key.senderLid'), ''))
           END AS uid
      FROM conversas c JOIN mensagens m ON m.conversa_id = c.id
     WHERE c.lead_id = leads.id AND m.direcao = 'entrada' AND m.bruto_json IS NOT NULL AND uid IS NOT NULL
     ORDER BY m.id DESC LIMIT 1)
 WHERE user_id IS NULL AND wa_id IS NOT NULL;

-- One lead per user_id: where two leads got the same one (the duplicates this migration's
-- issue was about), the older lead keeps it. Leads are not merged.
CREATE INDEX leads_user_id_migracao ON leads(user_id) WHERE user_id IS NOT NULL;
UPDATE leads SET user_id = NULL
 WHERE user_id IS NOT NULL AND EXISTS (SELECT 1 FROM leads o WHERE o.user_id = leads.user_id AND o.id < leads.id);
DROP INDEX leads_user_id_migracao;
-- The lookup `WHERE user_id = ? OR wa_id IN (...)` uses this and wa_id's own unique index.
CREATE UNIQUE INDEX leads_user_id ON leads(user_id) WHERE user_id IS NOT NULL;
