// fixtures.js — owns a stand-in for the JSON API (docs/api.md shapes) served inside the
// browser with page.route, so every screen can be rendered, checked and photographed with
// realistic data whether or not this binary already has the endpoint. Keeps small state
// (conversations, catalog, leads) so clicks behave like the real thing.

const dia = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);
const diaLocal = (n) => { const d = new Date(Date.now() + n * 86400000); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; };
const ts = (minAtras) => new Date(Date.now() - minAtras * 60000).toISOString().slice(0, 19).replace('T', ' ');

export const IDENTIDADES = {
  admin: { usuario_id: 2, email: 'ana@showcar.test', nome: 'Ana Souza', empresa_id: 1, empresa_slug: 'feirao-showcar', empresa_nome: 'Feirão ShowCar', setor: 'veiculos', papel: 'admin' },
  atendente: { usuario_id: 3, email: 'beto@showcar.test', nome: 'Beto Lima', empresa_id: 1, empresa_slug: 'feirao-showcar', empresa_nome: 'Feirão ShowCar', setor: 'veiculos', papel: 'atendente' },
  superadmin: { usuario_id: 1, email: 'revenda@helix.test', nome: 'Revenda Helix', empresa_id: null, empresa_slug: null, empresa_nome: null, setor: null, papel: 'superadmin' },
};

function estadoInicial() {
  const veic = (id, nome, preco, marca, modelo, ano, km, cambio) => ({ id, nome, descricao: '', categoria: 'Seminovos', preco_centavos: preco, disponivel: true, atributos: { marca, modelo, ano, km, cambio, combustivel: 'flex' }, criado_em: ts(5000), atualizado_em: ts(100) });
  return {
    catalogo: [veic(1, 'Chevrolet Onix LT 2020', 6590000, 'Chevrolet', 'Onix', 2020, 42000, 'manual'), veic(2, 'Toyota Corolla XEi 2019', 10990000, 'Toyota', 'Corolla', 2019, 61000, 'automatico'), veic(3, 'Fiat Strada Freedom 2022', 9450000, 'Fiat', 'Strada', 2022, 18000, 'manual')],
    conversas: [
      { id: 1, lead_id: 1, lead_nome: 'Mariana Alves', telefone: '+55 11 98888-1111', modo: 'humano', aberta: true, nao_lidas: 2, ultima_mensagem: { texto: 'Aceitam troca no Corolla?', direcao: 'entrada', autor: 'cliente', criado_em: ts(2) }, ultima_mensagem_em: ts(2), atribuida_a: null, resolvida_em: null, pediu_humano_em: ts(2), nova: true, etiquetas: ['financiamento', 'VIP'], trecho: null },
      { id: 2, lead_id: 2, lead_nome: 'João Pereira', telefone: '+55 11 97777-2222', modo: 'humano', aberta: true, nao_lidas: 0, ultima_mensagem: { texto: 'Posso passar aí sábado às 10h.', direcao: 'saida', autor: 'humano', criado_em: ts(40) }, ultima_mensagem_em: ts(40), atribuida_a: 3, resolvida_em: null, pediu_humano_em: null, nova: false, etiquetas: [], trecho: null },
      { id: 3, lead_id: 3, lead_nome: null, telefone: '+55 21 96666-3333', modo: 'bot', aberta: true, nao_lidas: 0, ultima_mensagem: { texto: 'O *Onix 2020* sai por R$ 65.900,00.', direcao: 'saida', autor: 'bot', criado_em: ts(300) }, ultima_mensagem_em: ts(300), atribuida_a: null, resolvida_em: null, pediu_humano_em: null, nova: false, etiquetas: [], trecho: null },
    ],
    mensagens: {
      1: [
        { id: 11, direcao: 'entrada', autor: 'cliente', tipo: 'text', texto: 'Boa tarde! Vocês têm Corolla automático?', status: 'recebida', erro_codigo: null, erro_texto: null, criado_em: ts(10) },
        { id: 12, direcao: 'saida', autor: 'bot', tipo: 'text', texto: 'Temos sim! *Toyota Corolla XEi 2019*, _automático_, 61.000 km, por ~R$ 115.900,00~ R$ 109.900,00. Código: ```XEI-2019```', status: 'lida', erro_codigo: null, erro_texto: null, criado_em: ts(9) },
        { id: 13, direcao: 'saida', autor: 'bot', tipo: 'text', texto: 'Quer agendar uma visita?', status: 'falhou', erro_codigo: 131047, erro_texto: 'Re-engagement message', erro_explicacao: 'Passaram mais de 24 h desde a última mensagem do cliente: fora da janela de atendimento, o WhatsApp só aceita modelos aprovados.', erro_acao: 'Espere o cliente escrever de novo ou envie um modelo de mensagem (template) aprovado pela Meta.', criado_em: ts(8) },
        { id: 14, direcao: 'entrada', autor: 'cliente', tipo: 'text', texto: 'Aceitam troca no Corolla?', status: 'recebida', erro_codigo: null, erro_texto: null, criado_em: ts(2) },
      ],
      2: [{ id: 21, direcao: 'saida', autor: 'humano', tipo: 'text', texto: 'Posso passar aí sábado às 10h.', status: 'entregue', erro_codigo: null, erro_texto: null, criado_em: ts(40), enviado_por: 3, enviado_por_nome: 'Beto Lima' }],
      3: [{ id: 31, direcao: 'saida', autor: 'bot', tipo: 'text', texto: 'O Onix 2020 sai por R$ 65.900,00.', status: 'enviada', erro_codigo: null, erro_texto: null, criado_em: ts(300) }],
    },
    leads: [
      { id: 1, nome: 'Mariana Alves', telefone: '+55 11 98888-1111', interesse: 'Corolla automático', orcamento_centavos: 11000000, status: 'em_atendimento', notas: 'Tem um HB20 2017 para troca.', criado_em: ts(3000), atualizado_em: ts(2), etiquetas: ['financiamento', 'VIP'] },
      { id: 2, nome: 'João Pereira', telefone: '+55 11 97777-2222', interesse: 'Strada', orcamento_centavos: null, status: 'visita_agendada', notas: '', criado_em: ts(5000), atualizado_em: ts(40), etiquetas: ['financiamento'] },
      { id: 3, nome: null, telefone: '+55 21 96666-3333', interesse: 'Onix', orcamento_centavos: null, status: 'novo', notas: '', criado_em: ts(300), atualizado_em: ts(300), etiquetas: [] },
      { id: 4, nome: 'Paula Reis', telefone: '+55 11 95555-4444', interesse: 'Onix', orcamento_centavos: 7000000, status: 'vendido', notas: 'Fechou à vista.', criado_em: ts(9000), atualizado_em: ts(1000), etiquetas: [] },
    ],
    agendamentos: [
      { id: 1, lead_id: 2, conversa_id: 2, item_id: 3, item_nome: 'Fiat Strada Freedom 2022', lead_nome: 'João Pereira', telefone: '+55 11 97777-2222', cliente_nome: null, data_hora: `${diaLocal(1)} 10:00`, duracao_min: 60, tipo: 'test_drive', status: 'agendado', observacao: 'Agendado pelo bot para João Pereira', origem: 'bot', visto: false, criado_em: ts(40), atualizado_em: ts(40) },
      { id: 2, lead_id: null, conversa_id: null, item_id: null, item_nome: null, lead_nome: null, telefone: null, cliente_nome: 'Carla Mendes', data_hora: `${diaLocal(1)} 15:30`, duracao_min: 45, tipo: 'visita', status: 'confirmado', observacao: 'Ligou na loja', origem: 'painel', visto: true, criado_em: ts(600), atualizado_em: ts(500) },
      { id: 3, lead_id: 1, conversa_id: 1, item_id: 2, item_nome: 'Toyota Corolla XEi 2019', lead_nome: 'Mariana Alves', telefone: '+55 11 98888-1111', cliente_nome: null, data_hora: `${diaLocal(3)} 09:00`, duracao_min: 60, tipo: 'visita', status: 'agendado', observacao: null, origem: 'bot', visto: true, criado_em: ts(900), atualizado_em: ts(900) },
    ],
    respostas: [{ id: 1, atalho: 'horario', texto: 'Funcionamos de segunda a sexta, das 8h às 18h, e sábado das 8h às 12h.', criado_em: ts(900), atualizado_em: ts(900) },
      { id: 2, atalho: 'pix', texto: 'Nossa chave Pix é o CNPJ 12.345.678/0001-90.', criado_em: ts(800), atualizado_em: ts(800) }],
    inativoMin: 720,
    novaEmpresa: false,
    conexao: { ...SEM_CONEXAO },
    evolution: { url: 'http://127.0.0.1:8081', chave: '••••9a7c', url_publica: 'https://painel.helix.exemplo.com.br', configurado: true },
    proximoId: 100,
  };
}

const SEM_CONEXAO = { canal: 'cloud', evolution_configurado: true, instancia: null, estado: 'desconectado', motivo_codigo: null, motivo: null, numero: null, nome_perfil: null, qr_code: null, pairing_code: null, qr_em: null, estado_em: null };
const INSTANCIAS = [
  { empresa_id: 2, empresa_nome: 'AutoPeças XYZ', instancia: 'helixai-2-autopecas-xyz', estado: 'desconectado', motivo_codigo: 401, motivo: 'sessão encerrada no celular (logout)', numero: '5511977776666', nome_perfil: 'AutoPeças XYZ', qr_code: null, pairing_code: null, qr_em: null, estado_em: ts(180) },
  { empresa_id: 3, empresa_nome: 'Imobiliária Premium', instancia: 'helixai-3-imobiliaria-premium', estado: 'conectado', motivo_codigo: null, motivo: null, numero: '5521966665555', nome_perfil: 'Imobiliária Premium — Vendas', qr_code: null, pairing_code: null, qr_em: null, estado_em: ts(4000) },
];
/** A small valid SVG standing in for the server's QR rendering. */
export const QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="264" height="264" viewBox="0 0 33 33"><rect width="33" height="33" fill="#fff"/><path d="M2 2h9v9H2zM22 2h9v9h-9zM2 22h9v9H2zM14 14h5v5h-5z" fill="#000"/></svg>';

const PERIODO = (k) => ({ mensagens_recebidas: 12 * k, mensagens_enviadas: 15 * k, leads_novos: 2 * k, conversas_abertas: 3 + k, agendamentos: k });

function responder(estado, metodo, caminho, corpo, identidade, busca = new URLSearchParams()) {
  const p = caminho.replace(/^\/api\/admin\/empresas\/\d+(?=\/(catalogo|leads|conversas|bot|whatsapp|usuarios|relatorios|equipe|etiquetas|atendimento|respostas-rapidas|agendamentos))/, '/api');
  const m = (re) => p.match(re);
  if (p === '/api/me') return identidade ? [200, identidade] : [401, { erro: { codigo: 'nao_autenticado', mensagem: 'sessão ausente' } }];
  if (p === '/api/logout') return [204, null];
  if (p === '/api/relatorios') {
    if (estado.novaEmpresa) {
      const zero = PERIODO(0);
      return [200, { hoje: zero, dias_7: zero, dias_30: zero, por_dia: Array.from({ length: 30 }, (_, i) => ({ dia: dia(29 - i), recebidas: 0, enviadas: 0 })), mensagens_mes: 0, plano: { nome: 'Básico', limite_mensagens_mes: 1000, usadas_mes: 0 }, primeiros_passos: { catalogo: true, whatsapp: false, bot_testado: false, primeira_conversa: false } }];
    }
    return [200, { hoje: PERIODO(1), dias_7: PERIODO(7), dias_30: PERIODO(30), por_dia: Array.from({ length: 30 }, (_, i) => ({ dia: dia(29 - i), recebidas: 8 + ((i * 7) % 13), enviadas: 10 + ((i * 5) % 11) })), mensagens_mes: 1830, plano: { nome: 'Profissional', limite_mensagens_mes: 5000, usadas_mes: 1830 }, primeiros_passos: { catalogo: true, whatsapp: true, bot_testado: true, primeira_conversa: true } }];
  }
  if (p === '/api/conversas' && metodo === 'GET') return [200, { itens: estado.conversas, proximo_cursor: null }];
  if (p === '/api/conversas/alertas') {
    const atencao = estado.conversas.filter((c) => !c.resolvida_em && (c.pediu_humano_em || c.nova));
    return [200, { aguardando_humano: atencao.filter((c) => c.pediu_humano_em).length, novas: atencao.filter((c) => c.nova).length, total: atencao.length,
      recentes: atencao.map((c) => ({ conversa_id: c.id, lead_nome: c.lead_nome, telefone: c.telefone, motivo: c.pediu_humano_em ? 'pediu_atendente' : 'nova', em: c.pediu_humano_em || c.ultima_mensagem_em })) }];
  }
  if (p === '/api/equipe') return [200, [{ id: 2, nome: 'Ana Souza', papel: 'admin' }, { id: 3, nome: 'Beto Lima', papel: 'atendente' }]];
  if (p === '/api/etiquetas') return [200, [{ etiqueta: 'financiamento', leads: 2 }, { etiqueta: 'VIP', leads: 1 }]];
  if (p === '/api/atendimento') {
    if (metodo === 'PUT') estado.inativoMin = corpo.humano_inativo_min;
    return [200, { humano_inativo_min: estado.inativoMin }];
  }
  if (p === '/api/respostas-rapidas') {
    if (metodo === 'POST') { const r0 = { id: estado.proximoId++, atalho: corpo.atalho.replace(/^\//, '').toLowerCase(), texto: corpo.texto.trim(), criado_em: ts(0), atualizado_em: ts(0) }; estado.respostas.push(r0); return [201, r0]; }
    return [200, estado.respostas];
  }
  let r = m(/^\/api\/respostas-rapidas\/(\d+)$/);
  if (r) {
    const i = estado.respostas.findIndex((x) => x.id === Number(r[1]));
    if (i < 0) return [404, { erro: { codigo: 'nao_encontrado', mensagem: 'resposta rápida não encontrada' } }];
    if (metodo === 'DELETE') { estado.respostas.splice(i, 1); return [204, null]; }
    Object.assign(estado.respostas[i], { atalho: corpo.atalho, texto: corpo.texto });
    return [200, estado.respostas[i]];
  }
  r = m(/^\/api\/conversas\/(\d+)(?:\/(\w+))?$/);
  if (r) {
    const c = estado.conversas.find((x) => x.id === Number(r[1]));
    if (!c) return [404, { erro: { codigo: 'nao_encontrado', mensagem: 'conversa não encontrada' } }];
    if (!r[2]) return [200, c];
    if (r[2] === 'mensagens') return [200, { itens: estado.mensagens[c.id] || [], proximo_cursor: null }];
    if (r[2] === 'lida') { c.nao_lidas = 0; c.nova = false; return [204, null]; }
    if (r[2] === 'assumir') { Object.assign(c, { modo: 'humano', pediu_humano_em: null, nova: false, atribuida_a: identidade.usuario_id }); return [200, c]; }
    if (r[2] === 'devolver') { Object.assign(c, { modo: 'bot', pediu_humano_em: null }); return [200, c]; }
    if (r[2] === 'resolver') { Object.assign(c, { modo: 'bot', pediu_humano_em: null, resolvida_em: ts(0), nao_lidas: 0, nova: false }); return [200, c]; }
    if (r[2] === 'reabrir') { c.resolvida_em = null; return [200, c]; }
    if (r[2] === 'atribuir') { c.atribuida_a = corpo.usuario_id; return [200, c]; }
    if (r[2] === 'responder') {
      Object.assign(c, { modo: 'humano', pediu_humano_em: null, atribuida_a: c.atribuida_a || identidade.usuario_id });
      const msg = { id: estado.proximoId++, direcao: 'saida', autor: 'humano', tipo: 'text', texto: corpo.texto, status: 'enviada', erro_codigo: null, erro_texto: null, criado_em: ts(0), enviado_por: identidade.usuario_id, enviado_por_nome: identidade.nome };
      (estado.mensagens[c.id] = estado.mensagens[c.id] || []).push(msg);
      c.ultima_mensagem = { texto: msg.texto, direcao: 'saida', autor: 'humano', criado_em: msg.criado_em };
      return [202, msg];
    }
  }
  if (p.startsWith('/api/leads')) {
    r = m(/^\/api\/leads\/(\d+)$/);
    if (!r) return [200, { itens: estado.leads, proximo_cursor: null }];
    const l = estado.leads.find((x) => x.id === Number(r[1]));
    if (metodo === 'PATCH') Object.assign(l, corpo);
    if (metodo === 'PATCH' && corpo.etiquetas) estado.conversas.filter((c) => c.lead_id === l.id).forEach((c) => { c.etiquetas = corpo.etiquetas; });
    return [200, { ...l, conversa_id: l.id }];
  }
  if (p === '/api/catalogo/importar') {
    const linhas = corpo.csv.trim().split('\n').slice(1).map((t, i) => (t.split(',').length >= 4 ? { linha: i + 2, ok: true, item: { nome: t.split(',')[0] } } : { linha: i + 2, ok: false, erro: 'campo "ano": obrigatório' }));
    const validas = linhas.filter((l) => l.ok).length;
    return [200, { linhas, validas, invalidas: linhas.length - validas, importadas: corpo.confirmar ? validas : 0 }];
  }
  if (p === '/api/catalogo' && metodo === 'GET') return [200, { itens: estado.catalogo, proximo_cursor: null }];
  if (p === '/api/catalogo' && metodo === 'POST') { const it = { ...corpo, id: estado.proximoId++, criado_em: ts(0), atualizado_em: ts(0) }; estado.catalogo.push(it); return [201, it]; }
  r = m(/^\/api\/catalogo\/(\d+)$/);
  if (r) {
    const i = estado.catalogo.findIndex((x) => x.id === Number(r[1]));
    if (metodo === 'DELETE') { estado.catalogo.splice(i, 1); return [204, null]; }
    if (metodo === 'PUT') Object.assign(estado.catalogo[i], corpo);
    return [200, estado.catalogo[i]];
  }
  if (p === '/api/bot' && metodo === 'GET') return [200, { prompt_customizado: 'Seja cordial e objetivo. Ofereça test-drive.', saudacao: 'Olá! Aqui é o assistente do Feirão ShowCar.', horario: null, endereco: 'Av. Interlagos, 1500 — Santo Amaro', troca: 'Aceitamos seu usado na troca, com avaliação na loja.', pagamento: 'Pix, cartão e financiamento em até 60x.', expediente: { seg: ['08:00', '18:00'], ter: ['08:00', '18:00'], qua: ['08:00', '18:00'], qui: ['08:00', '18:00'], sex: ['08:00', '18:00'], sab: ['08:00', '12:00'] }, expediente_texto: 'seg a sex, 8h às 18h; sáb, 8h às 12h', duracao_visita_min: 60, visitas_simultaneas: 2, llm_base_url: 'https://api.openai.com/v1', llm_modelo: 'gpt-4o-mini', llm_api_key: '••••a1b2' }];
  if (p === '/api/bot/simular/reiniciar') return [200, { ok: true }];
  if (p === '/api/bot/simular') {
    return [200, { resposta: 'Temos sim! 😊\n• *Chevrolet Onix LT 2020* — R$ 65.900,00 (42.000 km · manual)\nQuer agendar uma visita ou um test drive para conhecer de perto?', origem: 'fallback', handoff: false, sessao: corpo.sessao,
      explicacao: { caminho: 'fallback', intencao: 'busca', entendimento: { termos: [{ palavra: 'onix', conhecido: true }], correcoes: [['onx', 'onix']], filtros: { preco_max: null } }, ferramentas: [{ nome: 'buscar_catalogo', argumentos: { termos: [['onix']] }, resultado: '1 candidatos' }], itens: [{ id: 1, nome: 'Chevrolet Onix LT 2020', preco_centavos: 6590000 }], guarda: [] },
      ficha: { nome: null, interesse: 'Chevrolet Onix LT 2020', orcamento_centavos: null, horario_preferido: null, agendamentos: [], transferida: false } }];
  }
  if (p === '/api/agendamentos/resumo') return [200, { novos: estado.agendamentos.filter((a) => !a.visto).length, hoje: 0 }];
  if (p === '/api/agendamentos/vistos') { const n = estado.agendamentos.filter((a) => !a.visto).length; estado.agendamentos.forEach((a) => { a.visto = true; }); return [200, { marcados: n }]; }
  if (p === '/api/agendamentos/horarios') return [200, { horarios: [`${diaLocal(1)} 08:00`, `${diaLocal(1)} 11:00`], duracao_min: 60, expediente: 'seg a sex, 8h às 18h' }];
  if (p === '/api/agendamentos' && metodo === 'GET') {
    const de = busca.get('de') || '0000';
    const ate = busca.get('ate') || '9999';
    const itens = estado.agendamentos.filter((a) => a.data_hora.slice(0, 10) >= de && a.data_hora.slice(0, 10) <= ate).sort((a, b) => (a.data_hora < b.data_hora ? -1 : 1));
    return [200, { itens, novos: estado.agendamentos.filter((a) => !a.visto).length, hoje: 0 }];
  }
  if (p === '/api/agendamentos' && metodo === 'POST') { const a = { id: estado.proximoId++, lead_id: null, conversa_id: null, item_id: null, item_nome: null, lead_nome: null, telefone: null, status: 'agendado', origem: 'painel', visto: true, duracao_min: 60, criado_em: ts(0), atualizado_em: ts(0), ...corpo }; estado.agendamentos.push(a); return [201, a]; }
  r = m(/^\/api\/agendamentos\/(\d+)$/);
  if (r) { const a = estado.agendamentos.find((x) => x.id === Number(r[1])); Object.assign(a, corpo); return [200, a]; }
  if (p === '/api/whatsapp') {
    if (metodo === 'PUT' && corpo.canal) estado.conexao.canal = corpo.canal;
    return [200, { canal: estado.conexao.canal, phone_number_id: '109876543210', numero: '+55 11 99999-0000', token: '••••9f3c', app_secret: '••••', webhook_url: 'https://helix.exemplo.com.br/webhook/whatsapp', verify_token: 'vt-3f9a1c0d7e' }];
  }
  const cx = estado.conexao;
  if (p === '/api/whatsapp/conexao' && metodo === 'GET') return [200, cx];
  if (p === '/api/whatsapp/conexao' && metodo === 'DELETE') { estado.conexao = { ...SEM_CONEXAO, canal: cx.canal, evolution_configurado: cx.evolution_configurado }; return [200, estado.conexao]; }
  if (p === '/api/whatsapp/conectar') {
    if (!cx.evolution_configurado) return [409, { erro: { codigo: 'evolution_nao_configurado', mensagem: 'o servidor Evolution API não está configurado' } }];
    Object.assign(cx, { canal: 'evolution', instancia: 'helixai-1-feirao-showcar', estado: 'conectando', motivo: null, qr_code: '2@FIXTURE', pairing_code: corpo && corpo.numero ? 'WXYZ9876' : null, qr_em: ts(0), estado_em: ts(0) });
    return [200, cx];
  }
  if (p === '/api/whatsapp/desconectar') { Object.assign(cx, { estado: 'desconectado', motivo: 'desconectado pelo painel', qr_code: null, pairing_code: null, estado_em: ts(0) }); return [200, cx]; }
  if (p === '/api/admin/evolution') {
    if (metodo === 'PUT') Object.assign(estado.evolution, { url: corpo.url ?? estado.evolution.url, url_publica: corpo.url_publica ?? estado.evolution.url_publica, chave: corpo.chave ? `••••${corpo.chave.slice(-4)}` : estado.evolution.chave });
    const propria = cx.instancia ? [{ empresa_id: 1, empresa_nome: 'Feirão ShowCar', ...cx }] : [];
    return [200, { ...estado.evolution, instancias: [...propria, ...INSTANCIAS] }];
  }
  if (p === '/api/usuarios' || p === '/api/admin/usuarios') {
    if (metodo === 'POST') return [201, { id: estado.proximoId++, ...corpo, ativo: true }];
    const base = [
      { id: 2, email: 'ana@showcar.test', nome: 'Ana Souza', papel: 'admin', empresa_id: 1, ativo: true, criado_em: ts(90000) },
      { id: 3, email: 'beto@showcar.test', nome: 'Beto Lima', papel: 'atendente', empresa_id: 1, ativo: true, criado_em: ts(60000) },
      { id: 4, email: 'caio@showcar.test', nome: 'Caio Dias', papel: 'atendente', empresa_id: 1, ativo: false, criado_em: ts(30000) },
    ];
    return [200, { itens: p.includes('admin') ? [{ id: 1, email: 'revenda@helix.test', nome: 'Revenda Helix', papel: 'superadmin', empresa_id: null, ativo: true, criado_em: ts(100000) }, ...base] : base, proximo_cursor: null }];
  }
  const empresas = [
    { id: 1, nome: 'Feirão ShowCar', slug: 'feirao-showcar', setor: 'veiculos', ativo: true, plano_id: 2, whatsapp_canal: 'cloud', whatsapp_phone_number_id: '109876543210', uso: { mensagens_mes: 1830, usuarios: 3, itens_catalogo: 3, midia_bytes: 48234496, midia_arquivos: 312, midia_limite_bytes: 524288000 } },
    { id: 2, nome: 'AutoPeças XYZ', slug: 'autopecas-xyz', setor: 'autopecas', ativo: true, plano_id: 1, whatsapp_canal: 'evolution', whatsapp_phone_number_id: null, uso: { mensagens_mes: 240, usuarios: 1, itens_catalogo: 120, midia_bytes: 103809024, midia_arquivos: 95, midia_limite_bytes: 104857600 } },
    { id: 3, nome: 'Imobiliária Premium', slug: 'imobiliaria-premium', setor: 'imoveis', ativo: false, plano_id: null, whatsapp_canal: 'evolution', whatsapp_phone_number_id: null, uso: { mensagens_mes: 0, usuarios: 2, itens_catalogo: 14, midia_bytes: 0, midia_arquivos: 0, midia_limite_bytes: null } },
  ];
  if (p === '/api/admin/empresas') return metodo === 'POST' ? [201, { id: 9, ...corpo, ativo: true }] : [200, { itens: empresas, proximo_cursor: null }];
  r = m(/^\/api\/admin\/empresas\/(\d+)$/);
  if (r) return [200, empresas.find((e) => e.id === Number(r[1])) || empresas[0]];
  if (p === '/api/admin/planos') return [200, { itens: [{ id: 1, nome: 'Básico', preco_centavos: 9900, limite_mensagens_mes: 1000, limite_usuarios: 2, limite_itens_catalogo: 200, limite_midia_mb: 100, ativo: true }, { id: 2, nome: 'Profissional', preco_centavos: 29900, limite_mensagens_mes: 5000, limite_usuarios: 10, limite_itens_catalogo: null, limite_midia_mb: 500, ativo: true }], proximo_cursor: null }];
  if (p === '/api/admin/assinaturas') return [200, { itens: [{ id: 1, empresa_id: 1, plano_id: 2, status: 'ativa', proximo_vencimento: dia(-20) }, { id: 2, empresa_id: 2, plano_id: 1, status: 'atrasada', proximo_vencimento: dia(3) }], proximo_cursor: null }];
  if (p === '/api/admin/pagamentos') return [200, { itens: [{ id: 1, assinatura_id: 1, valor_centavos: 29900, metodo: 'pix', referencia: '2026-11', criado_em: ts(14000) }], proximo_cursor: null }];
  if (p === '/api/admin/auditoria') return [200, { itens: [{ id: 3, criado_em: ts(5), usuario_id: 1, usuario_email: 'revenda@helix.test', empresa_id: 1, acao: 'superadmin.acessar_empresa', alvo: 'GET /api/admin/empresas/1/conversas', ip: '127.0.0.1' }, { id: 2, criado_em: ts(60), usuario_id: 1, usuario_email: 'revenda@helix.test', empresa_id: 3, acao: 'empresa.suspender', alvo: 'empresa 3', ip: '127.0.0.1' }, { id: 1, criado_em: ts(600), usuario_id: 2, usuario_email: 'ana@showcar.test', empresa_id: 1, acao: 'login', alvo: null, ip: '189.40.1.7' }], proximo_cursor: null }];
  if (p === '/api/admin/sistema') return [200, { versao: '0.1.0', data_dir: '/var/lib/helixai', tamanho_data_dir_bytes: 734003200, lru: { hits: 18234, misses: 412, evictions: 37, open: 41, capacity: 256, fechando: 0 }, tenants_abertos: 41, tenants_com_falha: [], journal: { pendentes: 5, retidas: 3 }, entradas_retidas: [{ empresa_id: 7, pendentes: 3, tentativas: 4, erro: 'erro do banco de dados: file is not a database', desde: ts(12) }], entradas_invalidas: 0, numeros_nao_roteados: [{ phone_number_id: '100200300400', total: 7, ultimo_em: ts(15) }], uptime_s: 368000 }];
  return [404, { erro: { codigo: 'nao_encontrado', mensagem: 'rota não encontrada' } }];
}

/** Serves the API from fixtures for `papel` on this page (assets still come from the server). */
export async function simularApi(page, papel) {
  const estado = estadoInicial();
  await page.route(/\/api\//, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    let corpo = null;
    try { corpo = req.postData() ? JSON.parse(req.postData()) : null; } catch (e) { corpo = null; }
    if (req.method() !== 'GET' && req.headers()['x-helixai-csrf'] !== '1') {
      await route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ erro: { codigo: 'csrf', mensagem: 'sem CSRF' } }) });
      return;
    }
    if (url.pathname.endsWith('/whatsapp/qr.svg')) {
      const tem = estado.conexao.qr_code && estado.conexao.estado === 'conectando';
      await route.fulfill(tem ? { status: 200, contentType: 'image/svg+xml', body: QR_SVG } : { status: 404, contentType: 'application/json', body: '{"erro":{"codigo":"nao_encontrado","mensagem":"sem QR"}}' });
      return;
    }
    const [status, dados] = responder(estado, req.method(), url.pathname, corpo, IDENTIDADES[papel], url.searchParams);
    await route.fulfill({ status, contentType: 'application/json', body: dados === null ? '' : JSON.stringify(dados) });
  });
  return estado;
}
