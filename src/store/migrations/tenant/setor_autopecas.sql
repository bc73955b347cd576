-- Setor autopecas: the structured side of each catalog item (the seed's "produtos").
CREATE TABLE IF NOT EXISTS produtos (
    item_id INTEGER PRIMARY KEY REFERENCES produtos_catalogo(id) ON DELETE CASCADE,
    codigo_oem TEXT NOT NULL,
    marca TEXT,
    aplicacao TEXT NOT NULL DEFAULT '',
    estoque INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS produtos_oem ON produtos(codigo_oem);
