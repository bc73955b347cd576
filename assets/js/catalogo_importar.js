// catalogo_importar.js — owns the catalog CSV import dialog: paste or pick a file, preview
// with per-row errors (POST /api/catalogo/importar, confirmar:false), then import the valid rows.

import * as api from './api.js';
import { h, trocar, campo, avisar, tabela, selo, plural } from './ui.js';
import { cabecalhoCsv } from './campos_setor.js';

/** Opens the dialog; resolves true when something was imported. */
export function abrir(setor) {
  return new Promise((resolve) => {
    let importou = false;
    const dlg = h('dialog', { 'aria-label': 'Importar catálogo (CSV)' });
    const texto = campo({ nome: 'csv', rotulo: 'Conteúdo CSV', tipo: 'textarea', ajuda: `Primeira linha com os nomes das colunas, por exemplo: ${cabecalhoCsv(setor)}` });
    const arquivo = campo({ nome: 'arquivo', rotulo: 'Ou escolha um arquivo .csv', tipo: 'file', attrs: { accept: '.csv,text/csv' } });
    const area = texto.querySelector('textarea');
    area.classList.add('csv');
    arquivo.querySelector('input').addEventListener('change', async (ev) => {
      const f = ev.target.files && ev.target.files[0];
      if (f) area.value = await f.text();
    });
    const resultado = h('div', { 'aria-live': 'polite' });
    const previa = h('button', { type: 'button', onclick: () => enviar(false) }, 'Pré-visualizar');
    const confirmarBtn = h('button', { type: 'button', class: 'oculto', onclick: () => enviar(true) }, 'Importar');
    const fechar = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Fechar');

    async function enviar(confirmar) {
      if (!area.value.trim()) { trocar(resultado, h('p', { class: 'form-erro' }, 'Cole o CSV ou escolha um arquivo.')); return; }
      previa.disabled = true; confirmarBtn.disabled = true;
      try {
        const r = await api.post(api.t('/catalogo/importar'), { csv: area.value, confirmar });
        const linhas = r.linhas || [];
        trocar(resultado,
          h('p', {}, confirmar ? `${plural(r.importadas, 'item importado', 'itens importados')}; ${plural(r.invalidas, 'linha com erro', 'linhas com erro')}.` : `${plural(r.validas, 'linha válida', 'linhas válidas')}, ${plural(r.invalidas, 'com erro', 'com erro')}.`),
          tabela([
            { titulo: 'Linha', classe: 'num', valor: (l) => String(l.linha) },
            { titulo: 'Situação', valor: (l) => (l.ok ? selo('ok', 'ok') : selo('erro', 'ruim')) },
            { titulo: 'Item / erro', valor: (l) => (l.ok ? (l.item && l.item.nome) || '' : h('span', { class: 'erro-texto' }, l.erro || 'inválida')) },
          ], linhas, 'Nenhuma linha encontrada.'));
        if (confirmar) {
          importou = true;
          confirmarBtn.classList.add('oculto');
          avisar(`${plural(r.importadas, 'item importado', 'itens importados')}.`, 'ok');
        } else if (r.validas > 0) {
          confirmarBtn.textContent = `Importar ${r.validas} linha${r.validas > 1 ? 's' : ''} válida${r.validas > 1 ? 's' : ''}`;
          confirmarBtn.classList.remove('oculto');
        } else confirmarBtn.classList.add('oculto');
      } catch (e) {
        trocar(resultado, h('p', { class: 'form-erro', role: 'alert' }, e.message));
      } finally { previa.disabled = false; confirmarBtn.disabled = false; }
    }

    area.addEventListener('input', () => confirmarBtn.classList.add('oculto'));
    dlg.append(h('h2', {}, 'Importar catálogo (CSV)'), texto, arquivo, h('div', { class: 'acoes' }, previa, confirmarBtn, fechar), resultado);
    dlg.addEventListener('close', () => { dlg.remove(); resolve(importou); });
    document.body.append(dlg);
    dlg.showModal();
    area.focus();
  });
}
