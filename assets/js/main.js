// main.js — owns the application shell: who is logged in (GET /api/me), the route table,
// the header and the role-aware navigation menu, loading each screen module on demand,
// stopping a screen's timers when leaving it, the alerts of an empresa area (alertas.js),
// logout and the "session expired" path (dialogs closed, back to the same screen after
// logging in again, drafts kept).

import * as api from './api.js';
import * as router from './router.js';
import { h, trocar, carregando, erroBloco, fecharDialogos } from './ui.js';

// alertas.js and rascunhos.js load on first use, not with the login page: the first page of a
// fresh browser keeps its few requests (a burst of new connections once stranded one behind
// keep-alive ones in tiny_http's pool; fixed in vendor/tiny_http, and fewer requests are cheaper).
let alertas = null;
const modAlertas = async () => { alertas = alertas || await import('./alertas.js'); return alertas; };
const pararAlertas = () => { if (alertas) alertas.parar(); };

const TELAS_EMPRESA = [
  { seg: '', rotulo: 'Painel', mod: 'painel', papeis: ['admin', 'atendente'] },
  { seg: 'conversas', rotulo: 'Conversas', mod: 'conversas', papeis: ['admin', 'atendente'] },
  { seg: 'leads', rotulo: 'Leads', mod: 'leads', papeis: ['admin', 'atendente'] },
  { seg: 'agendamentos', rotulo: 'Agendamentos', mod: 'agendamentos', papeis: ['admin', 'atendente'] },
  { seg: 'catalogo', rotulo: 'Catálogo', mod: 'catalogo', papeis: ['admin', 'atendente'] },
  { seg: 'bot', rotulo: 'Bot', mod: 'bot', papeis: ['admin'] },
  { seg: 'whatsapp', rotulo: 'WhatsApp', mod: 'whatsapp', papeis: ['admin'] },
  { seg: 'usuarios', rotulo: 'Usuários', mod: 'usuarios', papeis: ['admin'] },
];
const TELAS_REVENDA = [
  { seg: 'empresas', rotulo: 'Empresas', mod: 'revenda/empresas' },
  { seg: 'planos', rotulo: 'Planos', mod: 'revenda/planos' },
  { seg: 'assinaturas', rotulo: 'Assinaturas e pagamentos', mod: 'revenda/assinaturas' },
  { seg: 'evolution', rotulo: 'WhatsApp (QR Code)', mod: 'revenda/evolution' },
  { seg: 'usuarios', rotulo: 'Usuários', mod: 'revenda/usuarios' },
  { seg: 'auditoria', rotulo: 'Auditoria', mod: 'revenda/auditoria' },
  { seg: 'backups', rotulo: 'Backups', mod: 'revenda/backups' },
  { seg: 'sistema', rotulo: 'Sistema', mod: 'revenda/sistema' },
];

const estado = { eu: null, empresas: new Map(), limpar: null, motivoLogin: null, navegou: false, voltar: null };

function rotas() {
  const r = [{ padrao: '/login', tipo: 'login' }, { padrao: '/', tipo: 'inicio' }];
  for (const t of TELAS_EMPRESA) {
    const sufixo = t.seg ? `/${t.seg}` : '';
    r.push({ padrao: `/painel${sufixo}`, tipo: 'empresa', tela: t });
    r.push({ padrao: `/revenda/empresas/:eid/painel${sufixo}`, tipo: 'empresa', tela: t });
    if (t.seg === 'conversas') {
      r.push({ padrao: '/painel/conversas/:id', tipo: 'empresa', tela: t });
      r.push({ padrao: '/revenda/empresas/:eid/painel/conversas/:id', tipo: 'empresa', tela: t });
    }
  }
  for (const t of TELAS_REVENDA) r.push({ padrao: `/revenda/${t.seg}`, tipo: 'revenda', tela: t });
  return r;
}

const inicioDe = (eu) => (eu.papel === 'superadmin' ? '/revenda/empresas' : '/painel');

async function empresaDoSuperadmin(eid) {
  if (!estado.empresas.has(eid)) {
    const e = await api.get(`/api/admin/empresas/${eid}`);
    estado.empresas.set(eid, e);
  }
  return estado.empresas.get(eid);
}

function link(href, rotulo, atual) {
  return h('li', {}, h('a', { href, 'aria-current': atual ? 'page' : null }, rotulo));
}

function menu(eu, base, caminho, papel) {
  const secoes = [];
  if (base) {
    const itens = TELAS_EMPRESA.filter((t) => t.papeis.includes(papel)).map((t) => {
      const href = t.seg ? `${base}/${t.seg}` : base;
      const atual = t.seg ? caminho.startsWith(href) : caminho === base;
      return link(href, t.rotulo, atual);
    });
    secoes.push(h('h2', {}, eu.papel === 'superadmin' ? 'Empresa' : (eu.empresa_nome || 'Empresa')), h('ul', {}, itens));
  }
  if (eu.papel === 'superadmin') {
    secoes.push(h('h2', {}, 'Revenda'), h('ul', {}, TELAS_REVENDA.map((t) => link(`/revenda/${t.seg}`, t.rotulo,
      caminho === `/revenda/${t.seg}` || (t.seg === 'empresas' && caminho.startsWith('/revenda/empresas') && !base)))));
  }
  return h('nav', { class: 'menu', id: 'menu', 'aria-label': 'Menu principal' }, secoes);
}

function casca(eu, base, caminho, papel) {
  const nav = menu(eu, base, caminho, papel);
  const botaoMenu = h('button', { type: 'button', class: 'botao-menu', 'aria-controls': 'menu', 'aria-expanded': 'false',
    onclick: () => {
      const aberto = nav.classList.toggle('aberto');
      botaoMenu.setAttribute('aria-expanded', String(aberto));
    } }, 'Menu');
  nav.addEventListener('click', (ev) => { if (ev.target.closest('a')) { nav.classList.remove('aberto'); botaoMenu.setAttribute('aria-expanded', 'false'); } });
  const sair = h('button', { type: 'button', onclick: sairDaSessao }, 'Sair');
  const papelTxt = { superadmin: 'revenda', admin: 'administrador', atendente: 'atendente' }[eu.papel] || eu.papel;
  if (base) alertaAgendamentos(nav);
  const main = h('main', { id: 'conteudo', tabindex: '-1' });
  trocar(document.getElementById('app'),
    h('header', { class: 'topo' }, botaoMenu, h('a', { class: 'marca', href: inicioDe(eu) }, 'HelixAI'),
      h('span', { class: 'quem' }, `${eu.nome || eu.email} · ${papelTxt}`), sair),
    h('div', { class: 'corpo' }, nav, main));
  return main;
}

// The current shell's alert refresher; screens ask for a refresh with the helixai:alertas event.
let atualizarAlerta = null;
window.addEventListener('helixai:alertas', () => { if (atualizarAlerta) atualizarAlerta(); });

/** The count of bookings the staff has not seen yet, beside the Agendamentos menu item. */
async function alertaAgendamentos(nav) {
  const link = nav.querySelector('a[href$="/agendamentos"]');
  if (!link) return;
  const atualizar = async () => {
    let novos = 0;
    try { novos = (await api.get(api.t('/agendamentos/resumo'))).novos || 0; } catch (e) { return; }
    const atual = link.querySelector('.selo');
    if (atual) atual.remove();
    if (novos > 0) link.append(' ', h('span', { class: 'selo nao-lidas', 'aria-label': `${novos} agendamento${novos > 1 ? 's' : ''} novo${novos > 1 ? 's' : ''}` }, String(novos)));
  };
  atualizarAlerta = atualizar;
  atualizar();
}

async function sairDaSessao() {
  try { await api.post('/api/logout', undefined, { semExpirar: true }); } catch (e) { /* already gone */ }
  // Leaving on purpose: nothing typed stays behind on this browser.
  if (estado.eu) (await import('./rascunhos.js')).limpar(estado.eu.usuario_id);
  pararAlertas();
  estado.eu = null;
  estado.motivoLogin = null;
  router.ir('/login');
}

async function mostrar(casado) {
  if (estado.limpar) { try { estado.limpar(); } catch (e) { /* ignore */ } estado.limpar = null; }
  if (!casado) { router.ir(estado.eu ? inicioDe(estado.eu) : '/login', true); return; }
  const { rota, params, caminho } = casado;
  if (rota.tipo === 'login' || !estado.eu) {
    if (!estado.eu && rota.tipo !== 'login') { router.ir('/login', true); return; }
    if (estado.eu) { router.ir(inicioDe(estado.eu), true); return; }
    const mod = await import('./login.js');
    mod.render(document.getElementById('app'), {
      motivo: estado.motivoLogin,
      aoEntrar: (eu) => {
        // After a session expiry, back where the same usuario was (a draft waits there).
        const volta = estado.voltar && estado.voltar.usuario === eu.usuario_id ? estado.voltar.caminho : null;
        Object.assign(estado, { eu, motivoLogin: null, voltar: null });
        router.ir(volta || inicioDe(eu), true);
      },
    });
    return;
  }
  const eu = estado.eu;
  if (rota.tipo === 'inicio') { router.ir(inicioDe(eu), true); return; }
  if (rota.tipo === 'revenda' && eu.papel !== 'superadmin') { router.ir(inicioDe(eu), true); return; }
  if (rota.tipo === 'empresa' && (eu.papel === 'superadmin') !== ('eid' in params)) { router.ir(inicioDe(eu), true); return; }
  const papel = eu.papel === 'superadmin' ? 'admin' : eu.papel;
  if (rota.tipo === 'empresa' && !rota.tela.papeis.includes(papel)) { router.ir(inicioDe(eu), true); return; }
  const base = rota.tipo === 'empresa' ? (params.eid ? `/revenda/empresas/${params.eid}/painel` : '/painel') : null;
  api.definirEmpresaAlvo(params.eid || null);
  const main = casca(eu, base, caminho.split('?')[0], papel);
  if (base) (await modAlertas()).iniciar({ base, ir: router.ir, empresa: params.eid || eu.empresa_id });
  else pararAlertas();
  // After navigating, focus the new content (screen readers announce it; Tab starts there).
  if (estado.navegou) main.focus({ preventScroll: true });
  estado.navegou = true;
  main.append(carregando());
  if (alertas) alertas.definirTitulo(`${rota.tela.rotulo} — HelixAI`);
  else document.title = `${rota.tela.rotulo} — HelixAI`;
  try {
    let empresa = { id: eu.empresa_id, nome: eu.empresa_nome, slug: eu.empresa_slug, setor: eu.setor };
    let faixa = null;
    if (params.eid) {
      empresa = await empresaDoSuperadmin(params.eid);
      faixa = h('div', { class: 'faixa', role: 'note' }, `Você está na área da empresa “${empresa.nome}” como revenda (ações auditadas).`,
        h('a', { href: '/revenda/empresas' }, 'Voltar à revenda'));
    }
    const mod = await import(`./${rota.tela.mod}.js`);
    trocar(main, faixa);
    const ctx = { eu, papel, empresa, base, params, ir: router.ir };
    const limpar = await mod.render(main, ctx);
    if (typeof limpar === 'function') estado.limpar = limpar;
  } catch (e) {
    trocar(main, erroBloco(e));
  }
}

async function iniciar() {
  api.quandoExpirar(() => {
    if (!estado.eu) return;
    fecharDialogos();
    pararAlertas();
    estado.voltar = { usuario: estado.eu.usuario_id, caminho: location.pathname + location.search };
    estado.eu = null;
    estado.motivoLogin = 'Sua sessão expirou; entre novamente.';
    router.ir('/login');
  });
  try {
    estado.eu = await api.get('/api/me', { semExpirar: true });
  } catch (e) {
    estado.eu = null;
    if (e.status !== 401) estado.motivoLogin = e.message;
  }
  router.iniciar(rotas(), mostrar);
  router.recarregar();
}

iniciar();
