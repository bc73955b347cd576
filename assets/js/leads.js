// leads.js — owns the lead pipeline: one column per status (novo … perdido), moving a lead
// with a select or ←/→ buttons (keyboard accessible), notes, and the link to its conversation.

import * as api from './api.js';
import { h, trocar, titulo, carregando, vazio, erroBloco, avisar, avisarErro, dataHora, reais } from './ui.js';

export const STATUS = [
  ['novo', 'Novo'], ['em_atendimento', 'Em atendimento'], ['qualificado', 'Qualificado'],
  ['visita_agendada', 'Visita agendada'], ['vendido', 'Vendido'], ['perdido', 'Perdido'],
];

export async function render(raiz, ctx) {
  const destaque = Number(new URLSearchParams(location.search).get('lead')) || null;
  const funil = h('div', { class: 'funil' }, carregando());
  raiz.append(titulo('Leads', h('button', { type: 'button', class: 'secundario', onclick: () => carregar() }, 'Atualizar')), funil);
  let leads = [];

  async function carregar() {
    try {
      const todos = [];
      let cursor = null;
      do {
        const pag = await api.get(api.t('/leads') + api.qs({ limite: 200, cursor }));
        todos.push(...(pag.itens || []));
        cursor = pag.proximo_cursor;
      } while (cursor && todos.length < 1000);
      leads = todos;
      desenhar();
    } catch (e) { trocar(funil, erroBloco(e)); }
  }

  async function mover(lead, status, foco) {
    try {
      const novo = await api.patch(api.t(`/leads/${lead.id}`), { status });
      leads = leads.map((l) => (l.id === lead.id ? { ...l, ...novo } : l));
      desenhar();
      avisar(`Lead movido para “${STATUS.find((s) => s[0] === status)[1]}”.`, 'ok');
      const el = funil.querySelector(`[data-lead="${lead.id}"] ${foco || 'select'}`);
      if (el) el.focus();
    } catch (e) { avisarErro(e); }
  }

  async function salvarNotas(lead, notas) {
    try {
      const novo = await api.patch(api.t(`/leads/${lead.id}`), { notas });
      leads = leads.map((l) => (l.id === lead.id ? { ...l, ...novo } : l));
      avisar('Notas salvas.', 'ok');
    } catch (e) { avisarErro(e); }
  }

  async function abrirConversa(lead) {
    try {
      const detalhe = await api.get(api.t(`/leads/${lead.id}`));
      if (detalhe && detalhe.conversa_id) ctx.ir(`${ctx.base}/conversas/${detalhe.conversa_id}`);
      else avisar('Este lead ainda não tem conversa.');
    } catch (e) { avisarErro(e); }
  }

  function cartao(lead) {
    const i = STATUS.findIndex((s) => s[0] === lead.status);
    const nome = lead.nome || lead.telefone || `Lead ${lead.id}`;
    const sel = h('select', { 'aria-label': `Status de ${nome}`, onchange: (ev) => mover(lead, ev.target.value) },
      STATUS.map(([v, r]) => h('option', { value: v, selected: v === lead.status }, r)));
    const notas = h('textarea', { 'aria-label': `Notas sobre ${nome}` }, lead.notas || '');
    return h('article', { class: 'lead', 'data-lead': lead.id, tabindex: destaque === lead.id ? '-1' : null },
      h('div', { class: 'nome' }, nome),
      lead.telefone && lead.nome ? h('div', { class: 'previa' }, lead.telefone) : null,
      lead.interesse ? h('div', {}, `Interesse: ${lead.interesse}`) : null,
      lead.orcamento_centavos ? h('div', {}, `Orçamento: ${reais(lead.orcamento_centavos)}`) : null,
      lead.horario_preferido ? h('div', {}, `Melhor horário: ${lead.horario_preferido}`) : null,
      h('div', { class: 'previa' }, `Desde ${dataHora(lead.criado_em)}`),
      h('div', { class: 'mover' },
        h('button', { type: 'button', class: 'secundario pequeno mover-antes', disabled: i <= 0, 'aria-label': `Mover ${nome} para a etapa anterior`,
          onclick: () => mover(lead, STATUS[i - 1][0], '.mover-antes') }, '←'),
        sel,
        h('button', { type: 'button', class: 'secundario pequeno mover-depois', disabled: i >= STATUS.length - 1, 'aria-label': `Mover ${nome} para a próxima etapa`,
          onclick: () => mover(lead, STATUS[i + 1][0], '.mover-depois') }, '→')),
      h('details', {}, h('summary', {}, 'Notas'), notas,
        h('button', { type: 'button', class: 'pequeno', onclick: () => salvarNotas(lead, notas.value) }, 'Salvar notas')),
      h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario pequeno', onclick: () => abrirConversa(lead) }, 'Abrir conversa')));
  }

  function desenhar() {
    if (!leads.length) { trocar(funil, vazio('Nenhum lead ainda. Cada cliente que escreve no WhatsApp vira um lead.')); return; }
    trocar(funil, STATUS.map(([v, r]) => {
      const daColuna = leads.filter((l) => l.status === v);
      return h('section', { class: 'coluna', 'aria-label': r }, h('h2', {}, `${r} (${daColuna.length})`),
        daColuna.length ? daColuna.map(cartao) : h('p', { class: 'previa' }, 'Nenhum lead.'));
    }));
    if (destaque) {
      const el = funil.querySelector(`[data-lead="${destaque}"]`);
      if (el) { el.scrollIntoView({ block: 'center' }); el.focus(); }
    }
  }

  await carregar();
}
