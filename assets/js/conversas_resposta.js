// conversas_resposta.js — owns the inbox's reply box: the text area (Ctrl+Enter sends), the
// quick replies typed as /atalho (a listbox under the box: ↑/↓ choose, Enter or Tab insert,
// Esc closes, a click inserts; accent-insensitive match on the shortcut), and the draft of
// each conversa kept while typing (rascunhos.js) so it survives a session expiry.

import * as api from './api.js';
import { h, trocar, avisarErro } from './ui.js';
import * as rascunhos from './rascunhos.js';

const PLACEHOLDER = 'Escreva uma resposta… (/ para respostas rápidas, Ctrl+Enter envia)';
const semAcento = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
/** "/ata" right before the cursor, at the start or after a space: the shortcut being typed. */
const TOKEN = /(^|\s)\/([\p{L}\p{N}_-]*)$/u;

/**
 * The reply box. `enviar(texto)` sends (rejects on failure); `dono` = {usuario, empresa}
 * names whose drafts these are; `antes` goes before the text area (the attach button).
 */
export function caixaResposta({ enviar, dono, antes }) {
  let conversa = null;
  let respostas = null;
  let opcoes = [];
  let ativa = 0;
  const lista = h('ul', { id: 'respostas-rapidas-lista', class: 'atalhos', role: 'listbox', 'aria-label': 'Sugestões de atalhos', hidden: true });
  const texto = h('textarea', { id: 'resposta', name: 'texto', placeholder: PLACEHOLDER,
    'aria-label': 'Resposta', role: 'combobox', 'aria-autocomplete': 'list', 'aria-controls': lista.id, 'aria-expanded': 'false' });
  const botao = h('button', { type: 'submit' }, 'Enviar');
  const form = h('form', { class: 'responder' }, antes, h('div', { class: 'responder-texto' }, texto, lista), botao);

  async function carregarRespostas() {
    if (respostas) return respostas;
    try { respostas = await api.get(api.t('/respostas-rapidas')); } catch (e) { respostas = []; }
    return respostas;
  }

  function fecharLista() {
    opcoes = [];
    lista.hidden = true;
    trocar(lista);
    texto.setAttribute('aria-expanded', 'false');
    texto.removeAttribute('aria-activedescendant');
  }

  function marcar(i) {
    ativa = (i + opcoes.length) % opcoes.length;
    lista.querySelectorAll('[role="option"]').forEach((li, k) => li.setAttribute('aria-selected', String(k === ativa)));
    texto.setAttribute('aria-activedescendant', `atalho-${opcoes[ativa].id}`);
    lista.children[ativa]?.scrollIntoView({ block: 'nearest' });
  }

  async function sugerir() {
    const antes = texto.value.slice(0, texto.selectionStart);
    const m = TOKEN.exec(antes);
    if (!m) { fecharLista(); return; }
    const todas = await carregarRespostas();
    const busca = semAcento(m[2]);
    opcoes = todas.filter((r) => semAcento(r.atalho).startsWith(busca)).slice(0, 8);
    if (!opcoes.length) { fecharLista(); return; }
    trocar(lista, opcoes.map((r, k) => h('li', { id: `atalho-${r.id}`, role: 'option', 'aria-selected': String(k === 0),
      onmousedown: (ev) => { ev.preventDefault(); inserir(r); } },
    h('strong', {}, `/${r.atalho}`), ' ', h('span', { class: 'previa' }, r.texto))));
    lista.hidden = false;
    texto.setAttribute('aria-expanded', 'true');
    marcar(0);
  }

  function inserir(r) {
    const cursor = texto.selectionStart;
    const antes = texto.value.slice(0, cursor).replace(TOKEN, (_, espaco) => `${espaco}${r.texto}`);
    texto.value = antes + texto.value.slice(cursor);
    texto.setSelectionRange(antes.length, antes.length);
    fecharLista();
    guardar();
    texto.focus();
  }

  function guardar() {
    if (conversa) rascunhos.guardar(dono.usuario, dono.empresa, conversa, texto.value);
  }

  texto.addEventListener('input', () => { guardar(); sugerir(); });
  texto.addEventListener('blur', () => setTimeout(fecharLista, 150));
  texto.addEventListener('keydown', (ev) => {
    if (!lista.hidden && opcoes.length) {
      if (ev.key === 'ArrowDown') { ev.preventDefault(); marcar(ativa + 1); return; }
      if (ev.key === 'ArrowUp') { ev.preventDefault(); marcar(ativa - 1); return; }
      if ((ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey) || ev.key === 'Tab') { ev.preventDefault(); inserir(opcoes[ativa]); return; }
      if (ev.key === 'Escape') { ev.preventDefault(); fecharLista(); return; }
    }
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = texto.value.trim();
    if (!t || !conversa) return;
    botao.disabled = true;
    const de = conversa;
    try {
      await enviar(t);
      rascunhos.guardar(dono.usuario, dono.empresa, de, '');
      if (de === conversa) texto.value = '';
    } catch (e) { avisarErro(e); } finally { botao.disabled = false; texto.focus(); }
  });

  return {
    el: form,
    /** Switches to a conversa: its draft comes back. */
    definirConversa(id) {
      conversa = id;
      fecharLista();
      texto.value = id ? rascunhos.ler(dono.usuario, dono.empresa, id) : '';
    },
    /** Quick replies changed (settings): read them again on the next "/". */
    esquecerRespostas() { respostas = null; },
    /** Turns the box off with `motivo` as the explanation (a conversa no one can be answered in), or back on (`null`). */
    semResposta(motivo) {
      texto.disabled = !!motivo;
      botao.disabled = !!motivo;
      texto.placeholder = motivo || PLACEHOLDER;
    },
  };
}
