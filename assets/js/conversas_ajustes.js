// conversas_ajustes.js — owns the inbox settings an admin changes: how long a conversa
// stays with a person without activity before the bot answers again (GET/PUT
// /api/atendimento), and the empresa's quick replies (/api/respostas-rapidas: add, edit,
// delete), in one dialog.

import * as api from './api.js';
import { h, trocar, campo, carregando, erroBloco, avisar, avisarErro, confirmar, duracao } from './ui.js';

const OPCOES_MIN = [0, 30, 60, 120, 240, 480, 720, 1440, 2880, 10080];
const rotuloInatividade = (min) => (min === 0 ? 'Nunca (só com “Devolver ao bot”)' : `${duracao(min * 60)}${min === 720 ? ' (padrão)' : ''}`);

function secaoInatividade() {
  const corpo = h('div', {}, carregando());
  (async () => {
    try {
      const a = await api.get(api.t('/atendimento'));
      const atual = a.humano_inativo_min;
      const opcoes = OPCOES_MIN.includes(atual) ? OPCOES_MIN : [...OPCOES_MIN, atual].sort((x, y) => x - y);
      const sel = campo({ nome: 'humano_inativo_min', rotulo: 'O bot volta a responder depois de', tipo: 'select', valor: atual,
        opcoes: opcoes.map((m) => [m, rotuloInatividade(m)]),
        ajuda: 'Tempo sem nenhuma ação de um atendente numa conversa assumida. Enquanto isso o bot não envia nada.' });
      sel.querySelector('select').addEventListener('change', async (ev) => {
        try {
          await api.put(api.t('/atendimento'), { humano_inativo_min: Number(ev.target.value) });
          avisar('Tempo salvo.', 'ok');
        } catch (e) { avisarErro(e); }
      });
      trocar(corpo, sel);
    } catch (e) { trocar(corpo, erroBloco(e)); }
  })();
  return h('section', { 'aria-labelledby': 'aj-inatividade' }, h('h3', { id: 'aj-inatividade' }, 'Atendimento humano'), corpo);
}

function secaoRespostas(aoMudar) {
  const lista = h('div', {}, carregando());
  const form = h('form', { class: 'nova-resposta' },
    campo({ nome: 'atalho', rotulo: 'Atalho', placeholder: 'horario', ajuda: 'Digite /atalho na resposta para inserir o texto.' }),
    campo({ nome: 'texto', rotulo: 'Texto', tipo: 'textarea', placeholder: 'Funcionamos de segunda a sexta, das 8h às 18h.' }),
    h('div', { class: 'acoes' }, h('button', { type: 'submit' }, 'Adicionar resposta rápida')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.post(api.t('/respostas-rapidas'), { atalho: form.elements.atalho.value, texto: form.elements.texto.value });
      form.reset();
      avisar('Resposta rápida criada.', 'ok');
      carregar();
    } catch (e) { avisarErro(e); }
  });

  function linha(r) {
    const editar = async () => {
      const atalho = h('input', { value: r.atalho, 'aria-label': `Atalho de /${r.atalho}` });
      const texto = h('textarea', { 'aria-label': `Texto de /${r.atalho}` }, r.texto);
      const salvar = h('button', { type: 'button', class: 'pequeno', onclick: async () => {
        try { await api.put(api.t(`/respostas-rapidas/${r.id}`), { atalho: atalho.value, texto: texto.value }); avisar('Resposta rápida salva.', 'ok'); carregar(); } catch (e) { avisarErro(e); }
      } }, 'Salvar');
      trocar(item, atalho, texto, h('div', { class: 'acoes' }, salvar, h('button', { type: 'button', class: 'secundario pequeno', onclick: carregar }, 'Cancelar')));
      atalho.focus();
    };
    const excluir = async () => {
      if (!(await confirmar(`Excluir a resposta rápida /${r.atalho}?`, 'Excluir'))) return;
      try { await api.del(api.t(`/respostas-rapidas/${r.id}`)); carregar(); } catch (e) { avisarErro(e); }
    };
    const item = h('li', {}, h('strong', {}, `/${r.atalho}`), h('div', { class: 'previa' }, r.texto),
      h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario pequeno', onclick: editar, 'aria-label': `Editar /${r.atalho}` }, 'Editar'),
        h('button', { type: 'button', class: 'secundario pequeno', onclick: excluir, 'aria-label': `Excluir /${r.atalho}` }, 'Excluir')));
    return item;
  }

  async function carregar() {
    try {
      const rs = await api.get(api.t('/respostas-rapidas'));
      trocar(lista, rs.length ? h('ul', { class: 'respostas-rapidas' }, rs.map(linha)) : h('p', { class: 'previa' }, 'Nenhuma resposta rápida ainda.'));
      aoMudar();
    } catch (e) { trocar(lista, erroBloco(e)); }
  }
  carregar();
  return h('section', { 'aria-labelledby': 'aj-respostas' }, h('h3', { id: 'aj-respostas' }, 'Respostas rápidas'), lista, form);
}

/** Opens the settings dialog; `aoMudarRespostas` runs when the quick replies change. */
export function abrirAjustes(aoMudarRespostas) {
  const dlg = h('dialog', { 'aria-label': 'Configurações do atendimento', class: 'ajustes' });
  dlg.append(h('h2', {}, 'Configurações do atendimento'), secaoInatividade(), secaoRespostas(aoMudarRespostas),
    h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Fechar')));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
