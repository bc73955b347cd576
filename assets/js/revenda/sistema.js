// revenda/sistema.js — owns the system screen: version, uptime, data dir and its size, open
// tenants and LRU statistics, tenants whose file fails, the webhook journal (messages received
// and not yet written to their empresa, and empresas held back after a failure), and webhook
// numbers that no empresa claims (unrouted).

import * as api from '../api.js';
import { h, trocar, titulo, carregando, erroBloco, tabela, num, dataHora, duracao } from '../ui.js';

function tamanho(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i += 1; }
  return `${v.toLocaleString('pt-BR', { maximumFractionDigits: 1 })} ${u[i]}`;
}

export async function render(raiz) {
  const corpo = h('div', {}, carregando());
  raiz.append(titulo('Sistema', h('button', { type: 'button', class: 'secundario', onclick: () => carregar() }, 'Atualizar')), corpo);
  async function carregar() {
    try {
      const s = await api.get('/api/admin/sistema');
      const lru = s.lru || {};
      const journal = s.journal || {};
      const fig = (rotulo, valor) => h('div', { class: 'numero' }, h('div', { class: 'valor' }, valor), h('div', { class: 'rotulo' }, rotulo));
      trocar(corpo,
        h('div', { class: 'numeros' },
          fig('Versão', s.versao || '—'), fig('No ar há', duracao(s.uptime_s)), fig('Tamanho dos dados', tamanho(s.tamanho_data_dir_bytes)),
          fig('Empresas abertas agora', num(s.tenants_abertos))),
        h('section', { class: 'cartao' }, h('h2', {}, 'Cache de empresas abertas (LRU)'),
          h('div', { class: 'numeros' }, fig('Abertas', num(lru.open)), fig('Capacidade', num(lru.capacity)), fig('Acertos', num(lru.hits)),
            fig('Faltas', num(lru.misses)), fig('Despejos', num(lru.evictions)))),
        h('section', { class: 'cartao' }, h('h2', {}, 'Empresas com o banco de dados em falha'),
          tabela([
            { titulo: 'Empresa', valor: (f) => `#${f.empresa_id}` },
            { titulo: 'Banco', valor: (f) => h('code', {}, f.database_name) },
            { titulo: 'Erro', valor: (f) => f.erro },
            { titulo: 'Desde', valor: (f) => dataHora(f.em) },
          ], s.tenants_com_falha || [], 'Nenhuma: todos os bancos abrem normalmente.')),
        h('section', { class: 'cartao' }, h('h2', {}, 'Mensagens recebidas aguardando gravação'),
          h('p', { class: 'previa' }, 'Cada webhook é guardado em data/journal.db antes da resposta e gravado no banco da empresa logo em seguida. Uma empresa cujo banco falha fica retida aqui, sem perder nada, e é tentada de novo sozinha.'),
          h('div', { class: 'numeros' }, fig('Aguardando', num(journal.pendentes)), fig('Retidas', num(journal.retidas)),
            fig('Ilegíveis', num(s.entradas_invalidas))),
          tabela([
            { titulo: 'Empresa', valor: (r) => `#${r.empresa_id}` },
            { titulo: 'Aguardando', classe: 'num', valor: (r) => num(r.pendentes) },
            { titulo: 'Tentativas', classe: 'num', valor: (r) => num(r.tentativas) },
            { titulo: 'Erro', valor: (r) => r.erro },
            { titulo: 'Desde', valor: (r) => dataHora(r.desde) },
          ], s.entradas_retidas || [], 'Nenhuma empresa retida.')),
        h('section', { class: 'cartao' }, h('h2', {}, 'Diretório de dados'), h('p', {}, h('code', {}, s.data_dir || '—'))),
        h('section', { class: 'cartao' }, h('h2', {}, 'Números sem empresa (webhooks não roteados)'),
          h('p', { class: 'previa' }, 'Mensagens recebidas para um phone_number_id que nenhuma empresa usa. Configure-o na tela WhatsApp da empresa certa.'),
          tabela([
            { titulo: 'phone_number_id', valor: (n) => h('code', {}, n.phone_number_id) },
            { titulo: 'Total', classe: 'num', valor: (n) => num(n.total) },
            { titulo: 'Último em', valor: (n) => dataHora(n.ultimo_em) },
          ], s.numeros_nao_roteados || [], 'Nenhum número sem empresa.')));
    } catch (e) { trocar(corpo, erroBloco(e)); }
  }
  await carregar();
}
