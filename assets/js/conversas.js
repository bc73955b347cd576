// conversas.js — owns the inbox: the conversation list (search, filters, unread and
// bot/humano badges), the thread with delivery statuses, "Assumir conversa" / "Devolver ao
// bot", the human reply box, and refreshing both every few seconds without reloading.
// Media (photos, voice notes, documents) and the attach button come from midia.js.

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, vazio, erroBloco, avisar, avisarErro, dataHora, selo } from './ui.js';
import { fichaDaConversa } from './ficha.js';
import { conteudoMidia, legenda, botaoAnexar } from './midia.js';

const INTERVALO_MS = 3000;
const STATUS = { enviada: 'enviado', entregue: 'entregue', lida: 'lido', pendente: 'enviando…', falhou: 'falhou' };
const AUTOR = { bot: 'Bot', humano: 'Atendente', sistema: 'Sistema' };

export async function render(raiz, ctx) {
  const filtros = { q: '', modo: '', nao_lidas: false };
  let aberta = ctx.params.id ? Number(ctx.params.id) : null;
  let conversas = [];
  let assinaturaLista = '';
  const mensagens = new Map();
  let assinaturaFio = '';
  let maisAntigas = null;
  let vivo = true;

  const busca = campo({ nome: 'q', rotulo: 'Buscar', tipo: 'search', placeholder: 'Nome, telefone ou texto' });
  const modo = campo({ nome: 'modo', rotulo: 'Quem atende', tipo: 'select', opcoes: [['', 'Todos'], ['bot', 'Bot'], ['humano', 'Humano']] });
  const naoLidas = campo({ nome: 'nao_lidas', rotulo: 'Só não lidas', tipo: 'checkbox' });
  const barra = h('form', { class: 'barra', role: 'search' }, busca, modo, naoLidas);
  let atraso;
  barra.addEventListener('input', () => { clearTimeout(atraso); atraso = setTimeout(aplicarFiltros, 300); });
  barra.addEventListener('submit', (ev) => { ev.preventDefault(); aplicarFiltros(); });
  function aplicarFiltros() {
    filtros.q = barra.elements.q.value.trim();
    filtros.modo = barra.elements.modo.value;
    filtros.nao_lidas = barra.elements.nao_lidas.checked;
    assinaturaLista = '';
    carregarLista();
  }

  const lista = h('ul', { class: 'lista-conversas', 'aria-label': 'Conversas' }, h('li', {}, carregando()));
  const fio = h('section', { class: 'fio', 'aria-label': 'Conversa' });
  const caixa = h('div', { class: 'caixa' }, lista, fio);
  raiz.append(titulo('Conversas'), barra, caixa);

  const hrefDe = (id) => `${ctx.base}/conversas/${id}`;

  async function carregarLista() {
    try {
      const pag = await api.get(api.t('/conversas') + api.qs({ q: filtros.q, modo: filtros.modo, nao_lidas: filtros.nao_lidas ? 'true' : '', limite: 100 }));
      conversas = pag.itens || [];
      const assinatura = JSON.stringify(conversas) + aberta;
      if (assinatura === assinaturaLista) return;
      assinaturaLista = assinatura;
      desenharLista();
    } catch (e) {
      if (e.status !== 401) trocar(lista, h('li', {}, erroBloco(e)));
    }
  }

  function desenharLista() {
    if (!conversas.length) { trocar(lista, h('li', {}, vazio(filtros.q || filtros.modo || filtros.nao_lidas ? 'Nenhuma conversa com esses filtros.' : 'Nenhuma conversa ainda. Elas aparecem aqui quando clientes escrevem no WhatsApp.'))); return; }
    trocar(lista, conversas.map((c) => {
      const um = c.ultima_mensagem;
      return h('li', {}, h('a', { href: hrefDe(c.id), 'aria-current': c.id === aberta ? 'true' : null, 'data-conversa': c.id,
        onclick: (ev) => { ev.preventDefault(); abrir(c.id, true); } },
      h('div', { class: 'linha1' }, h('span', { class: 'nome' }, c.lead_nome || c.telefone || `Conversa ${c.id}`),
        c.nao_lidas > 0 ? selo(`${c.nao_lidas} não lida${c.nao_lidas > 1 ? 's' : ''}`, 'nao-lidas') : null,
        selo(c.modo === 'humano' ? 'humano' : 'bot', c.modo === 'humano' ? 'humano' : 'bot')),
      h('div', { class: 'previa' }, um ? `${um.direcao === 'saida' ? (AUTOR[um.autor] || 'Nós') + ': ' : ''}${um.texto || '(mídia)'}` : 'Sem mensagens'),
      h('div', { class: 'previa' }, dataHora(c.ultima_mensagem_em))));
    }));
  }

  const cabeca = h('div', { class: 'fio-cabeca' });
  const caixaMsgs = h('div', { class: 'mensagens', 'aria-live': 'polite', 'aria-label': 'Mensagens', tabindex: '0' });
  const texto = h('textarea', { id: 'resposta', name: 'texto', placeholder: 'Escreva uma resposta… (Ctrl+Enter envia)', 'aria-label': 'Resposta' });
  const enviar = h('button', { type: 'submit' }, 'Enviar');
  const anexar = botaoAnexar({ conversa: () => aberta, aoEnviar: (m) => { mensagens.set(m.id, m); desenharFio(true); carregarMensagens(); } });
  const formResp = h('form', { class: 'responder' }, anexar, texto, enviar);
  texto.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) formResp.requestSubmit(); });
  formResp.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = texto.value.trim();
    if (!t || !aberta) return;
    enviar.disabled = true;
    try {
      const m = await api.post(api.t(`/conversas/${aberta}/responder`), { texto: t });
      texto.value = '';
      if (m && m.id) mensagens.set(m.id, m);
      desenharFio(true);
      carregarMensagens();
    } catch (e) { avisarErro(e); } finally { enviar.disabled = false; texto.focus(); }
  });

  function conversaAtual() { return conversas.find((c) => c.id === aberta); }

  function desenharCabeca(c) {
    const humano = c && c.modo === 'humano';
    const alternar = h('button', { type: 'button', class: humano ? 'secundario' : '', onclick: async () => {
      try {
        const nova = await api.post(api.t(`/conversas/${aberta}/${humano ? 'devolver' : 'assumir'}`));
        avisar(humano ? 'Conversa devolvida ao bot.' : 'Você assumiu a conversa; o bot parou de responder.', 'ok');
        if (nova && nova.id) conversas = conversas.map((x) => (x.id === nova.id ? nova : x));
        desenharCabeca(nova && nova.id ? nova : c);
        assinaturaLista = '';
        carregarLista();
      } catch (e) { avisarErro(e); }
    } }, humano ? 'Devolver ao bot' : 'Assumir conversa');
    trocar(cabeca,
      h('a', { href: `${ctx.base}/conversas`, class: 'botao secundario voltar-lista', onclick: (ev) => { ev.preventDefault(); fechar(); } }, '← Conversas'),
      h('h2', {}, c ? (c.lead_nome || c.telefone || `Conversa ${c.id}`) : `Conversa ${aberta}`),
      c && c.telefone ? h('span', { class: 'previa' }, c.telefone) : null,
      c ? selo(humano ? 'humano' : 'bot', humano ? 'humano' : 'bot') : null,
      c && c.lead_id ? h('a', { href: `${ctx.base}/leads?lead=${c.lead_id}` }, 'Ver lead') : null,
      alternar, fichaDaConversa(c));
  }

  function linhaMensagem(m) {
    const saida = m.direcao === 'saida';
    const status = saida ? STATUS[m.status] : null;
    const falhou = m.status === 'falhou';
    const motivo = falhou ? [m.erro_texto, m.erro_codigo ? `código ${m.erro_codigo}` : null].filter(Boolean).join(' — ') : '';
    const midia = conteudoMidia(m);
    return h('div', { class: `msg ${saida ? 'saida' : 'entrada'} ${falhou ? 'falhou' : ''}`, 'data-status': m.status || '' },
      midia ? [midia, legenda(m)] : m.texto || `(${m.tipo || 'mídia'})`,
      h('div', { class: 'meta' }, [saida ? AUTOR[m.autor] || m.autor : 'Cliente', dataHora(m.criado_em), status].filter(Boolean).join(' · '),
        falhou && motivo ? h('span', { class: 'erro-texto' }, ` — ${motivo}`) : null));
  }

  function desenharFio(rolar) {
    const ordenadas = [...mensagens.values()].sort((a, b) => (a.criado_em < b.criado_em ? -1 : a.criado_em > b.criado_em ? 1 : a.id - b.id));
    const assinatura = JSON.stringify(ordenadas);
    if (assinatura === assinaturaFio && !rolar) return;
    assinaturaFio = assinatura;
    const noFim = caixaMsgs.scrollHeight - caixaMsgs.scrollTop - caixaMsgs.clientHeight < 40;
    trocar(caixaMsgs,
      maisAntigas ? h('button', { type: 'button', class: 'secundario pequeno', onclick: carregarAntigas }, 'Carregar anteriores') : null,
      ordenadas.length ? ordenadas.map(linhaMensagem) : vazio('Sem mensagens nesta conversa.'));
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
      if (c && c.nao_lidas > 0) marcarLida(id);
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
    } catch (e) { avisarErro(e); }
  }

  async function marcarLida(id) {
    try {
      await api.post(api.t(`/conversas/${id}/lida`));
      conversas = conversas.map((c) => (c.id === id ? { ...c, nao_lidas: 0 } : c));
      assinaturaLista = '';
      desenharLista();
    } catch (e) { /* not essential */ }
  }

  async function abrir(id, empurrar) {
    aberta = id;
    if (empurrar) history.pushState(null, '', hrefDe(id));
    mensagens.clear();
    assinaturaFio = '';
    maisAntigas = null;
    caixa.classList.add('com-fio');
    let c = conversaAtual();
    if (!c) { try { c = await api.get(api.t(`/conversas/${id}`)); } catch (e) { c = null; } }
    desenharCabeca(c);
    trocar(caixaMsgs, carregando());
    trocar(fio, cabeca, caixaMsgs, formResp);
    assinaturaLista = '';
    desenharLista();
    await carregarMensagens(true);
  }

  function fechar() {
    aberta = null;
    history.pushState(null, '', `${ctx.base}/conversas`);
    caixa.classList.remove('com-fio');
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
