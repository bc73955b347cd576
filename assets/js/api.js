// api.js — owns every call to the HelixAI JSON API: JSON in/out, the CSRF header on
// state-changing calls, the tenant prefix (a superadmin acting inside an empresa uses
// /api/admin/empresas/{id}/...), and turning errors into pt-BR messages for the user.

import { duracao } from './ui.js';

const MENSAGENS = {
  credenciais_invalidas: 'E-mail ou senha incorretos.',
  nao_autenticado: 'Sua sessão expirou; entre novamente.',
  proibido: 'Você não tem permissão para fazer isso.',
  nao_encontrado: 'Não encontrado (talvez tenha sido removido).',
  csrf: 'Requisição recusada por segurança; recarregue a página.',
  corpo_grande_demais: 'O conteúdo enviado é grande demais (arquivos: até 16 MB).',
  slug_em_uso: 'Esse identificador (slug) já está em uso.',
  email_em_uso: 'Esse e-mail já está cadastrado.',
  limite_plano_itens: 'O plano desta empresa não permite mais itens no catálogo.',
  limite_plano_usuarios: 'O plano desta empresa não permite mais usuários.',
  empresa_suspensa: 'Esta empresa está suspensa.',
  termo_muito_longo: 'O texto da busca pode ter no máximo 200 caracteres.',
  phone_number_id_em_uso: 'Esse phone_number_id já pertence a outra empresa.',
  erro_interno: 'Erro interno do servidor; tente novamente em instantes.',
  indisponivel: 'Serviço indisponível no momento; tente novamente em instantes.',
};

/** An API error with a pt-BR message ready to show. */
export class ApiError extends Error {
  constructor(status, codigo, mensagem) {
    super(mensagem);
    this.status = status;
    this.codigo = codigo;
  }
}

let aoExpirar = () => {};
let empresaAlvo = null;

/** Called on any 401 outside the login form (the session expired or was revoked). */
export function quandoExpirar(fn) { aoExpirar = fn; }

/** Sets the empresa a superadmin is acting inside (null = their own area). */
export function definirEmpresaAlvo(id) { empresaAlvo = id; }
export function obterEmpresaAlvo() { return empresaAlvo; }

/** The path of a tenant-scoped endpoint, e.g. t('/catalogo'). */
export function t(caminho) {
  return empresaAlvo ? `/api/admin/empresas/${empresaAlvo}${caminho}` : `/api${caminho}`;
}

/** A pt-BR message for an error answer. */
export function mensagemDe(status, corpo, retryAfter) {
  const codigo = corpo && corpo.erro && corpo.erro.codigo;
  if (status === 429) {
    const s = parseInt(retryAfter || '', 10);
    return `Muitas tentativas; tente novamente em ${duracao(Number.isFinite(s) ? s : 60)}.`;
  }
  if (codigo && MENSAGENS[codigo] && !['campo_invalido', 'json_invalido'].includes(codigo)) return MENSAGENS[codigo];
  if (corpo && corpo.erro && corpo.erro.mensagem) return corpo.erro.mensagem;
  if (status === 404) return 'Este recurso ainda não está disponível neste servidor.';
  if (status >= 500) return MENSAGENS.erro_interno;
  return `Erro inesperado (HTTP ${status}).`;
}

/** Sends a request; resolves with the parsed JSON (or null for 204), rejects with ApiError. */
export async function chamar(metodo, caminho, corpo, opcoes = {}) {
  const headers = { Accept: 'application/json' };
  if (metodo !== 'GET') headers['X-HelixAI-CSRF'] = '1';
  if (corpo !== undefined) headers['Content-Type'] = 'application/json';
  // A file goes as the raw body, typed as the browser guessed (the server checks the bytes).
  if (opcoes.arquivo) headers['Content-Type'] = opcoes.arquivo.type || 'application/octet-stream';
  let resp;
  try {
    resp = await fetch(caminho, {
      method: metodo, headers, credentials: 'same-origin',
      body: opcoes.arquivo || (corpo === undefined ? undefined : JSON.stringify(corpo)),
    });
  } catch (e) {
    throw new ApiError(0, 'rede', 'Não foi possível falar com o servidor; verifique sua conexão.');
  }
  let dados = null;
  const texto = resp.status === 204 ? '' : await resp.text();
  if (texto) {
    try { dados = JSON.parse(texto); } catch (e) { dados = null; }
  }
  if (resp.ok) return dados;
  const erro = new ApiError(resp.status, dados && dados.erro ? dados.erro.codigo : 'http',
    mensagemDe(resp.status, dados, resp.headers.get('Retry-After')));
  if (resp.status === 401 && !opcoes.semExpirar) aoExpirar(erro);
  throw erro;
}

/** Builds a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export const get = (c, o) => chamar('GET', c, undefined, o);
export const post = (c, b, o) => chamar('POST', c, b === undefined ? {} : b, o);
export const put = (c, b) => chamar('PUT', c, b);
export const patch = (c, b) => chamar('PATCH', c, b);
export const del = (c) => chamar('DELETE', c);
/** POSTs a File (a photo, a document) as the request body. */
export const enviarArquivo = (c, arquivo) => chamar('POST', c, undefined, { arquivo });
