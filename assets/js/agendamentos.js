// agendamentos.js — owns the Agendamentos screen: visits, test drives and services booked by
// the bot or the staff, by day or by week (local time, as the empresa works), with new
// bookings highlighted; create, edit, confirm, cancel and mark as done; the link to the
// customer's conversation. Opening the screen clears the "new bookings" alert.

import * as api from './api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, avisarErro, dialogoForm, confirmar, selo } from './ui.js';

export const TIPOS = [['visita', 'Visita'], ['test_drive', 'Test drive'], ['servico', 'Serviço']];
export const STATUS = [['agendado', 'Agendado'], ['confirmado', 'Confirmado'], ['realizado', 'Realizado'], ['cancelado', 'Cancelado']];
const rotulo = (lista, v) => (lista.find((x) => x[0] === v) || [v, v])[1];
const DIAS = ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'];

/** YYYY-MM-DD of a local Date. */
const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const deIso = (s) => { const [y, m, d] = s.split('-').map(Number); return new Date(y, m - 1, d); };
const mais = (d, n) => { const x = new Date(d); x.setDate(x.getDate() + n); return x; };
const diaExtenso = (s) => { const d = deIso(s); return `${DIAS[d.getDay()]}, ${s.slice(8, 10)}/${s.slice(5, 7)}`; };
const maiuscula = (t) => t.charAt(0).toUpperCase() + t.slice(1);

export async function render(raiz, ctx) {
  let vista = 'semana';
  let inicio = new Date();
  const periodo = h('p', { class: 'periodo', 'aria-live': 'polite' });
  const lista = h('div', { class: 'agenda' }, carregando());
  const botaoVista = (v, r) => h('button', { type: 'button', 'aria-pressed': String(vista === v), onclick: () => { vista = v; carregar(); } }, r);
  const vistas = h('div', { class: 'periodos', role: 'group', 'aria-label': 'Mostrar por' });
  const nav = h('div', { class: 'acoes' },
    h('button', { type: 'button', class: 'secundario', 'aria-label': 'Período anterior', onclick: () => { inicio = mais(inicio, vista === 'dia' ? -1 : -7); carregar(); } }, '←'),
    h('button', { type: 'button', class: 'secundario', onclick: () => { inicio = new Date(); carregar(); } }, 'Hoje'),
    h('button', { type: 'button', class: 'secundario', 'aria-label': 'Próximo período', onclick: () => { inicio = mais(inicio, vista === 'dia' ? 1 : 7); carregar(); } }, '→'));
  raiz.append(titulo('Agendamentos', h('button', { type: 'button', onclick: () => editar(null) }, 'Novo agendamento')),
    h('div', { class: 'barra' }, vistas, nav), periodo, lista);
  let novos = new Set();

  async function carregar() {
    trocar(vistas, botaoVista('dia', 'Dia'), botaoVista('semana', 'Semana'));
    const de = iso(inicio);
    const ate = iso(mais(inicio, vista === 'dia' ? 0 : 6));
    trocar(periodo, maiuscula(vista === 'dia' ? diaExtenso(de) : `${diaExtenso(de)} até ${diaExtenso(ate)}`));
    try {
      const r = await api.get(api.t('/agendamentos') + api.qs({ de, ate, limite: 500 }));
      for (const a of r.itens || []) if (!a.visto) novos.add(a.id);
      desenhar(r.itens || [], de, ate);
      if (r.novos > 0) {
        await api.post(api.t('/agendamentos/vistos'));
        window.dispatchEvent(new CustomEvent('helixai:alertas'));
      }
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  function cartao(a) {
    const cliente = a.lead_nome || a.cliente_nome || a.telefone || 'Cliente';
    const ativo = a.status === 'agendado' || a.status === 'confirmado';
    const mudar = (status, texto) => h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `${texto}: ${cliente} às ${a.data_hora.slice(11)}`,
      onclick: () => alterar(a, { status }) }, texto);
    return h('article', { class: `agendamento ${a.status}`, 'data-agendamento': a.id },
      h('div', { class: 'linha1' }, h('strong', { class: 'hora' }, a.data_hora.slice(11)), h('span', { class: 'nome' }, cliente),
        selo(rotulo(STATUS, a.status), a.status === 'cancelado' ? 'ruim' : a.status === 'realizado' ? 'ok' : ''),
        novos.has(a.id) ? selo('novo', 'nao-lidas') : null),
      h('div', { class: 'previa' }, [rotulo(TIPOS, a.tipo), a.item_nome, `${a.duracao_min} min`, a.origem === 'bot' ? 'agendado pelo bot' : 'agendado pela equipe'].filter(Boolean).join(' · ')),
      a.observacao ? h('div', { class: 'previa' }, a.observacao) : null,
      h('div', { class: 'acoes' },
        ativo && a.status !== 'confirmado' ? mudar('confirmado', 'Confirmar') : null,
        ativo ? mudar('realizado', 'Realizado') : null,
        h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar ${cliente} às ${a.data_hora.slice(11)}`, onclick: () => editar(a) }, 'Editar'),
        ativo ? h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Cancelar ${cliente} às ${a.data_hora.slice(11)}`, onclick: async () => {
          if (await confirmar(`Cancelar o agendamento de ${cliente} (${diaExtenso(a.data_hora.slice(0, 10))}, ${a.data_hora.slice(11)})?`, 'Cancelar agendamento')) alterar(a, { status: 'cancelado' });
        } }, 'Cancelar') : null,
        a.conversa_id ? h('a', { href: `${ctx.base}/conversas/${a.conversa_id}` }, 'Ver conversa') : null));
  }

  function desenhar(itens, de, ate) {
    const dias = [];
    for (let d = deIso(de); iso(d) <= ate; d = mais(d, 1)) dias.push(iso(d));
    const grupos = dias.map((dia) => {
      const doDia = itens.filter((a) => a.data_hora.startsWith(dia));
      if (vista === 'semana' && !doDia.length) return null;
      return h('section', { class: 'dia', 'aria-label': diaExtenso(dia) }, h('h2', {}, maiuscula(diaExtenso(dia))),
        doDia.length ? doDia.map(cartao) : h('p', { class: 'vazio' }, 'Nenhum agendamento neste dia.'));
    }).filter(Boolean);
    trocar(lista, grupos.length ? grupos : h('p', { class: 'vazio' }, 'Nenhum agendamento nesse período.'));
  }

  async function alterar(a, corpo) {
    const feito = { confirmado: 'Agendamento confirmado.', realizado: 'Agendamento marcado como realizado.', cancelado: 'Agendamento cancelado.' };
    try {
      await api.patch(api.t(`/agendamentos/${a.id}`), corpo);
      avisar(feito[corpo.status] || 'Agendamento atualizado.', 'ok');
      carregar();
    } catch (e) { avisarErro(e); }
  }

  async function editar(a) {
    const hoje = iso(new Date());
    const campos = h('div', { class: 'grade' },
      campo({ nome: 'cliente_nome', rotulo: 'Cliente', valor: a ? (a.cliente_nome || a.lead_nome || '') : '', obrigatorio: !a || !a.lead_id, attrs: a && a.lead_id ? { readonly: true } : {} }),
      campo({ nome: 'data', rotulo: 'Data', tipo: 'date', valor: a ? a.data_hora.slice(0, 10) : hoje, obrigatorio: true }),
      campo({ nome: 'hora', rotulo: 'Hora', tipo: 'time', valor: a ? a.data_hora.slice(11) : '10:00', obrigatorio: true }),
      campo({ nome: 'duracao_min', rotulo: 'Duração (min)', tipo: 'number', valor: a ? a.duracao_min : '', attrs: { min: 5, max: 1440, step: 5 }, ajuda: 'Em branco: a duração padrão da empresa.' }),
      campo({ nome: 'tipo', rotulo: 'Tipo', tipo: 'select', valor: a ? a.tipo : (ctx.empresa.setor === 'servicos' ? 'servico' : 'visita'), opcoes: TIPOS }),
      a ? campo({ nome: 'status', rotulo: 'Situação', tipo: 'select', valor: a.status, opcoes: STATUS }) : null);
    const obs = campo({ nome: 'observacao', rotulo: 'Observação', tipo: 'textarea', valor: a ? a.observacao || '' : '' });
    const salvo = await dialogoForm({
      titulo: a ? 'Editar agendamento' : 'Novo agendamento', campos: [campos, obs], rotuloEnviar: 'Salvar agendamento',
      enviar: async (v) => {
        const corpo = { data_hora: `${v.data} ${v.hora}`, tipo: v.tipo, observacao: v.observacao.trim() || null };
        if (v.duracao_min) corpo.duracao_min = Number(v.duracao_min);
        if (!a || !a.lead_id) corpo.cliente_nome = v.cliente_nome.trim() || null;
        if (a) corpo.status = v.status;
        return a ? api.patch(api.t(`/agendamentos/${a.id}`), corpo) : api.post(api.t('/agendamentos'), corpo);
      },
    });
    if (salvo) {
      avisar(a ? 'Agendamento atualizado.' : 'Agendamento criado.', 'ok');
      // Show the period that has it.
      const dia = salvo.data_hora.slice(0, 10);
      if (dia < iso(inicio) || dia > iso(mais(inicio, vista === 'dia' ? 0 : 6))) inicio = deIso(dia);
      carregar();
    }
  }

  await carregar();
}
