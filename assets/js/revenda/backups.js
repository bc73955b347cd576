// revenda/backups.js — owns the backups screen: the off-site replica first (its own module,
// revenda/replica.js), then the local backups: pick an empresa, list its backups (newest
// first), take one now, download one, and restore one after a confirmation. Restoring
// pauses only that empresa; a corrupt or foreign file is refused by the server.

import * as api from '../api.js';
import { h, trocar, titulo, carregando, erroBloco, tabela, dataHora, avisar, avisarErro, confirmar, campo } from '../ui.js';
import { todasEmpresas } from './comum.js';
import { secaoReplica } from './replica.js';

function tamanho(bytes) {
  const kib = (bytes || 0) / 1024;
  return kib >= 1024 ? `${(kib / 1024).toLocaleString('pt-BR', { maximumFractionDigits: 1 })} MiB` : `${Math.ceil(kib).toLocaleString('pt-BR')} KiB`;
}

export async function render(raiz) {
  const corpo = h('div', {}, carregando());
  const [replica, pararReplica] = secaoReplica();
  raiz.append(titulo('Backups'), replica, h('h2', {}, 'Backups locais'), corpo);
  let empresas;
  try {
    empresas = await todasEmpresas();
  } catch (e) {
    trocar(corpo, erroBloco(e));
    return pararReplica;
  }
  if (empresas.length === 0) {
    trocar(corpo, h('p', { class: 'vazio' }, 'Nenhuma empresa cadastrada ainda.'));
    return pararReplica;
  }
  const escolha = campo({
    nome: 'empresa',
    rotulo: 'Empresa',
    tipo: 'select',
    opcoes: empresas.map((e) => [String(e.id), e.nome]),
    valor: String(empresas[0].id),
  });
  const lista = h('div', {}, carregando());
  const fazer = h('button', { type: 'button', onclick: () => fazerAgora() }, 'Fazer backup agora');
  trocar(corpo, h('section', { class: 'cartao' }, escolha, h('div', { class: 'acoes' }, fazer)), lista);
  const select = escolha.querySelector('select');
  select.addEventListener('change', () => carregar());
  const base = () => `/api/admin/empresas/${encodeURIComponent(select.value)}/backups`;
  const nome = () => (empresas.find((e) => String(e.id) === select.value) || {}).nome || '';

  async function carregar() {
    trocar(lista, carregando());
    try {
      const r = await api.get(base());
      trocar(lista, tabela([
        { titulo: 'Arquivo', valor: (b) => h('code', {}, b.arquivo) },
        { titulo: 'Feito em', valor: (b) => dataHora(b.criado_em) },
        { titulo: 'Tamanho', classe: 'num', valor: (b) => tamanho(b.tamanho_bytes) },
        {
          titulo: 'Ações',
          valor: (b) => h('div', { class: 'acoes' },
            h('a', { href: `${base()}/${encodeURIComponent(b.arquivo)}`, download: b.arquivo, class: 'botao secundario' }, `Baixar ${b.arquivo}`),
            h('button', { type: 'button', class: 'perigo', onclick: () => restaurar(b.arquivo) }, `Restaurar ${b.arquivo}`)),
        },
      ], r.itens || [], 'Nenhum backup desta empresa ainda. O servidor faz um por dia; use “Fazer backup agora” para ter um já.'));
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  async function fazerAgora() {
    fazer.disabled = true;
    try {
      const b = await api.post(base());
      avisar(`Backup ${b.arquivo} de ${nome()} feito e verificado.`, 'ok');
      await carregar();
    } catch (e) { avisarErro(e); } finally { fazer.disabled = false; }
  }

  async function restaurar(arquivo) {
    const ok = await confirmar(
      `Restaurar ${nome()} a partir de ${arquivo}? Os dados atuais são guardados numa cópia antes da troca; só esta empresa pausa por alguns instantes.`,
      'Restaurar');
    if (!ok) return;
    try {
      await api.post(`${base()}/${encodeURIComponent(arquivo)}/restaurar`);
      avisar(`${nome()} restaurada a partir de ${arquivo}.`, 'ok');
      await carregar();
    } catch (e) { avisarErro(e); }
  }

  await carregar();
  return pararReplica;
}
