// revenda/empresas.js — owns the reseller's empresas screen: list with usage (stored media
// against the plano's quota included), status and
// WhatsApp channel (Cloud phone_number_id, or the QR-code connection state),
// create (with setor), edit (nome, plano, prompt), suspend/reactivate, and opening an
// empresa's own area (tenant screens through /api/admin/empresas/{id}/..., audited).

import * as api from '../api.js';
import { h, trocar, titulo, campo, carregando, erroBloco, avisar, avisarErro, dialogoForm, confirmar, tabela, selo, num } from '../ui.js';
import { SETORES, nomeSetor, todosPlanos } from './comum.js';
import { seloEstado } from '../whatsapp_qr.js';
import { tamanho } from '../midia.js';

/** Stored media against the plano's quota, e.g. "12,3 MB de 500 MB". */
function usoMidia(uso) {
  if (!uso || uso.midia_bytes === undefined) return '—';
  const usado = `${tamanho(uso.midia_bytes)} (${num(uso.midia_arquivos)} arquivo${uso.midia_arquivos === 1 ? '' : 's'})`;
  if (uso.midia_limite_bytes === null || uso.midia_limite_bytes === undefined) return `${usado} · sem limite`;
  const cheio = uso.midia_bytes >= uso.midia_limite_bytes * 0.9;
  return h('div', {}, `${usado} de ${tamanho(uso.midia_limite_bytes)}`, cheio ? [' ', selo(uso.midia_bytes >= uso.midia_limite_bytes ? 'cota cheia' : 'quase cheia', 'ruim')] : null);
}

export async function render(raiz) {
  let planos = [];
  try { planos = await todosPlanos(); } catch (e) { planos = []; }
  const nomePlano = (id) => planos.find((p) => p.id === id)?.nome || '—';
  const filtro = h('form', { class: 'barra', role: 'search' },
    campo({ nome: 'q', rotulo: 'Buscar empresa', tipo: 'search', placeholder: 'Nome ou slug' }),
    campo({ nome: 'ativo', rotulo: 'Situação', tipo: 'select', opcoes: [['', 'Todas'], ['true', 'Ativas'], ['false', 'Suspensas']] }),
    h('button', { type: 'submit' }, 'Filtrar'));
  filtro.addEventListener('submit', (ev) => { ev.preventDefault(); carregar(); });
  const lista = h('div', {}, carregando());
  raiz.append(titulo('Empresas', h('button', { type: 'button', onclick: criar }, 'Nova empresa')), filtro, lista);

  async function carregar() {
    try {
      const [pag, conexoes] = await Promise.all([
        api.get('/api/admin/empresas' + api.qs({ q: filtro.elements.q.value.trim(), ativo: filtro.elements.ativo.value, limite: 200 })),
        api.get('/api/admin/evolution').then((ev) => ev.instancias || [], () => []),
      ]);
      const conexao = (id) => conexoes.find((i) => i.empresa_id === id);
      trocar(lista, tabela([
        { titulo: 'Empresa', valor: (e) => h('div', {}, h('strong', {}, e.nome), h('div', { class: 'previa' }, `${e.slug} · ${nomeSetor(e.setor)}`)) },
        { titulo: 'Plano', valor: (e) => nomePlano(e.plano_id) },
        { titulo: 'Uso no mês', valor: (e) => (e.uso ? `${num(e.uso.mensagens_mes)} msgs · ${num(e.uso.usuarios)} usuários · ${num(e.uso.itens_catalogo)} itens` : '—') },
        { titulo: 'Mídia guardada', valor: (e) => usoMidia(e.uso) },
        { titulo: 'WhatsApp', valor: (e) => (e.whatsapp_canal === 'evolution'
          ? h('div', {}, 'QR Code ', seloEstado(conexao(e.id)?.estado || 'desconectado'))
          : e.whatsapp_phone_number_id || '—') },
        { titulo: 'Situação', valor: (e) => (e.ativo ? selo('ativa', 'ok') : selo('suspensa', 'ruim')) },
        { titulo: 'Ações', valor: (e) => h('div', { class: 'acoes' },
          h('a', { class: 'botao pequeno', href: `/revenda/empresas/${e.id}/painel`, 'aria-label': `Abrir área da empresa ${e.nome}` }, 'Abrir área'),
          h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Editar ${e.nome}`, onclick: () => editar(e) }, 'Editar'),
          e.ativo
            ? h('button', { type: 'button', class: 'perigo pequeno', 'aria-label': `Suspender ${e.nome}`, onclick: () => suspender(e) }, 'Suspender')
            : h('button', { type: 'button', class: 'secundario pequeno', 'aria-label': `Reativar ${e.nome}`, onclick: () => reativar(e) }, 'Reativar')) },
      ], pag.itens || [], 'Nenhuma empresa ainda. Crie a primeira para começar.'));
    } catch (e) { trocar(lista, erroBloco(e)); }
  }

  const opcoesPlano = () => [['', 'Sem plano'], ...planos.map((p) => [p.id, p.nome])];

  async function criar() {
    const slugCampo = campo({ nome: 'slug', rotulo: 'Identificador (slug)', obrigatorio: true, ajuda: 'Minúsculas, números e hífens. Ex.: feirao-showcar', attrs: { pattern: '[a-z0-9]+(-[a-z0-9]+)*', maxlength: 63 } });
    const nomeCampo = campo({ nome: 'nome', rotulo: 'Nome da empresa', obrigatorio: true });
    const slugInput = slugCampo.querySelector('input');
    let slugManual = false;
    slugInput.addEventListener('input', () => { slugManual = true; });
    nomeCampo.querySelector('input').addEventListener('input', (ev) => {
      if (!slugManual) slugInput.value = ev.target.value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 63);
    });
    const criada = await dialogoForm({
      titulo: 'Nova empresa', rotuloEnviar: 'Criar empresa',
      campos: [nomeCampo, slugCampo,
        campo({ nome: 'setor', rotulo: 'Setor', tipo: 'select', opcoes: SETORES, obrigatorio: true }),
        campo({ nome: 'plano_id', rotulo: 'Plano', tipo: 'select', opcoes: opcoesPlano() }),
        campo({ nome: 'whatsapp_phone_number_id', rotulo: 'Phone number ID do WhatsApp (opcional)' })],
      enviar: (v) => api.post('/api/admin/empresas', {
        nome: v.nome.trim(), slug: v.slug.trim(), setor: v.setor,
        plano_id: v.plano_id ? Number(v.plano_id) : null,
        whatsapp_phone_number_id: v.whatsapp_phone_number_id.trim() || null,
      }),
    });
    if (criada) {
      avisar(`Empresa “${criada.nome || ''}” criada. Crie agora o administrador dela em Usuários.`, 'ok');
      carregar();
    }
  }

  async function editar(e) {
    const ok = await dialogoForm({
      titulo: `Editar ${e.nome}`, rotuloEnviar: 'Salvar',
      campos: [campo({ nome: 'nome', rotulo: 'Nome', valor: e.nome, obrigatorio: true }),
        campo({ nome: 'plano_id', rotulo: 'Plano', tipo: 'select', opcoes: opcoesPlano(), valor: e.plano_id ?? '' }),
        campo({ nome: 'prompt_customizado', rotulo: 'Instruções do bot (prompt)', tipo: 'textarea', valor: e.prompt_customizado || '' })],
      enviar: (v) => api.patch(`/api/admin/empresas/${e.id}`, { nome: v.nome.trim(), plano_id: v.plano_id ? Number(v.plano_id) : null, prompt_customizado: v.prompt_customizado }),
    });
    if (ok) { avisar('Empresa atualizada.', 'ok'); carregar(); }
  }

  async function suspender(e) {
    if (!(await confirmar(`Suspender “${e.nome}”? O bot para de responder e os usuários da empresa perdem o acesso.`, 'Suspender'))) return;
    try { await api.post(`/api/admin/empresas/${e.id}/suspender`); avisar('Empresa suspensa.', 'ok'); } catch (err) { avisarErro(err); }
    carregar();
  }

  async function reativar(e) {
    try { await api.post(`/api/admin/empresas/${e.id}/reativar`); avisar('Empresa reativada.', 'ok'); } catch (err) { avisarErro(err); }
    carregar();
  }

  await carregar();
}
