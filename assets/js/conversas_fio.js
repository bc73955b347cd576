// conversas_fio.js — owns one open conversa in the inbox: its header (who, badges, tags,
// "Atribuída a", "Assumir conversa" / "Devolver ao bot", "Resolver" / "Reabrir", the lead
// and the CSV of this conversa) and its messages: WhatsApp formatting as DOM nodes, who sent
// each reply, delivery status, and a failed send explained in pt-BR with what to do. Media
// (photo, voice note, video, document) comes from midia.js.

import * as api from './api.js';
import { h, trocar, vazio, selo, dataHora, avisar, avisarErro } from './ui.js';
import { formatar } from './formatacao.js';
import { conteudoMidia, legenda } from './midia.js';
import { fichaDaConversa } from './ficha.js';

const STATUS = { enviada: 'enviado', entregue: 'entregue', lida: 'lido', pendente: 'enviando…', enviando: 'enviando…', falhou: 'falhou' };
const TIPOS = { image: 'imagem', audio: 'áudio', video: 'vídeo', document: 'documento', sticker: 'figurinha', location: 'localização', contacts: 'contato', reaction: 'reação' };

/** Why a conversa cannot be answered: WhatsApp sent neither the customer's number nor their ID. */
export const SEM_RESPOSTA = 'Este cliente não foi identificado pelo WhatsApp (sem número nem ID de usuário): não há como responder.';

/** How a conversa is named: the lead's name, phone or username; a sender WhatsApp did not identify says so. */
export const nomeDe = (c) => c.lead_nome || c.telefone || c.username || (c.identificado === false ? 'Cliente não identificado' : `Conversa ${c.id}`);

/** Who wrote a message. */
export function autorDe(m) {
  if (m.direcao !== 'saida') return m.autor === 'sistema' ? 'Sistema' : 'Cliente';
  if (m.autor === 'bot') return 'Bot';
  if (m.autor === 'sistema') return 'Sistema';
  if (m.enviado_por_nome) return m.enviado_por_nome;
  return m.enviado_por ? 'Atendente' : 'Atendente (pelo celular)';
}

/** One message bubble. */
export function linhaMensagem(m) {
  const saida = m.direcao === 'saida';
  const falhou = m.status === 'falhou';
  const status = saida ? STATUS[m.status] : null;
  const midia = conteudoMidia(m);
  const leg = midia ? legenda(m) : null;
  if (leg) trocar(leg, formatar(leg.textContent));
  const corpo = midia ? [midia, leg] : m.texto ? formatar(m.texto) : `(${TIPOS[m.tipo] || m.tipo || 'mídia'})`;
  const falha = falhou ? h('div', { class: 'falha', role: 'note' },
    h('strong', {}, 'Não enviada: '), m.erro_explicacao || m.erro_texto || 'o envio falhou.',
    m.erro_acao ? h('div', { class: 'acao' }, h('strong', {}, 'O que fazer: '), m.erro_acao) : null,
    m.erro_codigo ? h('div', { class: 'codigo' }, `Código ${m.erro_codigo} da Meta`) : null) : null;
  return h('div', { class: `msg ${saida ? 'saida' : 'entrada'} ${falhou ? 'falhou' : ''}`, 'data-status': m.status || '', 'data-id': m.id },
    h('div', { class: 'texto' }, corpo),
    h('div', { class: 'meta' }, [autorDe(m), dataHora(m.criado_em), status].filter(Boolean).join(' · ')),
    falha);
}

/** Badges of a conversa (list and header). */
export function selos(c, equipe) {
  if (!c) return [];
  const dono = c.atribuida_a ? (equipe.get(c.atribuida_a) || 'outro atendente') : null;
  return [
    c.pediu_humano_em && !c.resolvida_em ? selo('pediu atendente', 'alerta-selo') : null,
    c.nova ? selo('nova', 'nova') : null,
    c.nao_lidas > 0 ? selo(`${c.nao_lidas} não lida${c.nao_lidas > 1 ? 's' : ''}`, 'nao-lidas') : null,
    c.resolvida_em ? selo('resolvida', 'ok') : selo(c.modo === 'humano' ? 'humano' : 'bot', c.modo === 'humano' ? 'humano' : 'bot'),
    dono ? selo(`com ${dono}`, 'dono') : null,
    (c.etiquetas || []).map((e) => selo(e, 'etiqueta')),
  ];
}

/**
 * The header of the open conversa. `ctx.equipe` (Map id → nome) names owners; `mudou(c)` is
 * called with the conversa after an action changed it.
 */
export function cabecalho(c, id, ctx, { fechar, mudou }) {
  const humano = c && c.modo === 'humano';
  const acao = (caminho, corpo, ok) => async () => {
    try {
      const nova = await api.post(api.t(`/conversas/${id}/${caminho}`), corpo);
      if (ok) avisar(ok, 'ok');
      mudou(nova);
    } catch (e) { avisarErro(e); }
  };
  const atribuir = h('select', { 'aria-label': 'Atribuída a', class: 'atribuir',
    onchange: (ev) => acao('atribuir', { usuario_id: ev.target.value ? Number(ev.target.value) : null }, 'Atribuição salva.')() },
  h('option', { value: '' }, 'Não atribuída'),
  [...ctx.equipe.entries()].map(([uid, nome]) => h('option', { value: uid, selected: c && c.atribuida_a === uid }, nome)));
  const exportar = ctx.papel === 'admin'
    ? h('a', { class: 'botao secundario pequeno', href: `${api.t('/conversas/exportar')}${api.qs({ conversa_id: id, fuso_min: -new Date().getTimezoneOffset() })}`, download: '' }, 'Exportar CSV')
    : null;
  return [
    h('div', { class: 'fio-titulo' },
      h('a', { href: `${ctx.base}/conversas`, class: 'botao secundario voltar-lista', onclick: (ev) => { ev.preventDefault(); fechar(); } }, '← Conversas'),
      h('h2', {}, c ? nomeDe(c) : `Conversa ${id}`),
      c && (c.telefone || c.username) ? h('span', { class: 'previa telefone' }, [c.telefone, c.username].filter(Boolean).join(' · ')) : null),
    h('div', { class: 'fio-selos' }, selos(c, ctx.equipe)),
    h('div', { class: 'fio-acoes' },
      atribuir,
      h('button', { type: 'button', class: humano ? 'secundario' : '',
        onclick: acao(humano ? 'devolver' : 'assumir', {}, humano ? 'Conversa devolvida ao bot.' : 'Você assumiu a conversa; o bot parou de responder.') },
      humano ? 'Devolver ao bot' : 'Assumir conversa'),
      c && c.resolvida_em
        ? h('button', { type: 'button', class: 'secundario', onclick: acao('reabrir', {}, 'Conversa reaberta.') }, 'Reabrir')
        : h('button', { type: 'button', class: 'secundario', onclick: acao('resolver', {}, 'Conversa resolvida; o bot volta a responder se o cliente escrever.') }, 'Resolver'),
      c && c.lead_id ? h('a', { href: `${ctx.base}/leads?lead=${c.lead_id}` }, 'Ver lead') : null,
      exportar),
    // What the bot captured and the conversa's upcoming appointments (ficha.js).
    fichaDaConversa(c),
  ];
}

/** Draws the messages (sorted) into `caixa`, with "Carregar anteriores" when there are more. */
export function desenharMensagens(caixa, mensagens, maisAntigas, carregarAntigas) {
  const ordenadas = [...mensagens.values()].sort((a, b) => (a.criado_em < b.criado_em ? -1 : a.criado_em > b.criado_em ? 1 : a.id - b.id));
  trocar(caixa,
    maisAntigas ? h('button', { type: 'button', class: 'secundario pequeno', onclick: carregarAntigas }, 'Carregar anteriores') : null,
    ordenadas.length ? ordenadas.map(linhaMensagem) : vazio('Sem mensagens nesta conversa.'));
  return ordenadas;
}
