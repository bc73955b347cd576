-- Setor imoveis: the structured side of each catalog item.
CREATE TABLE IF NOT EXISTS imoveis (
    item_id INTEGER PRIMARY KEY REFERENCES produtos_catalogo(id) ON DELETE CASCADE,
    tipo TEXT NOT NULL,
    finalidade TEXT NOT NULL CHECK (finalidade IN ('venda', 'aluguel')),
    bairro TEXT NOT NULL,
    cidade TEXT,
    quartos INTEGER NOT NULL DEFAULT 0,
    banheiros INTEGER,
    vagas INTEGER,
    area_m2 REAL
);
CREATE INDEX IF NOT EXISTS imoveis_busca ON imoveis(finalidade, tipo, bairro);
