// bot.js — owns the Bot screen: what the bot knows about the empresa (prompt, greeting, hours
// as slots for appointments, address, trade-in and payment answers, visit length and places),
// the LLM settings (API key write-only: only its mask is ever shown) and "Testar bot": a
// sandbox chat (POST /api/bot/simular; nothing reaches the inbox, the leads or the plan)
// that shows why each answer came out (intent, tools, items, price guard).

import * as api from './api.js';
import { h, trocar, titulo, campo, formulario, carregando, erroBloco, avisar, avisarErro, reais } from './ui.js';
import { formatar } from './formatacao.js';

const ORIGEM = { llm: 'resposta da IA', fallback: 'resposta automática (sem IA)', aviso: 'aviso do sistema' };
const DIAS = [['seg', 'Segunda'], ['ter', 'Terça'], ['qua', 'Quarta'], ['qui', 'Quinta'], ['sex', 'Sexta'], ['sab', 'Sábado'], ['dom', 'Domingo']];
const PADRAO = { seg: ['08:00', '18:00'], ter: ['08:00', '18:00'], qua: ['08:00', '18:00'], qui: ['08:00', '18:00'], sex: ['08:00', '18:00'], sab: ['08:00', '12:00'] };

export async function render(raiz, ctx) {
  raiz.append(titulo('Bot'));
  const config = h('section', { class: 'cartao', 'aria-labelledby': 'bot-config' }, h('h2', { id: 'bot-config' }, 'Configuração'), carregando());
  raiz.append(ctx.papel === 'admin' ? config : null, simulador());
  if (ctx.papel !== 'admin') return;
  try {
    const b = await api.get(api.t('/bot'));
    trocar(config, h('h2', { id: 'bot-config' }, 'Configuração'), formConfig(b));
  } catch (e) {
    trocar(config, h('h2', { id: 'bot-config' }, 'Configuração'), erroBloco(e));
  }
}

/** The opening hours, one row per weekday: open? from, to. */
function expedienteCampos(atual) {
  const e = atual || PADRAO;
  const linhas = DIAS.map(([k, nome]) => {
    const [abre, fecha] = e[k] || ['08:00', '18:00'];
    return h('tr', {},
      h('td', { 'data-rotulo': 'Dia' }, campo({ nome: `aberto_${k}`, rotulo: nome, tipo: 'checkbox', valor: !!e[k] })),
      h('td', { 'data-rotulo': 'Abre' }, h('input', { type: 'time', name: `abre_${k}`, value: abre, 'aria-label': `${nome}: abre às` })),
      h('td', { 'data-rotulo': 'Fecha' }, h('input', { type: 'time', name: `fecha_${k}`, value: fecha, 'aria-label': `${nome}: fecha às` })));
  });
  return h('fieldset', { class: 'expediente' }, h('legend', {}, 'Horários de atendimento (o bot só agenda dentro deles)'),
    h('div', { class: 'tabela-rolagem' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Dia'), h('th', { scope: 'col' }, 'Abre'), h('th', { scope: 'col' }, 'Fecha'))),
      h('tbody', {}, linhas))));
}

function lerExpediente(v) {
  const out = {};
  for (const [k, nome] of DIAS) {
    if (!v[`aberto_${k}`]) continue;
    if (!v[`abre_${k}`] || !v[`fecha_${k}`] || v[`abre_${k}`] >= v[`fecha_${k}`]) throw new Error(`${nome}: a abertura precisa ser antes do fechamento.`);
    out[k] = [v[`abre_${k}`], v[`fecha_${k}`]];
  }
  if (!Object.keys(out).length) throw new Error('Marque pelo menos um dia de atendimento.');
  return out;
}

function formConfig(b) {
  const chaveAtual = b.llm_api_key ? `Chave atual: ${b.llm_api_key}. Deixe em branco para manter.` : 'Nenhuma chave configurada: o bot usa respostas automáticas sem IA.';
  return formulario({
    rotuloEnviar: 'Salvar configuração',
    campos: [
      campo({ nome: 'prompt_customizado', rotulo: 'Instruções do bot (prompt)', tipo: 'textarea', valor: b.prompt_customizado || '', ajuda: 'Tom de voz, regras da loja, o que oferecer. O catálogo é consultado automaticamente.' }),
      campo({ nome: 'saudacao', rotulo: 'Saudação', valor: b.saudacao || '', placeholder: 'Olá! Como posso ajudar?' }),
      h('div', { class: 'grade' },
        campo({ nome: 'endereco', rotulo: 'Endereço', valor: b.endereco || '', placeholder: 'Av. Brasil, 100 — Centro' }),
        campo({ nome: 'horario', rotulo: 'Horário (texto, opcional)', valor: b.horario || '', placeholder: b.expediente_texto || 'Seg a sex, 8h às 18h', ajuda: 'Se ficar em branco, o bot descreve os horários abaixo.' })),
      campo({ nome: 'troca', rotulo: 'Resposta para “aceita troca?”', tipo: 'textarea', valor: b.troca || '', ajuda: 'Ex.: Aceitamos seu usado na troca, com avaliação na loja. Em veículos e imóveis o bot passa a conversa para um atendente depois.' }),
      campo({ nome: 'pagamento', rotulo: 'Formas de pagamento', tipo: 'textarea', valor: b.pagamento || '', placeholder: 'Pix, cartão em até 12x, financiamento…' }),
      expedienteCampos(b.expediente),
      h('div', { class: 'grade' },
        campo({ nome: 'duracao_visita_min', rotulo: 'Duração de cada visita (min)', tipo: 'number', valor: b.duracao_visita_min ?? 60, attrs: { min: 15, max: 480, step: 15 } }),
        campo({ nome: 'visitas_simultaneas', rotulo: 'Visitas ao mesmo tempo', tipo: 'number', valor: b.visitas_simultaneas ?? 1, attrs: { min: 1, max: 50 } })),
      h('div', { class: 'grade' },
        campo({ nome: 'llm_base_url', rotulo: 'URL da API de IA', valor: b.llm_base_url || '', placeholder: 'https://api.openai.com/v1' }),
        campo({ nome: 'llm_modelo', rotulo: 'Modelo', valor: b.llm_modelo || '', placeholder: 'gpt-4o-mini' }),
        campo({ nome: 'llm_api_key', rotulo: 'Chave da API de IA', tipo: 'password', valor: '', ajuda: chaveAtual, placeholder: b.llm_api_key || '' })),
      b.llm_api_key ? campo({ nome: 'remover_chave', rotulo: 'Remover a chave atual', tipo: 'checkbox' }) : null,
      campo({ nome: 'transcricao_modelo', rotulo: 'Modelo de transcrição de áudio', valor: b.transcricao_modelo || '', placeholder: 'whisper-1',
        ajuda: 'As mensagens de voz dos clientes são transcritas com a mesma chave e URL (/audio/transcriptions) e o bot responde ao texto. Em branco = whisper-1.' }),
    ],
    enviar: async (v, form) => {
      const corpo = {
        prompt_customizado: v.prompt_customizado, saudacao: v.saudacao, horario: v.horario, endereco: v.endereco, troca: v.troca,
        pagamento: v.pagamento, expediente: lerExpediente(v), duracao_visita_min: Number(v.duracao_visita_min) || null,
        visitas_simultaneas: Number(v.visitas_simultaneas) || null, llm_base_url: v.llm_base_url.trim(), llm_modelo: v.llm_modelo.trim(),
        transcricao_modelo: v.transcricao_modelo.trim(),
      };
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

const novaSessao = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** Why this answer: path, intent, what was understood, tools, items, price guard. */
function porque(r) {
  const x = r.explicacao || {};
  const ent = x.entendimento || {};
  const linhas = [];
  linhas.push(h('li', {}, `Caminho: ${ORIGEM[r.origem] || r.origem}${x.llm_erro ? ` — a IA foi descartada: ${x.llm_erro}` : ''}`));
  if (x.intencao) linhas.push(h('li', {}, `Intenção: ${x.intencao}`));
  const termos = (ent.termos || []).map((t) => t.palavra + (t.conhecido ? '' : ' (fora do catálogo)'));
  if (termos.length) linhas.push(h('li', {}, `Palavras buscadas: ${termos.join(', ')}`));
  if ((ent.correcoes || []).length) linhas.push(h('li', {}, `Correções: ${ent.correcoes.map(([de, para]) => `${de} → ${para}`).join(', ')}`));
  const f = Object.entries(ent.filtros || {}).filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length));
  if (f.length) linhas.push(h('li', {}, `Filtros: ${f.map(([k, v]) => `${k} = ${k.startsWith('preco') ? reais(v) : Array.isArray(v) ? v.join(', ') : v}`).join('; ')}`));
  for (const c of x.ferramentas || []) {
    linhas.push(h('li', { class: 'ferramenta' }, h('code', {}, c.nome), ` ${JSON.stringify(c.argumentos)} → ${c.resultado}`));
  }
  if ((x.itens || []).length) linhas.push(h('li', {}, `Itens encontrados: ${x.itens.map((i) => `${i.nome} (${reais(i.preco_centavos)})`).join('; ')}`));
  for (const g of x.guarda || []) {
    linhas.push(h('li', { class: g.permitido ? 'guarda-ok' : 'guarda-recusa' }, `Guarda de preço: ${g.valor} ${g.permitido ? 'permitido' : 'RECUSADO'} — ${g.motivo}`));
  }
  return h('details', { class: 'porque' }, h('summary', {}, 'Por que esta resposta?'), h('ul', {}, linhas));
}

/** What the bot would have written to the lead and the agenda in this test conversation. */
function fichaTeste(ficha) {
  const f = ficha || {};
  const itens = [
    f.nome ? `Nome: ${f.nome}` : null,
    f.interesse ? `Interesse: ${f.interesse}` : null,
    f.orcamento_centavos ? `Orçamento: ${reais(f.orcamento_centavos)}` : null,
    f.horario_preferido ? `Melhor horário: ${f.horario_preferido}` : null,
    ...(f.agendamentos || []).map(([quando, tipo]) => `Agendamento simulado: ${quando} (${tipo.replace('_', ' ')})`),
    f.transferida ? 'Passada para um atendente (simulado)' : null,
  ].filter(Boolean);
  return itens.length ? h('ul', {}, itens.map((t) => h('li', {}, t))) : h('p', { class: 'previa' }, 'Nada registrado ainda.');
}

function simulador() {
  let sessao = sessionStorage.getItem('helixai.simulador') || novaSessao();
  sessionStorage.setItem('helixai.simulador', sessao);
  const inicio = () => h('p', { class: 'previa' }, 'Escreva como se fosse um cliente no WhatsApp. É um teste: nada vai para as conversas, os leads, a agenda ou a cota do plano.');
  const log = h('div', { class: 'chat', 'aria-live': 'polite', 'aria-label': 'Conversa de teste', id: 'simulador-log' }, inicio());
  const ficha = h('div', { class: 'ficha-teste', 'aria-label': 'Ficha do cliente de teste' }, fichaTeste(null));
  const texto = campo({ nome: 'texto', rotulo: 'Mensagem', placeholder: 'Ex.: Vocês têm Onix 2020? Qual o preço?' });
  const botao = h('button', { type: 'submit' }, 'Enviar ao bot');
  const reiniciar = h('button', { type: 'button', class: 'secundario', onclick: async () => {
    // The screen starts over at once; the old sandbox is forgotten on the server after.
    const antiga = sessao;
    sessao = novaSessao();
    sessionStorage.setItem('helixai.simulador', sessao);
    trocar(log, inicio());
    trocar(ficha, fichaTeste(null));
    try { await api.post(api.t('/bot/simular/reiniciar'), { sessao: antiga }); } catch (e) { avisarErro(e); }
  } }, 'Nova conversa de teste');
  const form = h('form', {}, texto, h('div', { class: 'acoes' }, botao, reiniciar));
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
      const r = await api.post(api.t('/bot/simular'), { sessao, texto: t });
      esperando.remove();
      log.append(h('div', { class: 'msg saida resposta-bot' }, r.resposta ? formatar(r.resposta) : '(sem resposta)',
        h('div', { class: 'meta' }, `Bot · ${ORIGEM[r.origem] || r.origem || ''}${r.handoff ? ' · passou para um atendente' : ''}`), porque(r)));
      trocar(ficha, fichaTeste(r.ficha));
    } catch (e) {
      esperando.remove();
      log.append(h('p', { class: 'alerta', role: 'alert' }, e.message));
    } finally {
      botao.disabled = false;
      form.elements.texto.focus();
      log.scrollTop = log.scrollHeight;
    }
  });
  return h('section', { class: 'cartao', 'aria-labelledby': 'bot-teste' }, h('h2', { id: 'bot-teste' }, 'Testar bot'), log, form,
    h('h3', { class: 'subtitulo' }, 'Ficha do cliente de teste'), ficha);
}
