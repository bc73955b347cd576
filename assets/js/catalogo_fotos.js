// catalogo_fotos.js — owns the photos of one catalog item: a dialog that shows them (each
// opens in full size), lets an admin add a JPG or PNG (the bot sends the first photo when it
// presents the item) and remove one. DOM nodes only.

import * as api from './api.js';
import { h, trocar, carregando, vazio, erroBloco, avisar, confirmar } from './ui.js';
import { urlMidia, abrirImagem, problemaDoArquivo, tamanho } from './midia.js';

/** Opens the photos of `item`; resolves when closed (true if something changed). */
export function abrir(item, podeEditar) {
  return new Promise((resolve) => {
    let mudou = false;
    const dlg = h('dialog', { class: 'dialogo-fotos', 'aria-label': `Fotos de ${item.nome}` });
    const grade = h('div', { 'aria-live': 'polite' }, carregando());
    const erro = h('p', { class: 'form-erro', role: 'alert' });
    const entrada = h('input', { type: 'file', class: 'oculto', accept: 'image/jpeg,image/png', 'aria-label': 'Foto do item' });
    const adicionar = h('button', { type: 'button', onclick: () => entrada.click() }, 'Adicionar foto');
    const fechar = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Fechar');
    entrada.addEventListener('change', async () => {
      const f = entrada.files && entrada.files[0];
      entrada.value = '';
      if (!f) return;
      const problema = problemaDoArquivo(f, { soImagem: true });
      if (problema) { trocar(erro, problema); return; }
      trocar(erro, h('span', { role: 'status' }, `Enviando ${f.name} (${tamanho(f.size)})…`));
      adicionar.disabled = true;
      try {
        await api.enviarArquivo(api.t(`/catalogo/${item.id}/fotos`) + api.qs({ nome: f.name }), f);
        mudou = true;
        trocar(erro);
        avisar('Foto adicionada.', 'ok');
        await carregar();
      } catch (e) { trocar(erro, e.message || String(e)); } finally { adicionar.disabled = false; }
    });

    async function remover(foto) {
      if (!(await confirmar(`Remover esta foto de “${item.nome}”?`, 'Remover'))) return;
      try {
        await api.del(api.t(`/catalogo/${item.id}/fotos/${foto.id}`));
        mudou = true;
        avisar('Foto removida.', 'ok');
        await carregar();
      } catch (e) { trocar(erro, e.message || String(e)); }
    }

    async function carregar() {
      try {
        const fotos = await api.get(api.t(`/catalogo/${item.id}/fotos`));
        if (!fotos.length) { trocar(grade, vazio(podeEditar ? 'Sem fotos ainda. A primeira foto é a que o bot envia ao apresentar o item.' : 'Este item não tem fotos.')); return; }
        trocar(grade, h('div', { class: 'fotos-grade' }, fotos.map((f, i) => {
          const descricao = `Foto ${i + 1} de ${item.nome}`;
          return h('figure', {},
            h('img', { src: urlMidia(f.id), alt: descricao, loading: 'lazy', onclick: () => abrirImagem(urlMidia(f.id), descricao) }),
            h('figcaption', {}, i === 0 ? 'Principal (o bot envia)' : f.nome_arquivo || ''),
            podeEditar ? h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Remover ${descricao}`, onclick: () => remover(f) }, 'Remover') : null);
        })));
      } catch (e) { trocar(grade, erroBloco(e)); }
    }

    dlg.append(h('h2', {}, `Fotos de ${item.nome}`), grade, erro,
      h('div', { class: 'acoes' }, podeEditar ? [adicionar, entrada] : null, fechar));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(mudou); });
    document.body.append(dlg);
    dlg.showModal();
    fechar.focus();
    carregar();
  });
}
