// revenda/assinaturas.js — owns subscriptions and payments: list/create subscriptions,
// change their status or due date, list payments and record one (which reactivates).

import * as api from '../api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, avisarErro, dialogoForm, tabela, selo, reais, centavosDe, dataHora, data } from '../ui.js';
import { todasEmpresas, todosPlanos } from './comum.js';

const STATUS = [['ativa', 'Ativa'], ['atrasada', 'Atrasada'], ['suspensa', 'Suspensa'], ['cancelada', 'Cancelada']];
const CLASSE = { ativa: 'ok', atrasada: 'humano', suspensa: 'ruim', cancelada: '' };
const METODOS = [['pix', 'Pix'], ['boleto', 'Boleto'], ['cartao', 'Cartão'], ['outro', 'Outro']];
const nomeMetodo = (m) => (m ? (METODOS.find((x) => x[0] === String(m).toLowerCase()) || [m, m])[1] : '—');

export async function render(raiz) {
  let empresas = [];
  let planos = [];
  try { [empresas, planos] = await Promise.all([todasEmpresas(), todosPlanos()]); } catch (e) { avisarErro(e); }
  const nomeEmpresa = (id) => empresas.find((e) => e.id === id)?.nome || `#${id}`;
  const nomePlano = (id) => planos.find((p) => p.id === id)?.nome || `#${id}`;
  let assinaturas = [];
  const blocoA = h('div', {}, carregando());
  const blocoP = h('div', {}, carregando());
  raiz.append(titulo('Assinaturas e pagamentos', h('button', { type: 'button', onclick: novaAssinatura }, 'Nova assinatura'),
    h('button', { type: 'button', class: 'secundario', onclick: novoPagamento }, 'Registrar pagamento')),
  h('section', { class: 'cartao' }, h('h2', {}, 'Assinaturas'), blocoA),
  h('section', { class: 'cartao' }, h('h2', {}, 'Pagamentos'), blocoP));

  async function carregar() {
    try {
      const pag = await api.get('/api/admin/assinaturas' + api.qs({ limite: 200 }));
      assinaturas = pag.itens || [];
      trocar(blocoA, tabela([
        { titulo: 'Empresa', valor: (a) => nomeEmpresa(a.empresa_id) },
        { titulo: 'Plano', valor: (a) => nomePlano(a.plano_id) },
        { titulo: 'Próximo vencimento', valor: (a) => data(a.proximo_vencimento) },
        { titulo: 'Situação', valor: (a) => selo(a.status, CLASSE[a.status] || '') },
        { titulo: 'Alterar', valor: (a) => h('select', { 'aria-label': `Situação da assinatura de ${nomeEmpresa(a.empresa_id)}`, onchange: (ev) => alterar(a, { status: ev.target.value }) },
          STATUS.map(([v, r]) => h('option', { value: v, selected: v === a.status }, r))) },
      ], assinaturas, 'Nenhuma assinatura ainda.'));
    } catch (e) { trocar(blocoA, erroBloco(e)); }
    try {
      const pag = await api.get('/api/admin/pagamentos' + api.qs({ limite: 200 }));
      trocar(blocoP, tabela([
        { titulo: 'Quando', valor: (p) => dataHora(p.criado_em || p.pago_em) },
        { titulo: 'Assinatura', valor: (p) => { const a = assinaturas.find((x) => x.id === p.assinatura_id); return a ? nomeEmpresa(a.empresa_id) : `#${p.assinatura_id}`; } },
        { titulo: 'Valor', classe: 'num', valor: (p) => reais(p.valor_centavos) },
        { titulo: 'Método', valor: (p) => nomeMetodo(p.metodo) },
        { titulo: 'Referência', valor: (p) => p.referencia || '—' },
      ], pag.itens || [], 'Nenhum pagamento registrado.'));
    } catch (e) { trocar(blocoP, erroBloco(e)); }
  }

  async function alterar(a, corpo) {
    try { await api.patch(`/api/admin/assinaturas/${a.id}`, corpo); avisar('Assinatura atualizada.', 'ok'); } catch (e) { avisarErro(e); }
    carregar();
  }

  async function novaAssinatura() {
    const ok = await dialogoForm({
      titulo: 'Nova assinatura', rotuloEnviar: 'Criar assinatura',
      campos: [campo({ nome: 'empresa_id', rotulo: 'Empresa', tipo: 'select', opcoes: empresas.map((e) => [e.id, e.nome]), obrigatorio: true }),
        campo({ nome: 'plano_id', rotulo: 'Plano', tipo: 'select', opcoes: planos.map((p) => [p.id, p.nome]), obrigatorio: true }),
        campo({ nome: 'proximo_vencimento', rotulo: 'Próximo vencimento', tipo: 'date' })],
      enviar: (v) => api.post('/api/admin/assinaturas', { empresa_id: Number(v.empresa_id), plano_id: Number(v.plano_id), proximo_vencimento: v.proximo_vencimento || null }),
    });
    if (ok) { avisar('Assinatura criada.', 'ok'); carregar(); }
  }

  async function novoPagamento() {
    if (!assinaturas.length) { avisar('Crie uma assinatura antes de registrar pagamentos.', 'erro'); return; }
    const ok = await dialogoForm({
      titulo: 'Registrar pagamento', rotuloEnviar: 'Registrar',
      campos: [campo({ nome: 'assinatura_id', rotulo: 'Assinatura', tipo: 'select', obrigatorio: true,
        opcoes: assinaturas.map((a) => [a.id, `${nomeEmpresa(a.empresa_id)} — ${nomePlano(a.plano_id)} (${a.status})`]) }),
      campo({ nome: 'valor', rotulo: 'Valor (R$)', obrigatorio: true, attrs: { inputmode: 'decimal' } }),
      campo({ nome: 'metodo', rotulo: 'Método', tipo: 'select', opcoes: METODOS }),
      campo({ nome: 'referencia', rotulo: 'Referência (opcional)', placeholder: 'Ex.: 2026-11' })],
      enviar: (v) => {
        const valor = centavosDe(v.valor);
        if (!valor || Number.isNaN(valor)) throw new Error('Valor inválido: use reais, por exemplo 199,90.');
        return api.post('/api/admin/pagamentos', { assinatura_id: Number(v.assinatura_id), valor_centavos: valor, metodo: v.metodo, referencia: v.referencia.trim() || null });
      },
    });
    if (ok) { avisar('Pagamento registrado; a assinatura está ativa.', 'ok'); carregar(); }
  }

  await carregar();
}
