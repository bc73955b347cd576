// revenda/auditoria.js — owns the audit log: filters (empresa, usuário, ação, período),
// the table of entries (readable at 375 and 1280 px), and paging with "Carregar mais".

import * as api from '../api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, tabela, dataHora } from '../ui.js';
import { todasEmpresas } from './comum.js';

export async function render(raiz) {
  let empresas = [];
  try { empresas = await todasEmpresas(); } catch (e) { empresas = []; }
  const nomeEmpresa = (id) => (id ? empresas.find((e) => e.id === id)?.nome || `#${id}` : '—');
  const filtro = h('form', { class: 'barra', role: 'search' },
    campo({ nome: 'empresa_id', rotulo: 'Empresa', tipo: 'select', opcoes: [['', 'Todas'], ...empresas.map((e) => [e.id, e.nome])] }),
    campo({ nome: 'usuario_id', rotulo: 'ID do usuário', tipo: 'number', attrs: { min: 1 } }),
    campo({ nome: 'acao', rotulo: 'Ação', placeholder: 'Ex.: login, empresa.suspender' }),
    campo({ nome: 'desde', rotulo: 'Desde', tipo: 'date' }),
    campo({ nome: 'ate', rotulo: 'Até', tipo: 'date' }),
    h('button', { type: 'submit' }, 'Filtrar'));
  const lista = h('div', {}, carregando());
  raiz.append(titulo('Auditoria'), filtro, lista);
  let itens = [];
  let cursor = null;
  filtro.addEventListener('submit', (ev) => { ev.preventDefault(); carregar(true); });

  async function carregar(doZero) {
    if (doZero) { itens = []; cursor = null; trocar(lista, carregando()); }
    const f = filtro.elements;
    try {
      const pag = await api.get('/api/admin/auditoria' + api.qs({
        empresa_id: f.empresa_id.value, usuario_id: f.usuario_id.value, acao: f.acao.value.trim(),
        desde: f.desde.value ? `${f.desde.value} 00:00:00` : '', ate: f.ate.value ? `${f.ate.value} 23:59:59` : '', limite: 100, cursor,
      }));
      itens = itens.concat(pag.itens || []);
      cursor = pag.proximo_cursor || null;
      trocar(lista, tabela([
        // Dates and IPs stay on one line; e-mails, actions and paths wrap where they must,
        // so the table fits at 1280 px and each row reads as a card at 375 px.
        { titulo: 'Quando', classe: 'junto', valor: (a) => dataHora(a.criado_em) },
        { titulo: 'Quem', classe: 'quebra', valor: (a) => a.usuario_email || (a.usuario_id ? `#${a.usuario_id}` : '—') },
        { titulo: 'Empresa', valor: (a) => nomeEmpresa(a.empresa_id) },
        { titulo: 'Ação', classe: 'quebra', valor: (a) => h('code', {}, a.acao) },
        { titulo: 'Alvo', classe: 'quebra', valor: (a) => [a.alvo || '—', a.detalhes ? h('div', { class: 'previa' }, a.detalhes) : null] },
        { titulo: 'IP', classe: 'junto', valor: (a) => a.ip || '—' },
      ], itens, 'Nenhum registro com esses filtros.'),
      cursor ? h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario', onclick: () => carregar(false) }, 'Carregar mais')) : null);
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  await carregar(true);
}
