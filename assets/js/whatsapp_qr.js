// whatsapp_qr.js — owns the QR-code section of the WhatsApp screen (the empresa's own phone
// paired through the appliance's Evolution API server): the connection state, "Conectar"
// with an optional number (pairing code), the QR image and the step-by-step instructions,
// polling every 3 s while waiting for the scan (and briefly after it, until the number is
// known), "Desconectar" and "Excluir instância".
// Also the state badge and phone formatting the reseller's Evolution screen reuses.

import * as api from './api.js';
import { h, trocar, campo, carregando, erroBloco, avisar, avisarErro, confirmar, selo, dataHora } from './ui.js';

const INTERVALO_MS = 3000;

const ESTADOS = {
  conectado: ['Conectado', 'ok'],
  conectando: ['Aguardando leitura do QR', 'espera'],
  desconectado: ['Desconectado', 'ruim'],
  recusado: ['Recusado', 'ruim'],
};

/** The badge for a connection state (conectado, conectando, desconectado, recusado). */
export function seloEstado(estado) {
  const [texto, classe] = ESTADOS[estado] || [estado || '—', ''];
  return selo(texto, classe);
}

/** "5511988887777" → "+55 11 98888-7777" (other numbers: "+" and the digits). */
export function telefoneBonito(numero) {
  const d = String(numero || '').replace(/\D/g, '');
  if (d.startsWith('55') && (d.length === 12 || d.length === 13)) {
    const corte = d.length - 4;
    return `+55 ${d.slice(2, 4)} ${d.slice(4, corte)}-${d.slice(corte)}`;
  }
  return d ? `+${d}` : '';
}

/** "ABCD1234" → "ABCD-1234", as WhatsApp shows it. */
const codigoBonito = (c) => (c && c.length === 8 ? `${c.slice(0, 4)}-${c.slice(4)}` : c || '');

/**
 * The QR-code section. `aoMudar(estadoConexao)` is told every state shown (its `canal`
 * too: connecting switches the empresa to `evolution`). Returns {el, abrir(), parar(definitivo)}:
 * `abrir` loads the state (once) and resumes polling; `parar` stops it.
 */
export function secaoQr({ aoMudar = () => {} } = {}) {
  // Paths fixed now: a superadmin's empresa prefix must not change under a running timer.
  const caminho = (s) => api.t(`/whatsapp${s}`);
  const urlQr = caminho('/qr.svg');
  const el = h('div', {}, carregando());
  let est = null;
  let vivo = true;
  let timer = null;
  let aberta = false;
  let visivel = false;
  let esperasNumero = 0;
  let qrMostrado = null;
  let versao = 0;

  const estadoEl = h('div', { class: 'estado-conexao', role: 'status', 'aria-live': 'polite' });
  const erroEl = h('div');
  const numero = campo({ nome: 'numero', rotulo: 'Número do WhatsApp (opcional)', placeholder: '5511999990000',
    ajuda: 'Com DDI e DDD. Informe-o para receber também um código de pareamento, digitado no celular em vez de ler o QR Code.',
    attrs: { inputmode: 'tel', autocomplete: 'tel' } });
  const botaoConectar = h('button', { type: 'submit' }, 'Conectar');
  const formConectar = h('form', { class: 'conectar' }, numero, h('div', { class: 'acoes' }, botaoConectar));
  formConectar.addEventListener('submit', (ev) => { ev.preventDefault(); conectar(); });

  const img = h('img', { class: 'qr', alt: 'QR Code para conectar o WhatsApp da empresa: leia com o celular', width: '264', height: '264' });
  const gerando = h('p', { class: 'previa' }, 'Gerando o QR Code…');
  // The QR may be gone by the time the image loads (just paired): wait for the next one.
  img.addEventListener('error', () => { qrMostrado = null; mostrarOuNao(img, false); mostrarOuNao(gerando, true); });
  const codigo = h('p', { class: 'codigo-pareamento', 'aria-label': 'Código de pareamento' });
  const blocoCodigo = h('div', { class: 'pareamento' }, h('p', {}, 'Ou conecte pelo número: no celular, toque em “Conectar com número de telefone” e digite o código:'), codigo);
  const blocoQr = h('div', { class: 'qr-area' },
    h('div', { class: 'qr-imagem' }, img, gerando),
    h('div', { class: 'passos' },
      h('h3', {}, 'Como conectar'),
      h('ol', {},
        h('li', {}, 'Abra o WhatsApp no celular da empresa.'),
        h('li', {}, 'Toque em Mais opções (⋮) ou em Configurações → Aparelhos conectados → Conectar um aparelho.'),
        h('li', {}, 'Aponte a câmera do celular para este QR Code.')),
      blocoCodigo,
      h('p', { class: 'previa' }, 'O QR Code muda a cada poucos segundos; esta tela se atualiza sozinha até o celular conectar.')));

  const botaoAtualizar = h('button', { type: 'button', class: 'secundario', onclick: () => atualizar(true) }, 'Atualizar estado');
  const botaoDesconectar = h('button', { type: 'button', class: 'secundario', onclick: desconectar }, 'Desconectar');
  const botaoExcluir = h('button', { type: 'button', class: 'perigo', onclick: excluir }, 'Excluir instância');
  const acoes = h('div', { class: 'acoes' }, botaoAtualizar, botaoDesconectar, botaoExcluir);
  const cartao = h('section', { class: 'cartao', 'aria-labelledby': 'titulo-qr' },
    h('h2', { id: 'titulo-qr' }, 'WhatsApp por QR Code'), estadoEl, erroEl, formConectar, blocoQr, acoes);

  const presente = () => vivo && document.contains(el);
  const mostrarOuNao = (node, sim) => node.classList.toggle('oculto', !sim);

  function desenhar(novo) {
    est = novo;
    aoMudar(est);
    if (!est.evolution_configurado) {
      trocar(el, h('section', { class: 'cartao' }, h('h2', {}, 'WhatsApp por QR Code'),
        h('p', { class: 'nota' }, 'O servidor de QR Code (Evolution API) ainda não foi configurado neste HelixAI. '
          + 'Peça à revenda para configurá-lo em “WhatsApp (QR Code)”; depois volte aqui para conectar o celular.')));
      return;
    }
    if (!el.contains(cartao)) trocar(el, cartao);
    const partes = [seloEstado(est.estado)];
    if (est.estado === 'conectado') {
      const quem = [telefoneBonito(est.numero), est.nome_perfil].filter(Boolean).join(' · ');
      partes.push(h('strong', {}, quem || 'número conectado'));
    } else if (est.motivo) {
      partes.push(h('span', {}, `Motivo: ${est.motivo}`));
    }
    if (est.estado_em && est.instancia) partes.push(h('span', { class: 'previa' }, `desde ${dataHora(est.estado_em)}`));
    // Redraw only on change: the region is aria-live, and polling must not re-announce it.
    const assinatura = partes.map((n) => n.textContent).join('|');
    if (estadoEl.dataset.assinatura !== assinatura) { estadoEl.dataset.assinatura = assinatura; trocar(estadoEl, partes); }
    const conectando = est.estado === 'conectando';
    mostrarOuNao(formConectar, est.estado !== 'conectado');
    botaoConectar.textContent = conectando ? 'Gerar novo QR Code' : 'Conectar';
    mostrarOuNao(blocoQr, conectando);
    if (conectando && est.qr_code !== qrMostrado) {
      qrMostrado = est.qr_code;
      if (est.qr_code) img.src = `${urlQr}?v=${Date.now()}-${++versao}`;
    }
    mostrarOuNao(img, conectando && !!est.qr_code);
    mostrarOuNao(gerando, conectando && !est.qr_code);
    codigo.textContent = codigoBonito(est.pairing_code);
    mostrarOuNao(blocoCodigo, !!est.pairing_code);
    if (!conectando) qrMostrado = null;
    mostrarOuNao(acoes, !!est.instancia);
    mostrarOuNao(botaoDesconectar, est.estado !== 'desconectado');
    agendar();
  }

  function agendar() {
    clearTimeout(timer);
    timer = null;
    if (!est || !visivel || !presente()) return;
    // Just paired: the number comes with Evolution's connection.update webhook, a moment later.
    if (est.estado === 'conectado' && !est.numero && esperasNumero < 10) {
      esperasNumero += 1;
      timer = setTimeout(() => atualizar(false, false), INTERVALO_MS);
    } else if (est.estado === 'conectando') {
      esperasNumero = 0;
      timer = setTimeout(() => atualizar(false), INTERVALO_MS);
    }
  }

  /** Reads the state; `perguntar` (the default) has the server ask Evolution first. */
  async function atualizar(manual, perguntar = true) {
    if (!presente()) { parar(); return; }
    if (!manual && document.hidden) { agendar(); return; }
    try {
      const novo = await api.get(caminho('/conexao') + api.qs({ atualizar: perguntar ? 1 : '' }));
      if (!presente()) return;
      trocar(erroEl);
      desenhar(novo);
    } catch (e) {
      if (!presente()) return;
      trocar(erroEl, erroBloco(e));
      agendar();
    }
  }

  async function acao(botao, fn) {
    botao.disabled = true;
    try {
      const novo = await fn();
      if (!presente()) return null;
      trocar(erroEl);
      desenhar(novo);
      return novo;
    } catch (e) {
      avisarErro(e);
      if (presente()) trocar(erroEl, erroBloco(e));
      return null;
    } finally { botao.disabled = false; }
  }

  async function conectar() {
    const n = numero.querySelector('input').value.trim();
    const novo = await acao(botaoConectar, () => api.post(caminho('/conectar'), n ? { numero: n } : {}));
    if (novo) avisar(novo.estado === 'conectado' ? 'O WhatsApp já está conectado.' : 'Leia o QR Code com o celular da empresa.', 'ok');
  }

  async function desconectar() {
    if (!(await confirmar('Desconectar o WhatsApp deste celular? O bot para de responder por ele até alguém ler o QR Code de novo.', 'Desconectar'))) return;
    if (await acao(botaoDesconectar, () => api.post(caminho('/desconectar')))) avisar('WhatsApp desconectado.', 'ok');
  }

  async function excluir() {
    if (!(await confirmar('Excluir a instância no servidor Evolution? A conexão é apagada; para voltar, será preciso conectar e ler um novo QR Code.', 'Excluir instância'))) return;
    if (await acao(botaoExcluir, () => api.del(caminho('/conexao')))) avisar('Instância excluída.', 'ok');
  }

  async function abrir() {
    visivel = true;
    if (aberta) { agendar(); return; }
    aberta = true;
    try {
      desenhar(await api.get(caminho('/conexao')));
    } catch (e) {
      aberta = false;
      if (presente()) trocar(el, erroBloco(e));
    }
  }

  /** Stops polling: the section was hidden (`abrir` resumes it) or, `definitivo`, the screen was left. */
  function parar(definitivo = true) {
    if (definitivo) vivo = false;
    visivel = false;
    clearTimeout(timer);
    timer = null;
  }

  return { el, abrir, parar };
}
