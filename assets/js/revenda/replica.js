// revenda/replica.js — owns the "Cópia externa (S3)" section of the Backups screen: the
// off-site replica's status (state, last shipment, lag, databases and media waiting, media files
// copied, the last error; a warning past 10 minutes), its configuration (endpoint, bucket, região, prefixo, retenção;
// access key and secret write-only, only their masks shown), "Enviar agora" and "Desligar".
// The replica key appears once, when a configuration creates it.

import * as api from '../api.js';
import { h, trocar, campo, formulario, carregando, erroBloco, avisar, avisarErro, confirmar, selo, tabela, num } from '../ui.js';

const ESTADOS = {
  desligada: ['Desligada', ''],
  parada: ['Aguardando o servidor', 'espera'],
  ativa: ['Em dia', 'ok'],
  erro: ['Com erro', 'ruim'],
  outra_instalacao: ['Outra instalação é a dona', 'ruim'],
};
const ATUALIZAR_MS = 10000;

/** "há 3 min" from a Unix time in ms. */
function ha(ms) {
  if (!ms) return 'nunca';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `há ${s} s`;
  if (s < 3600) return `há ${Math.floor(s / 60)} min`;
  if (s < 86400) return `há ${Math.floor(s / 3600)} h`;
  return `há ${Math.floor(s / 86400)} dia(s)`;
}

function duracao(s) {
  if (!s) return 'nenhum';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function tamanho(bytes) {
  const kib = (bytes || 0) / 1024;
  const f = (n, d) => n.toLocaleString('pt-BR', { maximumFractionDigits: d });
  if (kib < 1024) return `${f(Math.ceil(kib), 0)} KiB`;
  const mib = kib / 1024;
  return mib >= 1024 ? `${f(mib / 1024, 2)} GiB` : `${f(mib, 1)} MiB`;
}

/** The section; returns [element, stop] (stop ends its refresh timer). */
export function secaoReplica() {
  const situacao = h('div', { role: 'status', 'aria-live': 'polite' }, carregando());
  const chaveBox = h('div');
  const formBox = h('div');
  const secao = h('section', { class: 'cartao', 'aria-labelledby': 'replica-titulo' },
    h('h2', { id: 'replica-titulo' }, 'Cópia externa (S3)'),
    h('p', {}, 'Copia continuamente todos os bancos (cada empresa, o banco central e o journal) e as mídias das empresas (fotos, áudios, vídeos, documentos) para um armazenamento compatível com S3 — Backblaze B2, Cloudflare R2, Wasabi, AWS S3, MinIO —, cifrados aqui. Se este servidor se perder, tudo volta numa máquina nova com ', h('code', {}, 'helixai replica restore --all'), '.'),
    chaveBox, situacao, formBox);
  let atual = null;

  function desenharSituacao(r) {
    const s = r.situacao || {};
    const [rotulo, classe] = ESTADOS[s.estado] || [s.estado, ''];
    const linhas = [];
    if (r.alerta) {
      linhas.push(h('p', { class: 'alerta', role: 'alert' }, s.estado === 'outra_instalacao'
        ? ['Outra instalação envia para este destino: este servidor não está copiando. Se esta máquina substituiu aquela, rode ', h('code', {}, 'helixai replica assumir'), '.']
        : `Atenção: há mudanças sem cópia externa há ${duracao(r.atraso_s)}. ${s.erro ? 'Último erro: ' + s.erro : ''}`));
    }
    if (!r.configurada) {
      linhas.push(h('p', {}, selo('Desligada'), ' Preencha o destino abaixo para ligar a cópia externa.'));
      trocar(situacao, linhas);
      return;
    }
    linhas.push(h('p', {}, selo(rotulo, classe), ' ', s.destino || ''));
    linhas.push(h('dl', { class: 'grade numeros-replica' },
      h('div', {}, h('dt', {}, 'Último envio'), h('dd', {}, ha(s.ultimo_envio_ms))),
      h('div', {}, h('dt', {}, 'Atraso'), h('dd', {}, duracao(r.atraso_s))),
      h('div', {}, h('dt', {}, 'Bancos esperando'), h('dd', {}, num(s.pendentes_total || 0))),
      h('div', {}, h('dt', {}, 'Mídias esperando'), h('dd', {}, s.midias_pendentes ? `${num(s.midias_pendentes)} empresa(s), há ${duracao(r.midias_atraso_s)}` : 'nenhuma')),
      h('div', {}, h('dt', {}, 'Bancos copiados'), h('dd', {}, num(s.bancos || 0))),
      h('div', {}, h('dt', {}, 'Mídias copiadas'), h('dd', {}, `${num(s.midias_copiadas || 0)} arquivo(s), ${tamanho(s.midias_bytes)}`)),
      h('div', {}, h('dt', {}, 'Enviado desde o início'), h('dd', {}, `${num(s.objetos_enviados || 0)} objeto(s), ${tamanho(s.bytes_enviados)}; ${num(s.midias_enviadas || 0)} mídia(s), ${tamanho(s.midias_bytes_enviados)}`))));
    if (s.midias_ilegiveis) linhas.push(h('p', { class: 'alerta', role: 'alert' }, `${num(s.midias_ilegiveis)} arquivo(s) de mídia não puderam ser enviados: ilegíveis ou com o conteúdo diferente do nome (disco danificado?). Veja o log do servidor.`));
    if (s.erro && !r.alerta) linhas.push(h('p', { class: 'alerta info', role: 'alert' }, `Último erro: ${s.erro}. Nova tentativa automática em breve.`));
    if ((s.pendentes || []).length) {
      linhas.push(tabela([
        { titulo: 'Banco', valor: (p) => h('code', {}, p.banco) },
        { titulo: 'O que espera', valor: (p) => (p.dados && p.midias_desde_ms ? 'dados e mídias' : p.midias_desde_ms ? 'mídias' : 'dados') },
        { titulo: 'Mudança mais antiga sem cópia', valor: (p) => ha(p.desde_ms) },
        { titulo: 'Tentativas', classe: 'num', valor: (p) => num(p.tentativas) },
      ], s.pendentes));
    }
    const enviar = h('button', { type: 'button', class: 'secundario', onclick: async () => {
      enviar.disabled = true;
      try { await api.post('/api/admin/replica/enviar'); avisar('Enviando tudo o que espera.', 'ok'); setTimeout(carregar, 1500); } catch (e) { avisarErro(e); } finally { enviar.disabled = false; }
    } }, 'Enviar agora');
    const desligar = h('button', { type: 'button', class: 'perigo', onclick: async () => {
      if (!await confirmar('Desligar a cópia externa? O que já está no bucket continua lá; as próximas mudanças não serão copiadas.', 'Desligar')) return;
      try { desenhar(await api.del('/api/admin/replica')); avisar('Cópia externa desligada.', 'ok'); } catch (e) { avisarErro(e); }
    } }, 'Desligar');
    linhas.push(h('div', { class: 'acoes' }, enviar, desligar));
    trocar(situacao, linhas);
  }

  function desenharForm(r) {
    const c = r.config || {};
    const mascara = (m) => (m ? `Atual: ${m}. Deixe em branco para manter.` : 'Obrigatório na primeira configuração.');
    trocar(formBox, h('details', { open: !r.configurada },
      h('summary', {}, r.configurada ? 'Alterar destino e chaves' : 'Configurar destino'),
      formulario({
        rotuloEnviar: 'Testar e salvar',
        campos: h('div', { class: 'grade' },
          campo({ nome: 'endpoint', rotulo: 'Endpoint', tipo: 'url', valor: c.endpoint || '', obrigatorio: true, placeholder: 'https://s3.us-east-005.backblazeb2.com', ajuda: 'URL do serviço S3 do provedor (http:// com porta também serve, ex.: MinIO).' }),
          campo({ nome: 'bucket', rotulo: 'Bucket', valor: c.bucket || '', obrigatorio: true, placeholder: 'helixai-backups', ajuda: 'Crie o bucket no provedor antes.' }),
          campo({ nome: 'regiao', rotulo: 'Região', valor: c.regiao || '', placeholder: 'us-east-1', ajuda: 'R2 usa auto; B2 e Wasabi, a região do bucket.' }),
          campo({ nome: 'prefixo', rotulo: 'Prefixo', valor: r.configurada ? c.prefixo : 'helixai', placeholder: 'helixai', ajuda: 'Pasta dentro do bucket; uma por instalação.' }),
          campo({ nome: 'retencao_dias', rotulo: 'Dias de história', tipo: 'number', valor: String(c.retencao_dias || 7), attrs: { min: 1, max: 3650 }, ajuda: 'Quanto tempo atrás dá para restaurar (--at).' }),
          campo({ nome: 'chave_acesso', rotulo: 'Chave de acesso (access key)', tipo: 'password', ajuda: mascara(c.chave_acesso) }),
          campo({ nome: 'segredo', rotulo: 'Segredo (secret key)', tipo: 'password', ajuda: mascara(c.segredo) })),
        enviar: async (v, f) => {
          const corpo = { endpoint: v.endpoint.trim(), bucket: v.bucket.trim(), regiao: v.regiao.trim(), prefixo: v.prefixo.trim(), retencao_dias: Number(v.retencao_dias) || 7 };
          if (v.chave_acesso.trim()) corpo.chave_acesso = v.chave_acesso.trim();
          if (v.segredo.trim()) corpo.segredo = v.segredo.trim();
          const novo = await api.put('/api/admin/replica', corpo);
          f.elements.chave_acesso.value = '';
          f.elements.segredo.value = '';
          avisar('Bucket conferido e cópia externa configurada.', 'ok');
          if (novo.chave_replica) mostrarChave(novo.chave_replica);
          desenhar(novo);
        },
      })));
  }

  function mostrarChave(chave) {
    trocar(chaveBox, h('div', { class: 'alerta info', role: 'alert' },
      h('p', {}, h('strong', {}, 'Chave da réplica — aparece só agora.'), ' Guarde-a fora deste servidor, como o secret.key: sem ela o conteúdo do bucket é ilegível, e é ela que a restauração numa máquina nova pede.'),
      h('p', {}, h('code', { class: 'copiar', 'data-chave-replica': '' }, chave)),
      h('div', { class: 'acoes' }, h('button', { type: 'button', onclick: () => trocar(chaveBox) }, 'Já guardei a chave'))));
  }

  function desenhar(r) {
    atual = r;
    desenharSituacao(r);
    desenharForm(r);
  }

  async function carregar() {
    try { desenhar(await api.get('/api/admin/replica')); } catch (e) { if (!atual) trocar(situacao, erroBloco(e)); }
  }

  carregar();
  // The status only (never the form: it may be half typed).
  const timer = setInterval(async () => {
    if (document.hidden || !secao.isConnected) return;
    try { const r = await api.get('/api/admin/replica'); atual = r; desenharSituacao(r); } catch { /* next time */ }
  }, ATUALIZAR_MS);
  return [secao, () => clearInterval(timer)];
}
