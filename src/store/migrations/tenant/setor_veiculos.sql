-- Setor veiculos: the structured side of each catalog item.
CREATE TABLE IF NOT EXISTS veiculos (
    item_id INTEGER PRIMARY KEY REFERENCES produtos_catalogo(id) ON DELETE CASCADE,
    marca TEXT NOT NULL,
    modelo TEXT NOT NULL,
    versao TEXT,
    ano INTEGER NOT NULL,
    km INTEGER NOT NULL DEFAULT 0,
    cambio TEXT,
    combustivel TEXT,
    cor TEXT,
    placa_final TEXT
);
CREATE INDEX IF NOT EXISTS veiculos_marca_modelo ON veiculos(marca, modelo);
