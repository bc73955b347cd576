-- Where a conversa's replies go: the address the customer last wrote from (the Cloud API
-- wa_id, or the Evolution JID). NULL for older conversas: the lead's wa_id is used.
ALTER TABLE conversas ADD COLUMN destino TEXT;
