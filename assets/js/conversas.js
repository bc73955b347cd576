// conversas.js — owns the inbox screen: the conversation list (search over what was said,
// names and phones; filters: who answers, Minhas / Não atribuídas, open / resolved, tag,
// unread; badges), the open thread (conversas_fio.js) with its reply box
// (conversas_resposta.js), refreshing both every few seconds without reloading, the alert
// controls, the CSV export and (admins) the inbox settings. Media (photos, voice notes,
// documents) and the attach button come from midia.js.

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, vazio, erroBloco, dataHora } from './ui.js';
import { semMarcas } from './formatacao.js';
import * as alertas from './alertas.js';
import { cabecalho, desenharMensagens, nomeDe, selos, SEM_RESPOSTA } from './conversas_fio.js';
import { caixaResposta } from './conversas_resposta.js';
import { abrirAjustes } from './conversas_ajustes.js';
import { botaoAnexar } from './midia.js';

const INTERVALO_MS = 3000;
const AUTOR = { bot: 'Bot', humano: 'Atendente', sistema: 'Sistema' };

export async function render(raiz, ctx) {
  const filtros = { q: '', modo: '', atribuicao: '', situacao: 'abertas', etiqueta: '', nao_lidas: false };
  let aberta = ctx.params.id ? Number(ctx.params.id) : null;
  let conversas = [];
  let assinaturaLista = '';
  const mensagens = new Map();
  let assinaturaFio = '';
  let maisAntigas = null;
  let vivo = true;
  const equipe = new Map();
  const ctxFio = { ...ctx, equipe };
  try { (await api.get(api.t('/equipe'))).forEach((u) => equipe.set(u.id, u.nome)); } catch (e) { /* names only */ }

  const etiquetas = campo({ nome: 'etiqueta', rotulo: 'Etiqueta', tipo: 'select', opcoes: [['', 'Todas']] });
  const barra = h('form', { class: 'barra filtros-conversas', role: 'search' },
    campo({ nome: 'q', rotulo: 'Buscar', tipo: 'search', placeholder: 'Palavras da conversa, nome ou telefone', attrs: { maxlength: 200 } }),
    campo({ nome: 'modo', rotulo: 'Quem atende', tipo: 'select', opcoes: [['', 'Todos'], ['bot', 'Bot'], ['humano', 'Humano']] }),
    campo({ nome: 'atribuicao', rotulo: 'Atribuição', tipo: 'select', opcoes: [['', 'Todas'], ['minhas', 'Minhas'], ['nao_atribuidas', 'Não atribuídas']] }),
    campo({ nome: 'situacao', rotulo: 'Situação', tipo: 'select', valor: 'abertas', opcoes: [['abertas', 'Abertas'], ['resolvidas', 'Resolvidas'], ['todas', 'Todas']] }),
    etiquetas,
    campo({ nome: 'nao_lidas', rotulo: 'Só não lidas', tipo: 'checkbox' }));
  (async () => {
    try {
      const usadas = await api.get(api.t('/etiquetas'));
      etiquetas.querySelector('select').append(...usadas.map((e) => h('option', { value: e.etiqueta }, `${e.etiqueta} (${e.leads})`)));
    } catch (e) { /* the filter stays at "Todas" */ }
  })();
  let atraso;
  barra.addEventListener('input', () => { clearTimeout(atraso); atraso = setTimeout(aplicarFiltros, 300); });
  barra.addEventListener('submit', (ev) => { ev.preventDefault(); aplicarFiltros(); });
  function aplicarFiltros() {
    const el = barra.elements;
    Object.assign(filtros, { q: el.q.value.trim(), modo: el.modo.value, atribuicao: el.atribuicao.value, situacao: el.situacao.value,
      etiqueta: el.etiqueta.value, nao_lidas: el.nao_lidas.checked });
    assinaturaLista = '';
    carregarLista();
  }

  const acoes = [];
  const anexar = botaoAnexar({ conversa: () => aberta, aoEnviar: (m) => { mensagens.set(m.id, m); desenharFio(true); carregarMensagens(); atualizarCabeca(); } });
  const resposta = caixaResposta({ antes: anexar, dono: { usuario: ctx.eu.usuario_id, empresa: ctx.empresa.id }, enviar: async (t) => {
    const m = await api.post(api.t(`/conversas/${aberta}/responder`), { texto: t });
    if (m && m.id) mensagens.set(m.id, m);
    desenharFio(true);
    carregarMensagens();
    atualizarCabeca();
  } });
  if (ctx.papel === 'admin') {
    acoes.push(h('a', { class: 'botao secundario', download: '',
      href: `${api.t('/conversas/exportar')}${api.qs({ fuso_min: -new Date().getTimezoneOffset() })}` }, 'Exportar CSV'));
    acoes.push(h('button', { type: 'button', class: 'secundario', onclick: () => abrirAjustes(() => resposta.esquecerRespostas()) }, 'Configurações'));
  }
  const lista = h('ul', { class: 'lista-conversas', 'aria-label': 'Conversas' }, h('li', {}, carregando()));
  const fio = h('section', { class: 'fio', 'aria-label': 'Conversa' });
  const caixa = h('div', { class: 'caixa' }, lista, fio);
  const tela = h('div', { class: 'tela-conversas' }, alertas.controles(), barra, caixa);
  raiz.append(titulo('Conversas', ...acoes), tela);

  const hrefDe = (id) => `${ctx.base}/conversas/${id}`;

  async function carregarLista() {
    try {
      const pag = await api.get(api.t('/conversas') + api.qs({ ...filtros, nao_lidas: filtros.nao_lidas ? 'true' : '', limite: 100 }));
      conversas = pag.itens || [];
      const assinatura = JSON.stringify(conversas) + aberta;
      if (assinatura === assinaturaLista) return;
      assinaturaLista = assinatura;
      desenharLista();
      const c = conversaAtual();
      if (c && !cabeca.contains(document.activeElement)) desenharCabeca(c);
      alertas.atualizar();
    } catch (e) {
      if (e.status !== 401) trocar(lista, h('li', {}, erroBloco(e)));
    }
  }

  function previa(c) {
    const m = c.trecho || c.ultima_mensagem;
    if (!m) return 'Sem mensagens';
    return `${m.direcao === 'saida' ? `${AUTOR[m.autor] || 'Nós'}: ` : ''}${m.texto ? semMarcas(m.texto) : '(mídia)'}`;
  }

  function desenharLista() {
    const filtrada = filtros.q || filtros.modo || filtros.atribuicao || filtros.etiqueta || filtros.nao_lidas || filtros.situacao !== 'abertas';
    if (!conversas.length) {
      trocar(lista, h('li', {}, vazio(filtrada ? 'Nenhuma conversa com esses filtros.' : 'Nenhuma conversa aberta. Elas aparecem aqui quando clientes escrevem no WhatsApp.')));
      return;
    }
    trocar(lista, conversas.map((c) => h('li', {}, h('a', { href: hrefDe(c.id), 'aria-current': c.id === aberta ? 'true' : null, 'data-conversa': c.id,
      class: c.pediu_humano_em ? 'pediu' : null, onclick: (ev) => { ev.preventDefault(); abrir(c.id, true); } },
    h('div', { class: 'linha1' }, h('span', { class: 'nome' }, nomeDe(c))),
    h('div', { class: 'selos' }, selos(c, equipe)),
    h('div', { class: `previa${c.trecho ? ' trecho' : ''}` }, previa(c)),
    h('div', { class: 'previa' }, dataHora(c.trecho ? c.trecho.criado_em : c.ultima_mensagem_em))))));
  }

  const cabeca = h('div', { class: 'fio-cabeca' });
  const caixaMsgs = h('div', { class: 'mensagens', 'aria-live': 'polite', 'aria-label': 'Mensagens', tabindex: '0' });

  const conversaAtual = () => conversas.find((c) => c.id === aberta);

  function desenharCabeca(c) {
    resposta.semResposta(c && c.identificado === false ? SEM_RESPOSTA : null);
    trocar(cabeca, cabecalho(c, aberta, ctxFio, {
      fechar,
      mudou: (nova) => {
        if (nova && nova.id) conversas = conversas.map((x) => (x.id === nova.id ? nova : x));
        desenharCabeca(nova && nova.id ? nova : c);
        assinaturaLista = '';
        carregarLista();
      },
    }));
  }

  async function atualizarCabeca() {
    if (!aberta) return;
    try { desenharCabeca(await api.get(api.t(`/conversas/${aberta}`))); } catch (e) { /* keep the old header */ }
  }

  function desenharFio(rolar) {
    const assinatura = JSON.stringify([...mensagens.values()]);
    if (assinatura === assinaturaFio && !rolar) return;
    assinaturaFio = assinatura;
    const noFim = caixaMsgs.scrollHeight - caixaMsgs.scrollTop - caixaMsgs.clientHeight < 40;
    desenharMensagens(caixaMsgs, mensagens, maisAntigas, carregarAntigas);
    if (rolar || noFim) caixaMsgs.scrollTop = caixaMsgs.scrollHeight;
  }

  async function carregarMensagens(primeira) {
    if (!aberta) return;
    const id = aberta;
    try {
      const pag = await api.get(api.t(`/conversas/${id}/mensagens`) + api.qs({ limite: 50 }));
      if (id !== aberta || !vivo) return;
      if (primeira) maisAntigas = pag.proximo_cursor || null;
      for (const m of pag.itens || []) mensagens.set(m.id, m);
      desenharFio(primeira);
      const c = conversaAtual();
      if (primeira || (c && (c.nao_lidas > 0 || c.nova))) marcarLida(id);
    } catch (e) {
      if (primeira && e.status !== 401) trocar(caixaMsgs, erroBloco(e));
    }
  }

  async function carregarAntigas() {
    if (!maisAntigas) return;
    try {
      const pag = await api.get(api.t(`/conversas/${aberta}/mensagens`) + api.qs({ limite: 50, cursor: maisAntigas }));
      maisAntigas = pag.proximo_cursor || null;
      for (const m of pag.itens || []) mensagens.set(m.id, m);
      assinaturaFio = '';
      desenharFio(false);
    } catch (e) { /* the button stays for another try */ }
  }

  async function marcarLida(id) {
    try {
      await api.post(api.t(`/conversas/${id}/lida`));
      conversas = conversas.map((c) => (c.id === id ? { ...c, nao_lidas: 0, nova: false } : c));
      assinaturaLista = '';
      desenharLista();
      alertas.atualizar();
    } catch (e) { /* not essential */ }
  }

  async function abrir(id, empurrar) {
    aberta = id;
    if (empurrar) history.pushState(null, '', hrefDe(id));
    mensagens.clear();
    assinaturaFio = '';
    maisAntigas = null;
    caixa.classList.add('com-fio');
    tela.classList.add('com-fio');
    let c = conversaAtual();
    if (!c) { try { c = await api.get(api.t(`/conversas/${id}`)); } catch (e) { c = null; } }
    desenharCabeca(c);
    resposta.definirConversa(id);
    trocar(caixaMsgs, carregando());
    trocar(fio, cabeca, caixaMsgs, resposta.el);
    assinaturaLista = '';
    desenharLista();
    await carregarMensagens(true);
  }

  function fechar() {
    aberta = null;
    resposta.definirConversa(null);
    history.pushState(null, '', `${ctx.base}/conversas`);
    caixa.classList.remove('com-fio');
    tela.classList.remove('com-fio');
    trocar(fio, vazio('Escolha uma conversa na lista.'));
    assinaturaLista = '';
    desenharLista();
  }

  trocar(fio, vazio('Escolha uma conversa na lista.'));
  await carregarLista();
  if (aberta) abrir(aberta, false);
  const timer = setInterval(() => {
    if (document.hidden) return;
    carregarLista();
    carregarMensagens(false);
  }, INTERVALO_MS);
  return () => { vivo = false; clearInterval(timer); clearTimeout(atraso); };
}
