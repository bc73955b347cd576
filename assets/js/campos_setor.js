// campos_setor.js — owns the catalog's per-setor fields (names, labels, types, which are
// required) used by the catalog form and table; mirrors src/catalogo.rs.

export const CAMPOS = {
  veiculos: [
    { nome: 'marca', rotulo: 'Marca', obrigatorio: true },
    { nome: 'modelo', rotulo: 'Modelo', obrigatorio: true },
    { nome: 'versao', rotulo: 'Versão' },
    { nome: 'ano', rotulo: 'Ano', tipo: 'number', obrigatorio: true, attrs: { min: 1900, max: 2100 } },
    { nome: 'km', rotulo: 'Quilometragem (km)', tipo: 'number', attrs: { min: 0 } },
    { nome: 'cambio', rotulo: 'Câmbio', tipo: 'select', opcoes: [['', '—'], ['manual', 'Manual'], ['automatico', 'Automático'], ['cvt', 'CVT']] },
    { nome: 'combustivel', rotulo: 'Combustível', tipo: 'select', opcoes: [['', '—'], ['flex', 'Flex'], ['gasolina', 'Gasolina'], ['etanol', 'Etanol'], ['diesel', 'Diesel'], ['eletrico', 'Elétrico'], ['hibrido', 'Híbrido']] },
    { nome: 'cor', rotulo: 'Cor' },
    { nome: 'portas', rotulo: 'Portas', tipo: 'number', attrs: { min: 1, max: 9 } },
  ],
  imoveis: [
    { nome: 'tipo', rotulo: 'Tipo (casa, apartamento…)', obrigatorio: true },
    { nome: 'finalidade', rotulo: 'Finalidade', tipo: 'select', obrigatorio: true, opcoes: [['venda', 'Venda'], ['aluguel', 'Aluguel']] },
    { nome: 'bairro', rotulo: 'Bairro', obrigatorio: true },
    { nome: 'cidade', rotulo: 'Cidade' },
    { nome: 'quartos', rotulo: 'Quartos', tipo: 'number', attrs: { min: 0 } },
    { nome: 'banheiros', rotulo: 'Banheiros', tipo: 'number', attrs: { min: 0 } },
    { nome: 'vagas', rotulo: 'Vagas', tipo: 'number', attrs: { min: 0 } },
    { nome: 'area_m2', rotulo: 'Área (m²)', tipo: 'number', attrs: { min: 0, step: 'any' } },
    { nome: 'condominio_centavos', rotulo: 'Condomínio (R$/mês)', tipo: 'dinheiro', attrs: { inputmode: 'decimal' } },
    { nome: 'iptu_centavos', rotulo: 'IPTU (R$)', tipo: 'dinheiro', attrs: { inputmode: 'decimal' } },
  ],
  autopecas: [
    { nome: 'codigo_oem', rotulo: 'Código OEM', obrigatorio: true },
    { nome: 'marca', rotulo: 'Marca' },
    { nome: 'aplicacao', rotulo: 'Aplicação (veículos)' },
    { nome: 'estoque', rotulo: 'Estoque', tipo: 'number', attrs: { min: 0 } },
  ],
  varejo: [],
  servicos: [],
};

/** The setor's fields (empty for setores with only the common fields). */
export const camposDo = (setor) => CAMPOS[setor] || [];

/** Lower-case, accent-free, trimmed: "Automático" and "automatico" compare equal. */
const dobrar = (s) => String(s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();

/**
 * The field `c` ready to edit the stored `valor`. A select whose options do not hold the
 * value as stored (older data, the API or a CSV may say "automático" where the option is
 * "automatico") shows the option it matches once accents and case are ignored, or gets the
 * value as an extra option: saving the form unchanged never erases it.
 */
export function campoComValor(c, valor) {
  const v = valor ?? '';
  if (c.tipo !== 'select' || v === '' || c.opcoes.some((o) => String(o[0]) === String(v))) return { ...c, valor: v };
  const igual = c.opcoes.find((o) => o[0] !== '' && (dobrar(o[0]) === dobrar(v) || dobrar(o[1]) === dobrar(v)));
  if (igual) return { ...c, valor: igual[0] };
  return { ...c, valor: v, opcoes: [...c.opcoes, [v, String(v)]] };
}

/** The form control type of a field (money is typed as text in reais). */
export const tipoDoCampo = (c) => (c.tipo === 'dinheiro' ? 'text' : c.tipo);

/** The label of a select value (e.g. cambio "automatico" → "Automático"); the value itself otherwise. */
function rotuloDe(setor, campo, valor) {
  const def = camposDo(setor).find((c) => c.nome === campo);
  const op = def && def.opcoes ? def.opcoes.find((o) => o[0] !== '' && dobrar(o[0]) === dobrar(valor)) : null;
  return op ? op[1] : valor;
}

/** A one-line summary of an item's setor attributes. */
export function resumo(setor, atributos) {
  const a = { ...(atributos || {}) };
  for (const k of ['cambio', 'combustivel', 'finalidade']) if (a[k]) a[k] = rotuloDe(setor, k, a[k]);
  if (setor === 'veiculos') return [a.marca, a.modelo, a.versao, a.ano, a.km !== undefined ? `${Number(a.km).toLocaleString('pt-BR')} km` : null, a.cambio, a.cor].filter((x) => x !== undefined && x !== null && x !== '').join(' · ');
  if (setor === 'imoveis') return [a.tipo, a.finalidade, a.bairro, a.cidade, a.quartos !== undefined ? `${a.quartos} quartos` : null, a.area_m2 ? `${a.area_m2} m²` : null].filter(Boolean).join(' · ');
  if (setor === 'autopecas') return [a.codigo_oem, a.marca, a.aplicacao, a.estoque !== undefined ? `estoque ${a.estoque}` : null].filter((x) => x !== undefined && x !== null && x !== '').join(' · ');
  return '';
}

/** The example CSV header for the import screen. */
export function cabecalhoCsv(setor) {
  return ['nome', 'descricao', 'categoria', 'preco', 'disponivel', ...camposDo(setor).map((c) => c.nome)].join(',');
}
