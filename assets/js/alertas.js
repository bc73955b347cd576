// alertas.js — owns the panel's alerts while an empresa area is open: it polls
// GET /api/conversas/alertas, shows how many conversas need a person in the tab title
// ("(2) Conversas — HelixAI") and beside "Conversas" in the menu, and for each new event (a
// customer asked for a person, a new conversa arrived) shows a toast, plays a short sound when
// the user turned it on, and raises a browser notification when the browser allows it.
// Preferences live in localStorage; the sound is synthesized (Web Audio), no file to fetch.

import * as api from './api.js';
import { h, avisar } from './ui.js';

const INTERVALO_MS = 5000;
const CHAVE_SOM = 'helixai:alertas:som';
const CHAVE_NOTIFICAR = 'helixai:alertas:notificar';

const estado = { timer: null, chave: null, total: 0, vistos: null, titulo: document.title, base: null, ir: null, audio: null };

/** The tab title of the current screen; the alert count is put in front of it. */
export function definirTitulo(texto) {
  estado.titulo = texto;
  aplicarTitulo();
}

function aplicarTitulo() {
  document.title = estado.total > 0 ? `(${estado.total}) ${estado.titulo}` : estado.titulo;
}

/** Puts the count beside "Conversas" in the menu (call after the menu is drawn). */
export function aplicarMenu() {
  const link = estado.base && document.querySelector(`nav.menu a[href="${estado.base}/conversas"]`);
  if (!link) return;
  link.querySelector('.contador')?.remove();
  document.getElementById('contador-descricao')?.remove();
  link.removeAttribute('aria-describedby');
  if (estado.total > 0) {
    // The link keeps its name ("Conversas"); the count is its description for screen readers.
    const frase = `${estado.total} ${estado.total === 1 ? 'conversa precisa' : 'conversas precisam'} de atenção`;
    link.append(h('span', { class: 'contador', 'aria-hidden': 'true', title: frase }, String(estado.total)));
    link.after(h('span', { id: 'contador-descricao', class: 'visualmente-oculto' }, frase));
    link.setAttribute('aria-describedby', 'contador-descricao');
  }
}

export const somLigado = () => localStorage.getItem(CHAVE_SOM) === '1';
const notificarLigado = () => localStorage.getItem(CHAVE_NOTIFICAR) !== '0';
const notificacoesPermitidas = () => 'Notification' in window && Notification.permission === 'granted';

/** A short two-tone chime. */
function tocar() {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    estado.audio = estado.audio || new Ctx();
    const ctx = estado.audio;
    if (ctx.state === 'suspended') ctx.resume();
    [880, 1320].forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const vol = ctx.createGain();
      const t0 = ctx.currentTime + i * 0.16;
      osc.frequency.value = freq;
      vol.gain.setValueAtTime(0.0001, t0);
      vol.gain.exponentialRampToValueAtTime(0.2, t0 + 0.02);
      vol.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
      osc.connect(vol).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.16);
    });
  } catch (e) { /* no audio here: the toast and the count remain */ }
}

const quem = (ev) => ev.lead_nome || ev.telefone || `Conversa ${ev.conversa_id}`;
const frase = (ev) => (ev.motivo === 'pediu_atendente' ? `${quem(ev)} pediu um atendente` : `Nova conversa: ${quem(ev)}`);

function notificar(ev) {
  avisar(frase(ev));
  if (somLigado()) tocar();
  if (notificarLigado() && notificacoesPermitidas()) {
    try {
      const n = new Notification(ev.motivo === 'pediu_atendente' ? 'Cliente pediu um atendente' : 'Nova conversa no WhatsApp',
        { body: quem(ev), tag: `helixai-${ev.conversa_id}-${ev.motivo}`, lang: 'pt-BR' });
      n.onclick = () => { window.focus(); if (estado.ir) estado.ir(`${estado.base}/conversas/${ev.conversa_id}`); n.close(); };
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }
}

/** Asks the server now (the inbox calls it after its own refresh, so both agree). */
export async function atualizar() {
  const chave = estado.chave;
  if (!chave) return;
  let a;
  try { a = await api.get(api.t('/conversas/alertas')); } catch (e) { return; }
  if (chave !== estado.chave || !a) return;
  estado.total = a.total || 0;
  aplicarTitulo();
  aplicarMenu();
  const eventos = a.recentes || [];
  const id = (ev) => `${ev.conversa_id}|${ev.motivo}|${ev.em}`;
  if (estado.vistos === null) {
    // What was already waiting when the panel opened is counted, not announced.
    estado.vistos = new Set(eventos.map(id));
    return;
  }
  for (const ev of eventos.slice().reverse()) {
    if (!estado.vistos.has(id(ev))) { estado.vistos.add(id(ev)); notificar(ev); }
  }
}

/** Starts (or keeps) polling for the empresa area at `base` (`/painel` or a superadmin's). */
export function iniciar({ base, ir, empresa }) {
  const chave = `${empresa}|${base}`;
  estado.base = base;
  estado.ir = ir;
  if (estado.chave === chave && estado.timer) { aplicarMenu(); return; }
  parar();
  estado.chave = chave;
  atualizar();
  estado.timer = setInterval(() => { if (!document.hidden) atualizar(); }, INTERVALO_MS);
}

/** Stops polling and clears the count (logout, session expired, the reseller's own area). */
export function parar() {
  if (estado.timer) clearInterval(estado.timer);
  Object.assign(estado, { timer: null, chave: null, total: 0, vistos: null });
  aplicarTitulo();
}

/** The controls of the alerts (sound on/off, browser notifications), for the inbox. */
export function controles() {
  const som = h('input', { type: 'checkbox', id: 'alerta-som', checked: somLigado(),
    onchange: (ev) => { localStorage.setItem(CHAVE_SOM, ev.target.checked ? '1' : '0'); if (ev.target.checked) tocar(); } });
  const estadoNotif = h('span', { class: 'previa', 'aria-live': 'polite' });
  const botao = h('button', { type: 'button', class: 'secundario pequeno' });
  function desenhar() {
    const suportado = 'Notification' in window;
    const permissao = suportado ? Notification.permission : 'unsupported';
    botao.hidden = !suportado || permissao === 'denied';
    if (!suportado) estadoNotif.textContent = 'Este navegador não mostra notificações.';
    else if (permissao === 'denied') estadoNotif.textContent = 'Notificações bloqueadas no navegador (libere nas configurações do site).';
    else if (permissao === 'granted') {
      estadoNotif.textContent = notificarLigado() ? 'Notificações ativadas.' : 'Notificações desativadas.';
      botao.textContent = notificarLigado() ? 'Desativar notificações' : 'Ativar notificações';
    } else { estadoNotif.textContent = ''; botao.textContent = 'Ativar notificações do navegador'; }
  }
  botao.addEventListener('click', async () => {
    if (Notification.permission === 'granted') localStorage.setItem(CHAVE_NOTIFICAR, notificarLigado() ? '0' : '1');
    else {
      localStorage.setItem(CHAVE_NOTIFICAR, '1');
      try { await Notification.requestPermission(); } catch (e) { /* older API: callback form */ }
    }
    desenhar();
  });
  desenhar();
  return h('div', { class: 'alertas-controles', role: 'group', 'aria-label': 'Alertas' },
    h('label', { for: 'alerta-som', class: 'inline' }, som, 'Tocar um som quando chegar um alerta'), botao, estadoNotif);
}
