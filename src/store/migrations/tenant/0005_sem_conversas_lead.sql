-- An index no query needs, written on every new conversa (issue #7): conversas_lead
-- (lead_id, aberta) is covered by conversas_abertas (lead_id, canal, aberta, id), which every
-- lookup by lead already uses or can use (EXPLAIN QUERY PLAN: SEARCH ... conversas_abertas).
DROP INDEX IF EXISTS conversas_lead;
