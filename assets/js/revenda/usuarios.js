// revenda/usuarios.js — owns the reseller's view of every user in every empresa (create,
// role, deactivate, reset password), reusing the empresa users screen with /api/admin/usuarios.

import { montar } from '../usuarios.js';
import { todasEmpresas } from './comum.js';
import { avisarErro } from '../ui.js';

export async function render(raiz) {
  let empresas = [];
  try { empresas = await todasEmpresas(); } catch (e) { avisarErro(e); }
  await montar(raiz, { caminho: '/api/admin/usuarios', papeis: ['superadmin', 'admin', 'atendente'], empresas, tituloTela: 'Usuários (todas as empresas)' });
}
