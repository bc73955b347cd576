// painel.js — owns the empresa dashboard: today / 7 / 30-day figures from GET /api/relatorios,
// the messages-per-day chart (vendored uPlot) with its days as dd/mm/aaaa, "mensagens do mês"
// against the plan's quota (the one figure the server counts), and for a new empresa with no
// messages yet a first-steps checklist (catalog, WhatsApp, test the bot) instead of a chart of
// zeros.

import * as api from './api.js';
import { h, trocar, titulo, carregando, erroBloco, num, data } from './ui.js';
import uPlot from '../vendor/uPlot.esm.js';

const FIGURAS = [
  ['mensagens_recebidas', 'Mensagens recebidas'],
  ['mensagens_enviadas', 'Mensagens enviadas'],
  ['leads_novos', 'Leads novos'],
  ['conversas_abertas', 'Conversas abertas'],
  ['agendamentos', 'Agendamentos'],
];
const PERIODOS = [['hoje', 'Hoje'], ['dias_7', '7 dias'], ['dias_30', '30 dias']];

export async function render(raiz, ctx) {
  raiz.append(titulo(`Painel — ${ctx.empresa.nome || ''}`));
  const corpo = h('div', {}, carregando());
  raiz.append(corpo);
  let rel;
  try {
    rel = await api.get(api.t('/relatorios'));
  } catch (e) {
    trocar(corpo, erroBloco(e));
    return undefined;
  }
  const dias = rel.por_dia || [];
  const semMensagens = dias.every((d) => !d.recebidas && !d.enviadas);
  const passos = rel.primeiros_passos;
  if (semMensagens && passos) {
    trocar(corpo, primeirosPassos(passos, ctx), cota(rel));
    return undefined;
  }
  const numeros = h('div', { class: 'numeros', 'aria-live': 'polite' });
  const botoes = PERIODOS.map(([k, r]) => h('button', { type: 'button', 'aria-pressed': 'false', onclick: () => periodo(k) }, r));
  function periodo(k) {
    botoes.forEach((b, i) => b.setAttribute('aria-pressed', String(PERIODOS[i][0] === k)));
    const dados = rel[k] || {};
    trocar(numeros, FIGURAS.map(([campo, rotulo]) => h('div', { class: 'numero' },
      h('div', { class: 'valor' }, num(dados[campo] ?? 0)), h('div', { class: 'rotulo' }, rotulo))));
  }
  periodo('hoje');
  const grafico = h('div', { class: 'grafico', role: 'img', 'aria-label': 'Gráfico de mensagens recebidas e enviadas por dia nos últimos 30 dias' });
  trocar(corpo,
    h('div', { class: 'periodos', role: 'group', 'aria-label': 'Período' }, botoes), numeros,
    cota(rel),
    h('section', { class: 'cartao' }, h('h2', {}, 'Mensagens por dia (30 dias)'), grafico, tabelaDias(dias)));
  const plot = desenhar(grafico, dias);
  const aoRedimensionar = () => { if (plot) plot.setSize({ width: largura(grafico), height: 240 }); };
  window.addEventListener('resize', aoRedimensionar);
  return () => { window.removeEventListener('resize', aoRedimensionar); if (plot) plot.destroy(); };
}

/** What a new empresa still has to do, each step linked to its screen (admins) or explained. */
function primeirosPassos(p, ctx) {
  const admin = ctx.papel === 'admin';
  const passo = (feito, tituloPasso, texto, tela, rotuloLink) => h('li', { class: feito ? 'feito' : 'pendente' },
    h('span', { class: 'marca-passo', 'aria-hidden': 'true' }, feito ? '✓' : '○'),
    h('div', {}, h('strong', {}, tituloPasso), h('span', { class: 'visualmente-oculto' }, feito ? ' (feito)' : ' (a fazer)'),
      h('div', { class: 'previa' }, texto),
      !feito && tela ? (admin || tela === 'catalogo' ? h('a', { href: `${ctx.base}/${tela}` }, rotuloLink) : h('div', { class: 'previa' }, 'Peça ao administrador da empresa.')) : null));
  const todos = p.catalogo && p.whatsapp && p.bot_testado;
  return h('section', { class: 'cartao primeiros-passos', 'aria-labelledby': 'passos-titulo' },
    h('h2', { id: 'passos-titulo' }, todos ? 'Tudo pronto!' : 'Primeiros passos'),
    h('p', {}, todos ? 'Assim que um cliente escrever no WhatsApp, as mensagens e o gráfico aparecem aqui.'
      : 'Ainda não há mensagens. Siga estes passos para o bot começar a atender:'),
    h('ol', {},
      passo(p.catalogo, 'Cadastre o catálogo', 'Os itens com preço que o bot consulta para responder.', 'catalogo', 'Ir para o Catálogo'),
      passo(p.whatsapp, 'Conecte o WhatsApp', 'Pela API oficial da Meta ou lendo o QR Code no celular.', 'whatsapp', 'Conectar o WhatsApp'),
      passo(p.bot_testado, 'Teste o bot', 'Converse com o bot como se fosse um cliente, sem enviar nada de verdade.', 'bot', 'Testar o bot')));
}

/** "Mensagens do mês": the bot's replies this month, against the plano's quota when it has one. */
function cota(rel) {
  const usadas = rel.mensagens_mes ?? (rel.plano ? rel.plano.usadas_mes : 0) ?? 0;
  const plano = rel.plano;
  const explicacao = h('p', { class: 'previa' }, 'Respostas do bot enviadas no WhatsApp desde o dia 1º; é o que o plano conta.');
  if (!plano) {
    return h('section', { class: 'cartao' }, h('h2', {}, 'Mensagens do mês'),
      h('p', { id: 'cota-texto' }, `${num(usadas)} mensagens neste mês`), explicacao, h('p', {}, 'Esta empresa não tem plano definido.'));
  }
  const limite = plano.limite_mensagens_mes;
  const texto = limite ? `${num(usadas)} de ${num(limite)} mensagens usadas neste mês` : `${num(usadas)} mensagens neste mês (sem limite)`;
  return h('section', { class: 'cartao' }, h('h2', {}, `Plano ${plano.nome} — mensagens do mês`),
    h('p', { id: 'cota-texto' }, texto), explicacao,
    limite ? h('progress', { max: String(limite), value: String(Math.min(usadas, limite)), 'aria-labelledby': 'cota-texto' }) : null);
}

function tabelaDias(dias) {
  // The same numbers as text, for screen readers and for anyone who prefers a table.
  return h('details', {}, h('summary', {}, 'Ver em tabela'), h('div', { class: 'tabela-rolagem' }, h('table', { class: 'compacta' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Dia'), h('th', { scope: 'col', class: 'num' }, 'Recebidas'), h('th', { scope: 'col', class: 'num' }, 'Enviadas'))),
    h('tbody', {}, dias.map((d) => h('tr', {}, h('td', {}, data(d.dia)), h('td', { class: 'num' }, num(d.recebidas)), h('td', { class: 'num' }, num(d.enviadas))))))));
}

const diaMes = (s) => new Date(s * 1000).toLocaleDateString('pt-BR', { day: '2-digit', month: '2-digit', timeZone: 'UTC' });
const diaCompleto = (s) => new Date(s * 1000).toLocaleDateString('pt-BR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const largura = (el) => Math.max(260, el.clientWidth || 600);

function desenhar(el, dias) {
  if (!dias.length) { el.append(h('p', { class: 'vazio' }, 'Ainda não há mensagens neste período.')); return null; }
  const xs = dias.map((d) => Date.parse(`${d.dia}T12:00:00Z`) / 1000);
  const opts = {
    width: largura(el), height: 240,
    scales: { x: { time: true } },
    axes: [{ values: (u, splits) => splits.map(diaMes) }, { label: 'mensagens' }],
    series: [{ label: 'Dia', value: (u, v) => (v === null || v === undefined ? '—' : diaCompleto(v)) }, { label: 'Recebidas', stroke: '#1d4ea0', width: 2 }, { label: 'Enviadas', stroke: '#0b6e4f', width: 2 }],
  };
  return new uPlot(opts, [xs, dias.map((d) => d.recebidas), dias.map((d) => d.enviadas)], el);
}
