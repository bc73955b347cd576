// catalogo.js — owns the catalog screen: list with search, create/edit/delete with the
// setor's own fields (prices typed in reais, sent as centavos), the CSV import entry, and each
// item's photos (catalogo_fotos.js).

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, avisarErro, dialogoForm, confirmar, tabela, reais, reaisCampo, centavosDe } from './ui.js';
import { camposDo, campoComValor, resumo, tipoDoCampo } from './campos_setor.js';
import { urlMidia } from './midia.js';

export async function render(raiz, ctx) {
  const setor = ctx.empresa.setor;
  const admin = ctx.papel === 'admin';
  const lista = h('div', {}, carregando());
  let cursor = null;
  let itens = [];
  const busca = h('form', { class: 'barra', role: 'search' },
    campo({ nome: 'q', rotulo: 'Buscar no catálogo', tipo: 'search', placeholder: setor === 'veiculos' ? 'Ex.: Onix 2020' : 'Nome, descrição…', attrs: { maxlength: 200 } }),
    campo({ nome: 'disponivel', rotulo: 'Disponibilidade', tipo: 'select', opcoes: [['', 'Todos'], ['true', 'Disponíveis'], ['false', 'Indisponíveis']] }),
    h('button', { type: 'submit' }, 'Buscar'));
  busca.addEventListener('submit', (ev) => { ev.preventDefault(); carregar(true); });
  const novo = admin ? h('button', { type: 'button', onclick: () => editar(null) }, 'Novo item') : null;
  const importar = admin ? h('button', { type: 'button', class: 'secundario', onclick: async () => {
    const mod = await import('./catalogo_importar.js');
    if (await mod.abrir(setor)) carregar(true);
  } }, 'Importar CSV') : null;
  raiz.append(titulo('Catálogo', novo, importar), busca, lista);

  async function carregar(doZero) {
    if (doZero) { cursor = null; itens = []; trocar(lista, carregando()); }
    try {
      const pag = await api.get(api.t('/catalogo') + api.qs({ q: busca.elements.q.value.trim(), disponivel: busca.elements.disponivel.value, limite: 50, cursor }));
      itens = itens.concat(pag.itens || []);
      cursor = pag.proximo_cursor || null;
      desenhar();
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  function desenhar() {
    const colunas = [
      { titulo: 'Item', valor: (i) => h('div', { class: 'item-com-foto' },
        i.fotos && i.fotos.length ? h('button', { type: 'button', class: 'foto', 'aria-label': `Fotos de ${i.nome}`, onclick: () => fotos(i) },
          h('img', { class: 'foto-item', src: urlMidia(i.fotos[0]), alt: '', loading: 'lazy' })) : null,
        h('div', {}, h('strong', {}, i.nome), h('div', { class: 'previa' }, resumo(setor, i.atributos)))) },
      { titulo: 'Preço', classe: 'num', valor: (i) => reais(i.preco_centavos) },
      { titulo: 'Situação', valor: (i) => (i.disponivel ? 'Disponível' : 'Indisponível') },
    ];
    if (admin) {
      colunas.push({ titulo: 'Ações', valor: (i) => h('div', { class: 'acoes' },
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar ${i.nome}`, onclick: () => editar(i) }, 'Editar'),
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Fotos de ${i.nome}`, onclick: () => fotos(i) }, `Fotos (${(i.fotos || []).length})`),
        h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Excluir ${i.nome}`, onclick: () => excluir(i) }, 'Excluir')) });
    }
    trocar(lista, tabela(colunas, itens, busca.elements.q.value ? 'Nada encontrado com essa busca.' : 'O catálogo está vazio. Cadastre itens para o bot poder oferecê-los.'),
      cursor ? h('div', { class: 'acoes' }, h('button', { type: 'button', class: 'secundario', onclick: () => carregar(false) }, 'Carregar mais')) : null);
  }

  async function editar(item) {
    const a = (item && item.atributos) || {};
    const campos = h('div', { class: 'grade' },
      campo({ nome: 'nome', rotulo: 'Nome', valor: item ? item.nome : '', obrigatorio: true }),
      campo({ nome: 'categoria', rotulo: 'Categoria', valor: item ? item.categoria || '' : '' }),
      campo({ nome: 'preco', rotulo: 'Preço (R$)', valor: item ? reaisCampo(item.preco_centavos) : '', placeholder: 'Ex.: 49.900,00', attrs: { inputmode: 'decimal' } }),
      camposDo(setor).map((c) => {
        if (c.tipo === 'dinheiro') return campo({ ...c, tipo: tipoDoCampo(c), valor: reaisCampo(a[c.nome]) });
        return campo(campoComValor(c, a[c.nome]));
      }),
      campo({ nome: 'disponivel', rotulo: 'Disponível', tipo: 'checkbox', valor: item ? item.disponivel : true }));
    const descricao = campo({ nome: 'descricao', rotulo: 'Descrição', tipo: 'textarea', valor: item ? item.descricao : '' });
    const salvo = await dialogoForm({
      titulo: item ? `Editar ${item.nome}` : 'Novo item', campos: [campos, descricao], rotuloEnviar: 'Salvar item',
      enviar: async (v) => {
        const preco = centavosDe(v.preco);
        if (Number.isNaN(preco)) throw new Error('Preço inválido: use reais, por exemplo 49.900,00.');
        // Start from what the item has, so a field this screen does not show is kept; a
        // field emptied in the form is cleared.
        const atributos = { ...a };
        for (const c of camposDo(setor)) {
          const bruto = v[c.nome];
          if (bruto === '' || bruto === undefined) { if (c.nome in atributos) atributos[c.nome] = null; continue; }
          if (c.tipo === 'dinheiro') {
            const centavos = centavosDe(bruto);
            if (Number.isNaN(centavos)) throw new Error(`${c.rotulo}: valor inválido; use reais, por exemplo 450,00.`);
            atributos[c.nome] = centavos;
          } else atributos[c.nome] = c.tipo === 'number' ? Number(bruto) : bruto;
        }
        const corpo = { nome: v.nome.trim(), descricao: v.descricao, categoria: v.categoria.trim() || null, preco_centavos: preco, disponivel: v.disponivel, atributos };
        return item ? api.put(api.t(`/catalogo/${item.id}`), corpo) : api.post(api.t('/catalogo'), corpo);
      },
    });
    if (salvo) { avisar(item ? 'Item atualizado.' : 'Item criado.', 'ok'); carregar(true); }
  }

  async function fotos(item) {
    const mod = await import('./catalogo_fotos.js');
    if (await mod.abrir(item, admin)) carregar(true);
  }

  async function excluir(item) {
    if (!(await confirmar(`Excluir “${item.nome}” do catálogo?`, 'Excluir'))) return;
    try {
      await api.del(api.t(`/catalogo/${item.id}`));
      avisar('Item excluído.', 'ok');
      carregar(true);
    } catch (e) { avisarErro(e); }
  }

  await carregar(true);
  if (!admin) lista.before(h('p', { class: 'previa' }, 'Você pode consultar o catálogo; só administradores alteram itens.'));
  return undefined;
}

