-- Issue #18, setor veiculos: the number of doors ("é 4 portas?").
ALTER TABLE veiculos ADD COLUMN portas INTEGER;
