// bot.js — owns the Bot screen: custom prompt, greeting, hours, the LLM settings (API key
// write-only: only its mask is ever shown) and the "Testar bot" chat (POST /api/bot/simular).

import * as api from './api.js';
import { h, trocar, titulo, campo, formulario, carregando, erroBloco, avisar } from './ui.js';
import { formatar } from './formatacao.js';

const ORIGEM = { llm: 'resposta da IA', fallback: 'resposta automática (sem IA)', aviso: 'aviso do sistema' };

export async function render(raiz, ctx) {
  raiz.append(titulo('Bot'));
  const config = h('section', { class: 'cartao', 'aria-labelledby': 'bot-config' }, h('h2', { id: 'bot-config' }, 'Configuração'), carregando());
  raiz.append(config, simulador(ctx));
  try {
    const b = await api.get(api.t('/bot'));
    trocar(config, h('h2', { id: 'bot-config' }, 'Configuração'), formConfig(b));
  } catch (e) {
    trocar(config, h('h2', { id: 'bot-config' }, 'Configuração'), erroBloco(e));
  }
}

function formConfig(b) {
  const chaveAtual = b.llm_api_key ? `Chave atual: ${b.llm_api_key}. Deixe em branco para manter.` : 'Nenhuma chave configurada: o bot usa respostas automáticas sem IA.';
  return formulario({
    rotuloEnviar: 'Salvar configuração',
    campos: [
      campo({ nome: 'prompt_customizado', rotulo: 'Instruções do bot (prompt)', tipo: 'textarea', valor: b.prompt_customizado || '', ajuda: 'Tom de voz, regras da loja, o que oferecer. O catálogo é consultado automaticamente.' }),
      campo({ nome: 'saudacao', rotulo: 'Saudação', valor: b.saudacao || '', placeholder: 'Olá! Como posso ajudar?' }),
      campo({ nome: 'horario', rotulo: 'Horário de atendimento', valor: b.horario || '', placeholder: 'Seg a sex, 8h às 18h; sáb, 8h às 12h' }),
      h('div', { class: 'grade' },
        campo({ nome: 'llm_base_url', rotulo: 'URL da API de IA', valor: b.llm_base_url || '', placeholder: 'https://api.openai.com/v1' }),
        campo({ nome: 'llm_modelo', rotulo: 'Modelo', valor: b.llm_modelo || '', placeholder: 'gpt-4o-mini' }),
        campo({ nome: 'llm_api_key', rotulo: 'Chave da API de IA', tipo: 'password', valor: '', ajuda: chaveAtual, placeholder: b.llm_api_key || '' })),
      b.llm_api_key ? campo({ nome: 'remover_chave', rotulo: 'Remover a chave atual', tipo: 'checkbox' }) : null,
      campo({ nome: 'transcricao_modelo', rotulo: 'Modelo de transcrição de áudio', valor: b.transcricao_modelo || '', placeholder: 'whisper-1',
        ajuda: 'As mensagens de voz dos clientes são transcritas com a mesma chave e URL (/audio/transcriptions) e o bot responde ao texto. Em branco = whisper-1.' }),
    ],
    enviar: async (v, form) => {
      const corpo = { prompt_customizado: v.prompt_customizado, saudacao: v.saudacao, horario: v.horario, llm_base_url: v.llm_base_url.trim(), llm_modelo: v.llm_modelo.trim(), transcricao_modelo: v.transcricao_modelo.trim() };
      if (v.remover_chave) corpo.llm_api_key = '';
      else if (v.llm_api_key) corpo.llm_api_key = v.llm_api_key;
      const novo = await api.put(api.t('/bot'), corpo);
      avisar('Configuração do bot salva.', 'ok');
      form.elements.llm_api_key.value = '';
      if (novo && 'llm_api_key' in novo) {
        const ajuda = form.querySelector('[name="llm_api_key"]').parentElement.querySelector('.ajuda');
        if (ajuda) ajuda.textContent = novo.llm_api_key ? `Chave atual: ${novo.llm_api_key}. Deixe em branco para manter.` : 'Nenhuma chave configurada.';
      }
    },
  });
}

function simulador() {
  const log = h('div', { class: 'chat', 'aria-live': 'polite', 'aria-label': 'Conversa de teste', id: 'simulador-log' },
    h('p', { class: 'previa' }, 'Escreva como se fosse um cliente no WhatsApp. Nada é enviado de verdade.'));
  const telefone = campo({ nome: 'telefone', rotulo: 'Telefone do cliente de teste', valor: '5511900000000', attrs: { inputmode: 'tel' } });
  const texto = campo({ nome: 'texto', rotulo: 'Mensagem', placeholder: 'Ex.: Vocês têm Onix 2020? Qual o preço?' });
  const botao = h('button', { type: 'submit' }, 'Enviar ao bot');
  const form = h('form', {}, h('div', { class: 'grade-chat' }, telefone, texto), h('div', { class: 'acoes' }, botao));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = form.elements.texto.value.trim();
    if (!t) return;
    log.append(h('div', { class: 'msg entrada' }, t, h('div', { class: 'meta' }, 'Você (cliente)')));
    form.elements.texto.value = '';
    botao.disabled = true;
    const esperando = h('p', { class: 'previa', role: 'status' }, 'O bot está pensando…');
    log.append(esperando);
    log.scrollTop = log.scrollHeight;
    try {
      const r = await api.post(api.t('/bot/simular'), { telefone: form.elements.telefone.value.trim(), texto: t });
      esperando.remove();
      log.append(h('div', { class: 'msg saida resposta-bot' }, r.resposta ? formatar(r.resposta) : '(sem resposta)', h('div', { class: 'meta' }, `Bot · ${ORIGEM[r.origem] || r.origem || ''}`)));
    } catch (e) {
      esperando.remove();
      log.append(h('p', { class: 'alerta', role: 'alert' }, e.message));
    } finally {
      botao.disabled = false;
      form.elements.texto.focus();
      log.scrollTop = log.scrollHeight;
    }
  });
  return h('section', { class: 'cartao', 'aria-labelledby': 'bot-teste' }, h('h2', { id: 'bot-teste' }, 'Testar bot'), log, form);
}
