// rascunhos.js — owns the replies being typed: kept in localStorage per usuario, empresa and
// conversa as they are typed, so a reply survives a session expiry (restored after logging
// in again on the same conversa) or a reload; removed once sent, and all of a usuario's
// drafts removed when they log out on purpose.

const PREFIXO = 'helixai:rascunho:';

const chave = (usuario, empresa, conversa) => `${PREFIXO}${usuario}:${empresa}:${conversa}`;

/** The draft of this conversa, or ''. */
export function ler(usuario, empresa, conversa) {
  try { return localStorage.getItem(chave(usuario, empresa, conversa)) || ''; } catch (e) { return ''; }
}

/** Keeps (or, when empty, forgets) the draft of this conversa. */
export function guardar(usuario, empresa, conversa, texto) {
  try {
    if (texto && texto.trim()) localStorage.setItem(chave(usuario, empresa, conversa), texto);
    else localStorage.removeItem(chave(usuario, empresa, conversa));
  } catch (e) { /* storage full or disabled: the reply box still works */ }
}

/** Forgets every draft of a usuario (logout). */
export function limpar(usuario) {
  try {
    const meus = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const k = localStorage.key(i);
      if (k && k.startsWith(`${PREFIXO}${usuario}:`)) meus.push(k);
    }
    meus.forEach((k) => localStorage.removeItem(k));
  } catch (e) { /* nothing to clear */ }
}
