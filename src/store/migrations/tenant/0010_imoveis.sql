-- Issue #18, setor imoveis: monthly condomínio fee and yearly IPTU, in centavos.
ALTER TABLE imoveis ADD COLUMN condominio_centavos INTEGER CHECK (condominio_centavos IS NULL OR condominio_centavos >= 0);
ALTER TABLE imoveis ADD COLUMN iptu_centavos INTEGER CHECK (iptu_centavos IS NULL OR iptu_centavos >= 0);
