// midia.js — owns how the panel shows media and sends files: a message's photo (thumbnail
// that opens a full view), voice note or audio (player, transcript under it), video
// (player), document (download link), or its download state; the reply box's "Anexar"
// button (pick a photo or a document, preview, caption, send); and sizes in pt-BR.
// DOM nodes only (ui.h), never HTML from strings. Files are served by GET /api/midias/{id}
// to the session's own empresa only.

import * as api from './api.js';
import { h, trocar, avisar, avisarErro } from './ui.js';

/** The URL of a stored media file (inside the empresa the session acts on). */
export const urlMidia = (id) => api.t(`/midias/${id}`);

/** "1,5 MB", "320 KB". */
export function tamanho(bytes) {
  const b = Math.max(0, Number(bytes) || 0);
  const [v, u] = b >= 1024 ** 3 ? [b / 1024 ** 3, 'GB'] : b >= 1024 ** 2 ? [b / 1024 ** 2, 'MB'] : [b / 1024, 'KB'];
  return `${v.toLocaleString('pt-BR', { maximumFractionDigits: v >= 100 ? 0 : 1 })} ${u}`;
}

// Icons drawn as SVG nodes (no emoji: a machine without an emoji font shows empty boxes).
const SVG = 'http://www.w3.org/2000/svg';
const CLIPE = 'M21.4 11.1l-8.5 8.5a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8';
const ARQUIVO = 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h8';
function icone(d) {
  const s = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '18', height: '18', 'aria-hidden': 'true', class: 'icone' })) s.setAttribute(k, v);
  const p = document.createElementNS(SVG, 'path');
  for (const [k, v] of Object.entries({ d, fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) p.setAttribute(k, v);
  s.append(p);
  return s;
}

const NOMES = { image: 'Foto', sticker: 'Figurinha', audio: 'Áudio', video: 'Vídeo', document: 'Documento' };
const ROTULO = /^\[(imagem|vídeo|áudio|mensagem de voz|figurinha|documento(: [^\]]*)?)\]\s*/;

function classe(mime) {
  const m = (mime || '').split(';')[0].trim();
  if (['image/jpeg', 'image/png', 'image/gif', 'image/webp'].includes(m)) return 'imagem';
  if (m.startsWith('audio/')) return 'audio';
  if (['video/mp4', 'video/3gpp', 'video/webm'].includes(m)) return 'video';
  return 'documento';
}

/** The text to show beside a message's media: its caption (the label is the media itself). */
export function legenda(m) {
  if (!m.midia || m.midia.tipo === 'audio') return null;
  const t = (m.texto || '').replace(ROTULO, '').trim();
  return t ? h('div', { class: 'midia-legenda' }, t) : null;
}

/** Opens a photo in full size, with a download link. */
export function abrirImagem(url, descricao) {
  const dlg = h('dialog', { class: 'midia-visualizar', 'aria-label': descricao });
  const fechar = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Fechar');
  dlg.append(
    h('img', { src: url, alt: descricao }),
    h('div', { class: 'acoes' }, h('a', { class: 'botao', href: url, download: '' }, 'Baixar'), fechar));
  dlg.addEventListener('close', () => dlg.remove());
  dlg.addEventListener('click', (ev) => { if (ev.target === dlg) dlg.close(); });
  document.body.append(dlg);
  dlg.showModal();
  fechar.focus();
}

function transcricao(m) {
  const md = m.midia;
  switch (md.transcricao_estado) {
    case 'pronta': return h('p', { class: 'transcricao' }, h('strong', {}, 'Transcrição: '), m.texto || '');
    case 'pendente': return h('p', { class: 'transcricao espera', role: 'status' }, 'Transcrevendo o áudio…');
    case 'sem_chave': return h('p', { class: 'transcricao espera' }, 'Sem transcrição: configure a chave do LLM na tela Bot para transcrever áudios.');
    case 'falhou': return h('p', { class: 'transcricao espera' }, 'Não foi possível transcrever este áudio.');
    default: return null;
  }
}

// The thread is redrawn when anything in it changes: a player being listened to must survive
// that, so a ready media node is kept and reused while its message stays the same.
const prontos = new Map();
const MAX_PRONTOS = 300;

/** The media of a message as DOM nodes, or null when it has none. */
export function conteudoMidia(m) {
  const md = m.midia;
  if (!md) return null;
  if (md.estado !== 'pronta') return desenhar(m);
  const chave = `${api.t('')}|${md.id}|${md.transcricao_estado}|${m.texto}`;
  let no = prontos.get(chave);
  if (!no) {
    no = desenhar(m);
    prontos.set(chave, no);
    if (prontos.size > MAX_PRONTOS) prontos.delete(prontos.keys().next().value);
  }
  return no;
}

function desenhar(m) {
  const md = m.midia;
  const nome = md.voz ? 'Mensagem de voz' : NOMES[md.tipo] || 'Mídia';
  if (md.estado === 'pendente') return h('div', { class: 'midia-estado', role: 'status' }, `${nome}: baixando…`);
  if (md.estado !== 'pronta') {
    const tentar = h('button', { type: 'button', class: 'secundario pequeno', onclick: async () => {
      tentar.disabled = true;
      try {
        await api.post(api.t(`/midias/${md.id}/baixar`));
        trocar(bloco, `${nome}: baixando de novo…`);
      } catch (e) { avisarErro(e); tentar.disabled = false; }
    } }, 'Tentar de novo');
    const bloco = h('div', { class: 'midia-estado falhou' }, `${nome} indisponível: ${md.erro || 'não foi possível baixar o arquivo.'} `, tentar);
    return bloco;
  }
  const url = urlMidia(md.id);
  const quem = m.direcao === 'saida' ? 'enviada' : 'recebida do cliente';
  switch (classe(md.mime)) {
    case 'imagem': {
      const descricao = `${nome} ${quem}`;
      return h('button', { type: 'button', class: 'midia-miniatura', 'aria-label': `Ampliar: ${descricao}`, onclick: () => abrirImagem(url, descricao) },
        h('img', { src: url, alt: descricao, loading: 'lazy' }));
    }
    case 'audio':
      return h('div', { class: 'midia-audio' },
        h('audio', { controls: true, preload: 'metadata', src: url, 'aria-label': nome }), transcricao(m));
    case 'video':
      return h('video', { class: 'midia-video', controls: true, preload: 'metadata', playsinline: true, src: url, 'aria-label': `${nome} ${quem}` });
    default: {
      const arquivo = md.nome_arquivo || `${nome.toLowerCase()}`;
      return h('a', { class: 'midia-documento', href: url, download: md.nome_arquivo || '' },
        icone(ARQUIVO), arquivo, h('span', { class: 'previa' }, ` (${tamanho(md.tamanho)})`));
    }
  }
}

const TIPOS_ANEXO = ['image/jpeg', 'image/png', 'application/pdf', 'text/plain', 'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation'];
const MAX_ARQUIVO = 16 * 1024 * 1024;
const MAX_IMAGEM = 5 * 1024 * 1024;

/** Why a file cannot be attached (checked again by the server from its bytes), or null. */
export function problemaDoArquivo(f, { soImagem = false } = {}) {
  const imagem = ['image/jpeg', 'image/png'].includes(f.type);
  if (soImagem && !imagem) return 'Escolha uma foto JPG ou PNG.';
  if (f.size === 0) return 'O arquivo está vazio.';
  if (f.size > MAX_ARQUIVO) return `O arquivo tem ${tamanho(f.size)}; o limite é 16 MB.`;
  if (imagem && f.size > MAX_IMAGEM) return `A foto tem ${tamanho(f.size)}; o WhatsApp aceita fotos de até 5 MB.`;
  if (f.type && !TIPOS_ANEXO.includes(f.type)) return 'Envie uma foto (JPG ou PNG) ou um documento (PDF, Word, Excel, PowerPoint ou TXT).';
  return null;
}

/**
 * The reply box's "Anexar" button: picks a file, shows a preview with a caption field and
 * sends it to the open conversa. `conversa()` gives its id; `aoEnviar(m)` gets the queued message.
 */
export function botaoAnexar({ conversa, aoEnviar }) {
  const entrada = h('input', { type: 'file', class: 'oculto', accept: TIPOS_ANEXO.join(','), 'aria-label': 'Arquivo para anexar' });
  const botao = h('button', { type: 'button', class: 'secundario anexar', title: 'Anexar foto ou documento', 'aria-label': 'Anexar foto ou documento', onclick: () => entrada.click() }, icone(CLIPE));
  entrada.addEventListener('change', () => {
    const f = entrada.files && entrada.files[0];
    entrada.value = '';
    if (f && conversa()) dialogoAnexo(f, conversa(), aoEnviar);
  });
  return h('span', { class: 'anexo' }, botao, entrada);
}

function dialogoAnexo(f, conversa, aoEnviar) {
  const imagem = ['image/jpeg', 'image/png'].includes(f.type);
  const blob = imagem ? URL.createObjectURL(f) : null;
  const dlg = h('dialog', { class: 'dialogo-anexo', 'aria-label': 'Enviar anexo' });
  const erro = h('p', { class: 'form-erro', role: 'alert' });
  const problema = problemaDoArquivo(f);
  const texto = h('textarea', { id: 'anexo-legenda', name: 'legenda', maxlength: '1024', placeholder: 'Escreva uma legenda (opcional)' });
  const enviar = h('button', { type: 'submit', disabled: !!problema }, 'Enviar');
  const cancelar = h('button', { type: 'button', class: 'secundario', onclick: () => dlg.close() }, 'Cancelar');
  const form = h('form', {},
    h('h2', {}, imagem ? 'Enviar foto' : 'Enviar documento'),
    blob ? h('img', { class: 'previa-anexo', src: blob, alt: `Prévia de ${f.name}` })
      : h('p', { class: 'midia-documento' }, icone(ARQUIVO), f.name, h('span', { class: 'previa' }, ` (${tamanho(f.size)})`)),
    h('div', { class: 'campo' }, h('label', { for: 'anexo-legenda' }, 'Legenda'), texto),
    erro, h('div', { class: 'acoes' }, enviar, cancelar));
  if (problema) trocar(erro, problema);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    enviar.disabled = true;
    trocar(erro, h('span', { role: 'status' }, 'Enviando…'));
    try {
      const m = await api.enviarArquivo(api.t(`/conversas/${conversa}/anexos`) + api.qs({ nome: f.name, legenda: texto.value.trim() }), f);
      dlg.close();
      avisar(imagem ? 'Foto enviada para a fila do WhatsApp.' : 'Documento enviado para a fila do WhatsApp.', 'ok');
      aoEnviar(m);
    } catch (e) {
      trocar(erro, e.message || String(e));
      enviar.disabled = false;
    }
  });
  dlg.append(form);
  dlg.addEventListener('close', () => { if (blob) URL.revokeObjectURL(blob); dlg.remove(); });
  document.body.append(dlg);
  dlg.showModal();
  texto.focus();
}
