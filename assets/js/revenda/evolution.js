// revenda/evolution.js — owns the reseller's "WhatsApp (QR Code)" screen: where the
// appliance's Evolution API server is (URL, the public URL Evolution posts webhooks to, and
// the global key — write-only, only its mask is shown) and every empresa's QR-code
// connection, those that must scan again first.

import * as api from '../api.js';
import { h, trocar, titulo, campo, formulario, carregando, erroBloco, avisar, tabela, selo, dataHora } from '../ui.js';
import { seloEstado, telefoneBonito } from '../whatsapp_qr.js';

// Who needs attention first: recusado, desconectado, conectando, then conectado.
const ORDEM = { recusado: 0, desconectado: 1, conectando: 2, conectado: 3 };

export async function render(raiz) {
  const corpo = h('div', {}, carregando());
  raiz.append(titulo('WhatsApp (QR Code)', h('button', { type: 'button', class: 'secundario', onclick: () => carregar() }, 'Atualizar')), corpo);
  const situacao = h('p', { role: 'status' });
  const lista = h('div');
  let form = null;

  function desenharSituacao(ev) {
    trocar(situacao, ev.configurado ? selo('Configurado', 'ok') : selo('Não configurado', 'ruim'), ' ',
      ev.configurado ? 'As empresas já podem conectar o celular na tela WhatsApp delas.'
        : 'Informe a URL do Evolution e a chave global para as empresas poderem conectar por QR Code.');
  }

  function desenharLista(ev) {
    const linhas = [...(ev.instancias || [])].sort((a, b) => (ORDEM[a.estado] ?? 9) - (ORDEM[b.estado] ?? 9) || a.empresa_id - b.empresa_id);
    trocar(lista, tabela([
      { titulo: 'Empresa', valor: (i) => h('a', { href: `/revenda/empresas/${i.empresa_id}/painel/whatsapp` }, i.empresa_nome || `Empresa #${i.empresa_id}`) },
      { titulo: 'Instância', valor: (i) => h('code', {}, i.instancia) },
      { titulo: 'Estado', valor: (i) => seloEstado(i.estado) },
      { titulo: 'Número', valor: (i) => h('div', {}, h('span', { class: 'telefone' }, telefoneBonito(i.numero) || '—'), i.nome_perfil ? h('div', { class: 'previa' }, i.nome_perfil) : null) },
      { titulo: 'Motivo', valor: (i) => i.motivo || '—' },
      { titulo: 'Desde', valor: (i) => dataHora(i.estado_em) },
    ], linhas, 'Nenhuma empresa conectou um WhatsApp por QR Code ainda.'));
  }

  function montarForm(ev) {
    const mascara = ev.chave ? `Atual: ${ev.chave}. Deixe em branco para manter.` : 'Não definida.';
    return formulario({
      rotuloEnviar: 'Salvar configuração',
      campos: h('div', { class: 'grade' },
        campo({ nome: 'url', rotulo: 'URL do Evolution', valor: ev.url || '', placeholder: 'http://127.0.0.1:8081', tipo: 'url',
          ajuda: 'Endereço do servidor Evolution API 2.x, como este servidor o alcança.' }),
        campo({ nome: 'url_publica', rotulo: 'URL pública deste servidor', valor: ev.url_publica || '', placeholder: 'https://painel.exemplo.com.br', tipo: 'url',
          ajuda: `Endereço pelo qual o Evolution alcança este HelixAI (os webhooks chegam nele). Em uso agora: ${ev.url_publica_efetiva || '—'}. Deixe em branco para usar o endereço deste servidor.` }),
        campo({ nome: 'chave', rotulo: 'Chave global (AUTHENTICATION_API_KEY)', tipo: 'password', ajuda: mascara })),
      enviar: async (v, f) => {
        const corpo = {};
        if (v.url.trim() && v.url.trim() !== (ev.url || '')) corpo.url = v.url.trim();
        if (v.url_publica.trim() !== (ev.url_publica || '')) corpo.url_publica = v.url_publica.trim();
        if (v.chave.trim()) corpo.chave = v.chave.trim();
        if (Object.keys(corpo).length === 0) { avisar('Nada mudou.'); return; }
        const novo = await api.put('/api/admin/evolution', corpo);
        f.elements.chave.value = '';
        avisar('Configuração do Evolution salva.', 'ok');
        desenhar(novo);
      },
    });
  }

  function desenhar(ev) {
    desenharSituacao(ev);
    desenharLista(ev);
    const novo = montarForm(ev);
    if (form) form.replaceWith(novo);
    form = novo;
    if (!corpo.contains(situacao)) {
      trocar(corpo,
        h('section', { class: 'cartao' }, h('h2', {}, 'Servidor Evolution API'),
          h('p', {}, 'O Evolution API conecta o WhatsApp do celular de cada empresa por QR Code. Um único servidor atende todas as empresas.'),
          situacao, form),
        h('section', { class: 'cartao' }, h('h2', {}, 'Conexões das empresas'),
          h('p', {}, 'Quem estiver “Desconectado” ou “Recusado” precisa ler o QR Code de novo na tela WhatsApp da empresa.'),
          lista));
    }
  }

  async function carregar() {
    try { desenhar(await api.get('/api/admin/evolution')); } catch (e) { trocar(corpo, erroBloco(e)); form = null; }
  }
  await carregar();
}
