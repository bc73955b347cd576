// leads.js — owns the lead pipeline: one column per status (novo … perdido) on a desktop and
// one tab per status on a phone, moving a lead with a select or ←/→ buttons (keyboard
// accessible), tags (shown on the card, edited in it, a filter on top), notes, the link to
// its conversation, and (admins) the CSV export.

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, vazio, erroBloco, avisar, avisarErro, dataHora, reais, selo } from './ui.js';

export const STATUS = [
  ['novo', 'Novo'], ['em_atendimento', 'Em atendimento'], ['qualificado', 'Qualificado'],
  ['visita_agendada', 'Visita agendada'], ['vendido', 'Vendido'], ['perdido', 'Perdido'],
];

export async function render(raiz, ctx) {
  const destaque = Number(new URLSearchParams(location.search).get('lead')) || null;
  const funil = h('div', { class: 'funil' }, carregando());
  const abas = h('div', { class: 'abas-funil', role: 'tablist', 'aria-label': 'Etapas do funil' });
  let aba = 'novo';
  let destacado = false;
  let etiqueta = '';
  const filtro = campo({ nome: 'etiqueta', rotulo: 'Etiqueta', tipo: 'select', opcoes: [['', 'Todas']] });
  filtro.querySelector('select').addEventListener('change', (ev) => { etiqueta = ev.target.value; carregar(); });
  const acoes = [h('button', { type: 'button', class: 'secundario', onclick: () => carregar() }, 'Atualizar')];
  if (ctx.papel === 'admin') {
    acoes.unshift(h('a', { class: 'botao secundario', download: '',
      href: `${api.t('/leads/exportar')}${api.qs({ fuso_min: -new Date().getTimezoneOffset() })}` }, 'Exportar CSV'));
  }
  raiz.append(titulo('Leads', ...acoes), h('div', { class: 'barra' }, filtro), abas, funil);
  let leads = [];

  async function carregarEtiquetas() {
    try {
      const usadas = await api.get(api.t('/etiquetas'));
      const sel = filtro.querySelector('select');
      trocar(sel, h('option', { value: '' }, 'Todas'), usadas.map((e) => h('option', { value: e.etiqueta, selected: e.etiqueta === etiqueta }, `${e.etiqueta} (${e.leads})`)));
    } catch (e) { /* the filter stays at "Todas" */ }
  }

  async function carregar() {
    try {
      const todos = [];
      let cursor = null;
      do {
        const pag = await api.get(api.t('/leads') + api.qs({ limite: 200, cursor, etiqueta }));
        todos.push(...(pag.itens || []));
        cursor = pag.proximo_cursor;
      } while (cursor && todos.length < 1000);
      leads = todos;
      desenhar();
    } catch (e) { trocar(funil, erroBloco(e)); }
  }

  async function alterar(lead, corpo, aviso, foco) {
    try {
      const novo = await api.patch(api.t(`/leads/${lead.id}`), corpo);
      leads = leads.map((l) => (l.id === lead.id ? { ...l, ...novo } : l));
      if (corpo.status) aba = corpo.status;
      desenhar();
      avisar(aviso, 'ok');
      if (corpo.etiquetas) carregarEtiquetas();
      const el = foco && funil.querySelector(`[data-lead="${lead.id}"] ${foco}`);
      if (el) el.focus();
    } catch (e) { avisarErro(e); }
  }

  const mover = (lead, status, foco) => alterar(lead, { status }, `Lead movido para “${STATUS.find((s) => s[0] === status)[1]}”.`, foco || 'select');

  async function abrirConversa(lead) {
    try {
      const detalhe = await api.get(api.t(`/leads/${lead.id}`));
      if (detalhe && detalhe.conversa_id) ctx.ir(`${ctx.base}/conversas/${detalhe.conversa_id}`);
      else avisar('Este lead ainda não tem conversa.');
    } catch (e) { avisarErro(e); }
  }

  function cartao(lead) {
    const i = STATUS.findIndex((s) => s[0] === lead.status);
    const nome = lead.nome || lead.telefone || lead.username || (lead.identificado === false ? 'Cliente não identificado' : `Lead ${lead.id}`);
    const contato = [lead.telefone, lead.username].filter((x) => x && x !== nome).join(' · ');
    const sel = h('select', { 'aria-label': `Status de ${nome}`, onchange: (ev) => mover(lead, ev.target.value) },
      STATUS.map(([v, r]) => h('option', { value: v, selected: v === lead.status }, r)));
    const notas = h('textarea', { 'aria-label': `Notas sobre ${nome}` }, lead.notas || '');
    const tags = h('input', { value: (lead.etiquetas || []).join(', '), 'aria-label': `Etiquetas de ${nome}`, placeholder: 'VIP, financiamento' });
    return h('article', { class: 'lead', 'data-lead': lead.id, tabindex: destaque === lead.id ? '-1' : null },
      h('div', { class: 'nome' }, nome),
      contato ? h('div', { class: 'previa' }, contato) : null,
      (lead.etiquetas || []).length ? h('div', { class: 'selos' }, lead.etiquetas.map((e) => selo(e, 'etiqueta'))) : null,
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
      h('details', {}, h('summary', {}, 'Etiquetas'), tags,
        h('button', { type: 'button', class: 'pequeno', onclick: () => alterar(lead,
          { etiquetas: tags.value.split(',').map((t) => t.trim()).filter(Boolean) }, 'Etiquetas salvas.') }, 'Salvar etiquetas')),
      h('details', {}, h('summary', {}, 'Notas'), notas,
        h('button', { type: 'button', class: 'pequeno', onclick: () => alterar(lead, { notas: notas.value }, 'Notas salvas.') }, 'Salvar notas')),
      h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario pequeno', onclick: () => abrirConversa(lead) }, 'Abrir conversa')));
  }

  function escolherAba(v, focar) {
    aba = v;
    abas.querySelectorAll('[role="tab"]').forEach((b) => {
      const sim = b.dataset.status === v;
      b.setAttribute('aria-selected', String(sim));
      b.tabIndex = sim ? 0 : -1;
      if (sim && focar) b.focus();
    });
    funil.querySelectorAll('.coluna').forEach((col) => col.classList.toggle('ativa', col.dataset.status === v));
  }

  function desenhar() {
    if (!leads.length) {
      trocar(abas);
      trocar(funil, vazio(etiqueta ? 'Nenhum lead com essa etiqueta.' : 'Nenhum lead ainda. Cada cliente que escreve no WhatsApp vira um lead.'));
      return;
    }
    const daColuna = (v) => leads.filter((l) => l.status === v);
    // Tabs for a phone (CSS shows them below 760 px): one status at a time, arrows move.
    trocar(abas, STATUS.map(([v, r], i) => h('button', { type: 'button', role: 'tab', id: `aba-${v}`, 'data-status': v, 'aria-controls': `coluna-${v}`,
      onclick: () => escolherAba(v, false),
      onkeydown: (ev) => {
        const d = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
        if (d) { ev.preventDefault(); escolherAba(STATUS[(i + d + STATUS.length) % STATUS.length][0], true); }
      } }, `${r} (${daColuna(v).length})`)));
    trocar(funil, STATUS.map(([v, r]) => h('section', { class: 'coluna', id: `coluna-${v}`, 'data-status': v, 'aria-label': r, role: 'region' },
      h('h2', {}, `${r} (${daColuna(v).length})`),
      daColuna(v).length ? daColuna(v).map(cartao) : h('p', { class: 'previa' }, 'Nenhum lead.'))));
    const alvo = destaque && !destacado && leads.find((l) => l.id === destaque);
    escolherAba(alvo ? alvo.status : aba, false);
    if (alvo) {
      destacado = true;
      const el = funil.querySelector(`[data-lead="${destaque}"]`);
      if (el) { el.scrollIntoView({ block: 'center' }); el.focus(); }
    }
  }

  carregarEtiquetas();
  await carregar();
}
