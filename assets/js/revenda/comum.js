// revenda/comum.js — owns small lookups shared by the reseller screens: the lists of
// empresas and planos (for selects and names), fetched once per screen.

import * as api from '../api.js';

/** All empresas (up to 1000), as returned by GET /api/admin/empresas. */
export async function todasEmpresas() {
  const out = [];
  let cursor = null;
  do {
    const pag = await api.get('/api/admin/empresas' + api.qs({ limite: 200, cursor }));
    out.push(...(pag.itens || []));
    cursor = pag.proximo_cursor;
  } while (cursor && out.length < 1000);
  return out;
}

/** All planos. */
export async function todosPlanos() {
  const pag = await api.get('/api/admin/planos' + api.qs({ limite: 200 }));
  return pag.itens || pag || [];
}

export const SETORES = [['veiculos', 'Veículos'], ['imoveis', 'Imóveis'], ['autopecas', 'Autopeças'], ['varejo', 'Varejo'], ['servicos', 'Serviços']];
export const nomeSetor = (s) => (SETORES.find((x) => x[0] === s) || [s, s])[1];
