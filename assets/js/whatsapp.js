// whatsapp.js — owns the WhatsApp screen: phone_number_id, número, token and app secret
// (write-only: only masks are shown), and the webhook URL + verify token to paste into Meta.

import * as api from './api.js';
import { h, trocar, titulo, campo, formulario, carregando, erroBloco, avisar } from './ui.js';

export async function render(raiz) {
  raiz.append(titulo('WhatsApp'));
  const corpo = h('div', {}, carregando());
  raiz.append(corpo);
  let w;
  try { w = await api.get(api.t('/whatsapp')); } catch (e) { trocar(corpo, erroBloco(e)); return; }
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
  trocar(corpo,
    h('section', { class: 'cartao' }, h('h2', {}, 'Conta do WhatsApp Business'), form),
    h('section', { class: 'cartao' }, h('h2', {}, 'Webhook (cole no app da Meta)'),
      h('p', {}, 'Em Meta for Developers → WhatsApp → Configuração → Webhook, use:'),
      copiavel('URL de retorno (callback URL)', w.webhook_url),
      copiavel('Token de verificação (verify token)', w.verify_token),
      h('p', { class: 'previa' }, 'Assine o campo “messages” do webhook.')));
}

function copiavel(rotulo, valor) {
  const c = campo({ nome: rotulo, rotulo, valor: valor || '', attrs: { readonly: true } });
  const input = c.querySelector('input');
  c.append(h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario pequeno', onclick: async () => {
    try { await navigator.clipboard.writeText(input.value); avisar('Copiado.', 'ok'); } catch (e) { input.select(); avisar('Selecionado; use Ctrl+C para copiar.'); }
  } }, 'Copiar')));
  return c;
}
