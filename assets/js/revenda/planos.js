// revenda/planos.js — owns the reseller's plans: list, create and edit (price in reais sent
// as centavos; monthly message, user and catalog-item limits; active flag).

import * as api from '../api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, dialogoForm, tabela, selo, reais, reaisCampo, centavosDe, num } from '../ui.js';

export async function render(raiz) {
  const lista = h('div', {}, carregando());
  raiz.append(titulo('Planos', h('button', { type: 'button', onclick: () => editar(null) }, 'Novo plano')), lista);

  async function carregar() {
    try {
      const pag = await api.get('/api/admin/planos' + api.qs({ limite: 200 }));
      const limite = (v) => (v === null || v === undefined ? 'ilimitado' : num(v));
      trocar(lista, tabela([
        { titulo: 'Plano', valor: (p) => h('strong', {}, p.nome) },
        { titulo: 'Preço/mês', classe: 'num', valor: (p) => reais(p.preco_centavos) },
        { titulo: 'Mensagens/mês', classe: 'num', valor: (p) => limite(p.limite_mensagens_mes) },
        { titulo: 'Usuários', classe: 'num', valor: (p) => limite(p.limite_usuarios) },
        { titulo: 'Itens no catálogo', classe: 'num', valor: (p) => limite(p.limite_itens_catalogo) },
        { titulo: 'Mídia (MB)', classe: 'num', valor: (p) => limite(p.limite_midia_mb) },
        { titulo: 'Situação', valor: (p) => (p.ativo ? selo('ativo', 'ok') : selo('inativo', 'ruim')) },
        { titulo: 'Ações', valor: (p) => h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar plano ${p.nome}`, onclick: () => editar(p) }, 'Editar') },
      ], pag.itens || [], 'Nenhum plano cadastrado.'));
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  async function editar(p) {
    const lim = (nome, rotulo) => campo({ nome, rotulo, tipo: 'number', valor: p ? p[nome] ?? '' : '', ajuda: 'Em branco = ilimitado', attrs: { min: 0 } });
    const ok = await dialogoForm({
      titulo: p ? `Editar plano ${p.nome}` : 'Novo plano', rotuloEnviar: 'Salvar plano',
      campos: [
        campo({ nome: 'nome', rotulo: 'Nome', valor: p ? p.nome : '', obrigatorio: true }),
        campo({ nome: 'preco', rotulo: 'Preço mensal (R$)', valor: p ? reaisCampo(p.preco_centavos) : '', obrigatorio: true, attrs: { inputmode: 'decimal' } }),
        h('div', { class: 'grade' }, lim('limite_mensagens_mes', 'Mensagens por mês'), lim('limite_usuarios', 'Usuários'), lim('limite_itens_catalogo', 'Itens no catálogo'), lim('limite_midia_mb', 'Mídia guardada (MB)')),
        campo({ nome: 'ativo', rotulo: 'Ativo (disponível para novas assinaturas)', tipo: 'checkbox', valor: p ? p.ativo : true }),
      ],
      enviar: (v) => {
        const preco = centavosDe(v.preco);
        if (preco === null || Number.isNaN(preco)) throw new Error('Preço inválido: use reais, por exemplo 199,90.');
        const n = (x) => (x === '' ? null : Number(x));
        const corpo = { nome: v.nome.trim(), preco_centavos: preco, limite_mensagens_mes: n(v.limite_mensagens_mes), limite_usuarios: n(v.limite_usuarios), limite_itens_catalogo: n(v.limite_itens_catalogo), limite_midia_mb: n(v.limite_midia_mb), ativo: v.ativo };
        return p ? api.put(`/api/admin/planos/${p.id}`, corpo) : api.post('/api/admin/planos', corpo);
      },
    });
    if (ok) { avisar('Plano salvo.', 'ok'); carregar(); }
  }

  await carregar();
}
