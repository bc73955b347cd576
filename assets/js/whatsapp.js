// whatsapp.js — owns the WhatsApp screen: choosing how the empresa's replies go out (Meta's
// Cloud API or its own phone paired by QR code, whatsapp_qr.js) and the Cloud section:
// phone_number_id, número, token and app secret (write-only: only masks are shown), and
// the webhook URL + verify token to paste into Meta.

import * as api from './api.js';
import { h, trocar, titulo, campo, formulario, carregando, erroBloco, avisar, avisarErro } from './ui.js';
import { secaoQr } from './whatsapp_qr.js';

const CANAIS = [
  { valor: 'cloud', rotulo: 'API oficial (Meta Cloud API)', ajuda: 'Número verificado no WhatsApp Business Platform, com app, token e webhook na Meta.' },
  { valor: 'evolution', rotulo: 'QR Code (WhatsApp do celular)', ajuda: 'O número da própria empresa, conectado lendo um QR Code no celular, como no WhatsApp Web.' },
];
const rotuloDe = (canal) => (CANAIS.find((c) => c.valor === canal) || CANAIS[0]).rotulo;

export async function render(raiz) {
  raiz.append(titulo('WhatsApp'));
  const corpo = h('div', {}, carregando());
  raiz.append(corpo);
  let w;
  try { w = await api.get(api.t('/whatsapp')); } catch (e) { trocar(corpo, erroBloco(e)); return undefined; }

  // `emUso`: the channel saved on the server; `vista`: the section the admin is looking at.
  let emUso = w.canal === 'evolution' ? 'evolution' : 'cloud';
  let vista = emUso;
  const situacao = h('p', { class: 'previa', role: 'status' });
  const botaoUsar = h('button', { type: 'button', class: 'secundario', onclick: () => usar(vista) });
  const acaoUsar = h('div', { class: 'acoes' }, botaoUsar);
  const cloud = h('div', {}, secaoCloud(w));
  let qrConectado = false;
  const qr = secaoQr({ aoMudar: (est) => {
    if (est.canal) emUso = est.canal;
    qrConectado = est.estado === 'conectado';
    atualizarSituacao();
  } });
  const radios = CANAIS.map((c) => h('input', { type: 'radio', name: 'canal', value: c.valor, checked: c.valor === vista,
    'aria-label': c.rotulo, 'aria-describedby': `canal-${c.valor}-ajuda`, onchange: () => mostrar(c.valor) }));
  const escolha = h('fieldset', { class: 'canais' },
    h('legend', {}, 'Como o WhatsApp desta empresa se conecta'),
    CANAIS.map((c, i) => h('label', { class: 'canal' }, radios[i],
      h('span', {}, h('strong', {}, c.rotulo), h('span', { class: 'ajuda', id: `canal-${c.valor}-ajuda` }, c.ajuda)))));

  function atualizarSituacao() {
    trocar(situacao, 'As respostas do bot e dos atendentes saem agora por: ', h('strong', {}, rotuloDe(emUso)), '.');
    botaoUsar.textContent = vista === 'cloud' ? 'Usar a API oficial para as respostas' : 'Usar este celular para as respostas';
    // Connecting by QR code switches the channel by itself; the button is for going back and forth.
    acaoUsar.classList.toggle('oculto', vista === emUso || (vista === 'evolution' && !qrConectado));
  }

  function mostrar(canal) {
    vista = canal;
    cloud.classList.toggle('oculto', canal !== 'cloud');
    qr.el.classList.toggle('oculto', canal !== 'evolution');
    if (canal === 'evolution') qr.abrir(); else qr.parar(false);
    atualizarSituacao();
  }

  async function usar(canal) {
    botaoUsar.disabled = true;
    try {
      const r = await api.put(api.t('/whatsapp'), { canal });
      emUso = r && r.canal ? r.canal : canal;
      avisar(`As respostas passam a sair por: ${rotuloDe(emUso)}.`, 'ok');
    } catch (e) { avisarErro(e); } finally { botaoUsar.disabled = false; }
    atualizarSituacao();
  }

  trocar(corpo,
    h('section', { class: 'cartao' }, h('h2', {}, 'Canal do WhatsApp'), escolha, situacao, acaoUsar),
    cloud, qr.el);
  mostrar(vista);
  return () => qr.parar(true);
}

function secaoCloud(w) {
  const mascara = (v) => (v ? `Atual: ${v}. Deixe em branco para manter.` : 'Não configurado.');
  const form = formulario({
    rotuloEnviar: 'Salvar WhatsApp',
    campos: h('div', { class: 'grade' },
      campo({ nome: 'phone_number_id', rotulo: 'Phone number ID (Meta)', valor: w.phone_number_id || '', ajuda: 'Só números. Em Meta for Developers → WhatsApp → Configuração da API.', attrs: { inputmode: 'numeric' } }),
      campo({ nome: 'numero', rotulo: 'Número do WhatsApp', valor: w.numero || '', placeholder: '+55 11 99999-0000', attrs: { inputmode: 'tel' } }),
      campo({ nome: 'token', rotulo: 'Token de acesso', tipo: 'password', ajuda: mascara(w.token) }),
      campo({ nome: 'app_secret', rotulo: 'App secret', tipo: 'password', ajuda: mascara(w.app_secret) })),
    enviar: async (v, f) => {
      const corpo = { phone_number_id: v.phone_number_id.trim(), numero: v.numero.trim() };
      if (v.token) corpo.token = v.token;
      if (v.app_secret) corpo.app_secret = v.app_secret;
      await api.put(api.t('/whatsapp'), corpo);
      f.elements.token.value = '';
      f.elements.app_secret.value = '';
      avisar('Configuração do WhatsApp salva.', 'ok');
    },
  });
  return [
    h('section', { class: 'cartao' }, h('h2', {}, 'Conta do WhatsApp Business'), form),
    h('section', { class: 'cartao' }, h('h2', {}, 'Webhook (cole no app da Meta)'),
      h('p', {}, 'Em Meta for Developers → WhatsApp → Configuração → Webhook, use:'),
      copiavel('URL de retorno (callback URL)', w.webhook_url),
      copiavel('Token de verificação (verify token)', w.verify_token),
      h('p', { class: 'previa' }, 'Assine o campo “messages” do webhook.')),
  ];
}

function copiavel(rotulo, valor) {
  const c = campo({ nome: rotulo, rotulo, valor: valor || '', attrs: { readonly: true } });
  const input = c.querySelector('input');
  c.append(h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario pequeno', onclick: async () => {
    try { await navigator.clipboard.writeText(input.value); avisar('Copiado.', 'ok'); } catch (e) { input.select(); avisar('Selecionado; use Ctrl+C para copiar.'); }
  } }, 'Copiar')));
  return c;
}
