// ui.js — owns the shared DOM helpers: the element builder (text only, never innerHTML),
// toasts, loading/empty/error states, labelled form fields, tables, confirm and form
// dialogs (native <dialog>, keyboard accessible, all closed at once when the session ends),
// and the one pt-BR formatting of money, dates (dd/mm/aaaa hh:mm) and durations ("15 min").

let seq = 0;

/** Creates an element: h('button', {class: 'x', onclick: fn}, 'texto', filho...). */
export function h(tag, attrs, ...filhos) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const f of filhos.flat(Infinity)) {
    if (f === undefined || f === null || f === false) continue;
    el.append(f instanceof Node ? f : document.createTextNode(String(f)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function trocar(el, ...filhos) {
  el.replaceChildren();
  for (const f of filhos.flat(Infinity)) if (f !== null && f !== undefined && f !== false) el.append(f instanceof Node ? f : String(f));
  return el;
}

/** A short message in the corner (tipo: 'ok' | 'erro' | ''). */
export function avisar(texto, tipo = '') {
  const box = document.getElementById('avisos');
  if (!box) return;
  const el = h('div', { class: `aviso ${tipo}` }, texto);
  box.append(el);
  setTimeout(() => el.remove(), tipo === 'erro' ? 7000 : 3500);
}

/** Shows an error from the API (or anything thrown). */
export function avisarErro(e) {
  avisar(e && e.message ? e.message : 'Algo deu errado.', 'erro');
}

export const carregando = (texto = 'Carregando…') => h('p', { class: 'carregando', role: 'status' }, texto);
export const vazio = (texto) => h('p', { class: 'vazio' }, texto);
export const erroBloco = (e) => h('p', { class: 'alerta', role: 'alert' }, e && e.message ? e.message : String(e));

/** A labelled field. tipo: text|email|password|number|textarea|select|checkbox|date. */
export function campo({ nome, rotulo, tipo = 'text', valor = '', opcoes, ajuda, obrigatorio, placeholder, attrs = {} }) {
  const id = `c${++seq}-${nome}`;
  let input;
  if (tipo === 'textarea') input = h('textarea', { id, name: nome, placeholder, required: obrigatorio, ...attrs }, valor ?? '');
  else if (tipo === 'select') {
    input = h('select', { id, name: nome, required: obrigatorio, ...attrs },
      (opcoes || []).map((o) => {
        const [v, r] = Array.isArray(o) ? o : [o, o];
        return h('option', { value: v, selected: String(v) === String(valor ?? '') }, r);
      }));
  } else if (tipo === 'checkbox') {
    input = h('input', { id, name: nome, type: 'checkbox', checked: !!valor, ...attrs });
    return h('div', { class: 'campo checkbox' }, h('label', { for: id }, input, rotulo));
  } else {
    input = h('input', { id, name: nome, type: tipo, value: valor ?? '', placeholder, required: obrigatorio, autocomplete: tipo === 'password' ? 'new-password' : undefined, ...attrs });
  }
  const ajudaId = ajuda ? `${id}-ajuda` : undefined;
  if (ajudaId) input.setAttribute('aria-describedby', ajudaId);
  return h('div', { class: 'campo' }, h('label', { for: id }, rotulo), input, ajuda ? h('div', { class: 'ajuda', id: ajudaId }, ajuda) : null);
}

/** Reads a form's named fields into an object (checkboxes as booleans). */
export function lerForm(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

/** A form whose submit runs `enviar(valores)`, disabling the button and showing errors. */
export function formulario({ campos, rotuloEnviar = 'Salvar', enviar, extra, classe }) {
  const erro = h('p', { class: 'form-erro', role: 'alert' });
  const botao = h('button', { type: 'submit' }, rotuloEnviar);
  const form = h('form', { class: classe, novalidate: false }, campos, erro, h('div', { class: 'acoes' }, botao, extra));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    trocar(erro);
    botao.disabled = true;
    try { await enviar(lerForm(form), form); } catch (e) { trocar(erro, e && e.message ? e.message : String(e)); } finally { botao.disabled = false; }
  });
  return form;
}

/** A dialog with a form; resolves with what `enviar` returned, or null when cancelled. */
export function dialogoForm({ titulo, campos, rotuloEnviar = 'Salvar', enviar }) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { 'aria-label': titulo });
    let feito = false;
    const cancelar = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Cancelar');
    const form = formulario({ campos, rotuloEnviar, extra: cancelar, enviar: async (v) => {
      const r = await enviar(v);
      feito = true;
      resolve(r === undefined ? true : r);
      dlg.close();
    } });
    dlg.append(h('h2', {}, titulo), form);
    dlg.addEventListener('close', () => { dlg.remove(); if (!feito) resolve(null); });
    document.body.append(dlg);
    dlg.showModal();
    const primeiro = form.querySelector('input, select, textarea');
    if (primeiro) primeiro.focus();
  });
}

/** Asks for confirmation; resolves true/false. */
export function confirmar(texto, rotuloSim = 'Confirmar') {
  return new Promise((resolve) => {
    const dlg = h('dialog', { role: 'alertdialog', 'aria-label': texto });
    const sim = h('button', { type: 'button', onclick: () => { resolve(true); dlg.close(); } }, rotuloSim);
    const nao = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Cancelar');
    dlg.append(h('p', {}, texto), h('div', { class: 'acoes' }, sim, nao));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(false); });
    document.body.append(dlg);
    dlg.showModal();
    nao.focus();
  });
}

/** A table: colunas = [{titulo, valor: (linha) => Node|string, classe}]. */
export function tabela(colunas, linhas, textoVazio = 'Nada por aqui ainda.') {
  if (!linhas || linhas.length === 0) return vazio(textoVazio);
  return h('div', { class: 'tabela-rolagem' }, h('table', {},
    h('thead', {}, h('tr', {}, colunas.map((c) => h('th', { scope: 'col', class: c.classe }, c.titulo)))),
    h('tbody', {}, linhas.map((l) => h('tr', {}, colunas.map((c) => h('td', { class: c.classe, 'data-rotulo': c.titulo }, c.valor(l))))))));
}

/** A page title plus optional action buttons. */
export function titulo(texto, ...acoes) {
  return h('div', { class: 'barra' }, h('h1', {}, texto), h('div', { class: 'acoes' }, acoes));
}

/** R$ from centavos. */
export function reais(centavos) {
  if (centavos === null || centavos === undefined) return '—';
  return (centavos / 100).toLocaleString('pt-BR', { style: 'currency', currency: 'BRL' });
}

/** Centavos from text typed in reais ("1.234,56", "1234.56", "R$ 50"); null when empty; NaN when invalid. */
export function centavosDe(texto) {
  let s = String(texto ?? '').replace(/R\$|\s/g, '');
  if (!s) return null;
  if (s.includes(',')) s = s.replace(/\./g, '').replace(',', '.');
  else if (/^\d{1,3}(\.\d{3})+$/.test(s)) s = s.replace(/\./g, '');
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) : NaN;
}

/** Reais text for an input (e.g. 4990000 → "49.900,00"). */
export function reaisCampo(centavos) {
  if (centavos === null || centavos === undefined) return '';
  return (centavos / 100).toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

const dois = (n) => String(n).padStart(2, '0');

/** A Date as "dd/mm/aaaa hh:mm" in the browser's time zone. */
export function dataHoraDe(d) {
  return `${dois(d.getDate())}/${dois(d.getMonth() + 1)}/${d.getFullYear()} ${dois(d.getHours())}:${dois(d.getMinutes())}`;
}

/** "2027-01-10 03:00:00" (UTC, as the API sends) → "10/01/2027 00:00" in the browser's time zone. */
export function dataHora(ts) {
  if (!ts) return '—';
  const d = new Date(String(ts).replace(' ', 'T') + 'Z');
  return Number.isNaN(d.getTime()) ? String(ts) : dataHoraDe(d);
}

/** A calendar date "2027-01-10" (no time zone: a due date, a day of the chart) → "10/01/2027". */
export function data(dia) {
  if (!dia) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(dia));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(dia);
}

/** Seconds as people say it, to the nearest minute past one: "45 s", "15 min" (897 s), "1 h 30 min", "2 dias 3 h". */
export function duracao(segundos) {
  if (segundos === null || segundos === undefined || segundos === '' || !Number.isFinite(Number(segundos))) return '—';
  const s = Math.max(0, Math.round(Number(segundos)));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  const dias = Math.floor(min / 1440); const h = Math.floor((min % 1440) / 60); const m = min % 60;
  if (dias) return `${dias} ${dias === 1 ? 'dia' : 'dias'}${h ? ` ${h} h` : ''}`;
  if (h) return `${h} h${m ? ` ${m} min` : ''}`;
  return `${m} min`;
}

/** Closes every open dialog (the session ended: nothing may stay over the login page). */
export function fecharDialogos() {
  for (const dlg of document.querySelectorAll('dialog')) {
    if (dlg.open) dlg.close();
    dlg.remove();
  }
}

/** "1 linha" / "2 linhas". */
export const plural = (n, um, varios) => `${Number(n).toLocaleString('pt-BR')} ${n === 1 ? um : varios}`;

/** A number in pt-BR. */
export const num = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('pt-BR'));

/** A badge. */
export const selo = (texto, classe = '') => h('span', { class: `selo ${classe}` }, texto);
