// usuarios.js — owns user management (list, create, change role, deactivate/reactivate,
// reset password) for an empresa's admin; revenda/usuarios.js reuses `montar` for all users.

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, avisarErro, dialogoForm, confirmar, tabela, selo, dataHora } from './ui.js';

const PAPEIS = { superadmin: 'Revenda (superadmin)', admin: 'Administrador', atendente: 'Atendente' };

export async function render(raiz) {
  await montar(raiz, { caminho: api.t('/usuarios'), papeis: ['admin', 'atendente'] });
}

/** Builds the users screen. opcoes: {caminho, papeis, empresas?: [{id, nome}] (revenda)} */
export async function montar(raiz, { caminho, papeis, empresas, tituloTela = 'Usuários' }) {
  const lista = h('div', {}, carregando());
  raiz.append(titulo(tituloTela, h('button', { type: 'button', onclick: criar }, 'Novo usuário')), lista);
  const nomeEmpresa = (id) => (empresas || []).find((e) => e.id === id)?.nome || (id ? `#${id}` : '—');

  async function carregar() {
    try {
      const pag = await api.get(caminho + api.qs({ limite: 200 }));
      const colunas = [
        { titulo: 'Nome', valor: (u) => h('div', {}, h('strong', {}, u.nome || '—'), h('div', { class: 'previa' }, u.email)) },
        { titulo: 'Papel', valor: (u) => PAPEIS[u.papel] || u.papel },
      ];
      if (empresas) colunas.push({ titulo: 'Empresa', valor: (u) => nomeEmpresa(u.empresa_id) });
      colunas.push(
        { titulo: 'Situação', valor: (u) => (u.ativo === false ? selo('inativo', 'ruim') : selo('ativo', 'ok')) },
        { titulo: 'Criado em', valor: (u) => dataHora(u.criado_em) },
        { titulo: 'Ações', valor: (u) => acoes(u) });
      trocar(lista, tabela(colunas, pag.itens || [], 'Nenhum usuário ainda.'));
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  function acoes(u) {
    const nome = u.nome || u.email;
    return h('div', { class: 'acoes' },
      u.papel !== 'superadmin' ? h('select', { 'aria-label': `Papel de ${nome}`, onchange: (ev) => alterar(u, { papel: ev.target.value }, 'Papel alterado.') },
        papeis.filter((p) => p !== 'superadmin').map((p) => h('option', { value: p, selected: p === u.papel }, PAPEIS[p]))) : null,
      h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Redefinir senha de ${nome}`, onclick: () => redefinir(u) }, 'Redefinir senha'),
      u.ativo === false
        ? h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Reativar ${nome}`, onclick: () => alterar(u, { ativo: true }, 'Usuário reativado.') }, 'Reativar')
        : h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Desativar ${nome}`, onclick: async () => {
          if (await confirmar(`Desativar ${nome}? A pessoa perde o acesso imediatamente.`, 'Desativar')) alterar(u, { ativo: false }, 'Usuário desativado.');
        } }, 'Desativar'));
  }

  async function alterar(u, corpo, msg) {
    try { await api.patch(`${caminho}/${u.id}`, corpo); avisar(msg, 'ok'); } catch (e) { avisarErro(e); }
    carregar();
  }

  async function redefinir(u) {
    const ok = await dialogoForm({
      titulo: `Nova senha para ${u.nome || u.email}`, rotuloEnviar: 'Redefinir senha',
      campos: [campo({ nome: 'senha', rotulo: 'Nova senha', tipo: 'password', obrigatorio: true, ajuda: 'No mínimo 8 caracteres. As sessões abertas dessa pessoa serão encerradas.', attrs: { minlength: 8 } })],
      enviar: (v) => api.patch(`${caminho}/${u.id}`, { senha: v.senha }),
    });
    if (ok) avisar('Senha redefinida.', 'ok');
  }

  async function criar() {
    const campos = [
      campo({ nome: 'nome', rotulo: 'Nome', obrigatorio: true }),
      campo({ nome: 'email', rotulo: 'E-mail', tipo: 'email', obrigatorio: true }),
      campo({ nome: 'papel', rotulo: 'Papel', tipo: 'select', opcoes: papeis.map((p) => [p, PAPEIS[p]]), valor: papeis[papeis.length - 1] }),
      empresas ? campo({ nome: 'empresa_id', rotulo: 'Empresa', tipo: 'select', opcoes: [['', '— (só para revenda)'], ...empresas.map((e) => [e.id, e.nome])] }) : null,
      campo({ nome: 'senha', rotulo: 'Senha inicial', tipo: 'password', obrigatorio: true, ajuda: 'No mínimo 8 caracteres; a pessoa pode trocá-la depois.', attrs: { minlength: 8 } }),
    ];
    const ok = await dialogoForm({
      titulo: 'Novo usuário', campos, rotuloEnviar: 'Criar usuário',
      enviar: (v) => {
        const corpo = { nome: v.nome.trim(), email: v.email.trim(), papel: v.papel, senha: v.senha };
        if (empresas) corpo.empresa_id = v.empresa_id ? Number(v.empresa_id) : null;
        return api.post(caminho, corpo);
      },
    });
    if (ok) { avisar('Usuário criado.', 'ok'); carregar(); }
  }

  await carregar();
}
