// formatacao.js — owns WhatsApp's text formatting in the panel: *negrito*, _itálico_,
// ~tachado~ and ```monoespaçado```, parsed into a small tree (analisar, pure: unit-tested
// under Node) and built as DOM nodes (formatar: <strong>, <em>, <s>, <code> and text nodes —
// never HTML from strings, so a customer's "<b>" stays text). Used by the inbox and the
// bot simulator.

const MARCAS = { '*': 'negrito', _: 'italico', '~': 'tachado' };
const TAGS = { negrito: 'strong', italico: 'em', tachado: 's', mono: 'code' };
const alnum = (c) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const espaco = (c) => c === undefined || /\s/u.test(c);

/** Where the marker opened at `i` closes (same line, not after a space, then a boundary), or -1. */
function fechamento(texto, i) {
  const m = texto[i];
  for (let j = i + 2; j < texto.length; j += 1) {
    if (texto[j] === '\n') return -1;
    if (texto[j] === m && !espaco(texto[j - 1]) && !alnum(texto[j + 1])) return j;
  }
  return -1;
}

/**
 * Parses WhatsApp formatting: [{tipo: 'texto', texto} | {tipo: 'negrito'|'italico'|'tachado',
 * filhos: [...]} | {tipo: 'mono', texto}]. A marker only opens at a word's start with text
 * right after it, and only closes right after text at a word's end ("2*3*4" and
 * "nome_do_arquivo" stay as typed).
 */
export function analisar(texto) {
  const s = String(texto ?? '');
  const out = [];
  let solto = '';
  const soltar = () => { if (solto) { out.push({ tipo: 'texto', texto: solto }); solto = ''; } };
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('```', i)) {
      const fim = s.indexOf('```', i + 3);
      if (fim > i + 3) {
        soltar();
        out.push({ tipo: 'mono', texto: s.slice(i + 3, fim) });
        i = fim + 3;
        continue;
      }
    }
    const tipo = MARCAS[s[i]];
    if (tipo && !alnum(s[i - 1]) && !espaco(s[i + 1]) && s[i + 1] !== s[i]) {
      const fim = fechamento(s, i);
      if (fim > 0) {
        soltar();
        out.push({ tipo, filhos: analisar(s.slice(i + 1, fim)) });
        i = fim + 1;
        continue;
      }
    }
    solto += s[i];
    i += 1;
  }
  soltar();
  return out;
}

function nos(arvore) {
  return arvore.map((n) => {
    if (n.tipo === 'texto') return document.createTextNode(n.texto);
    const el = document.createElement(TAGS[n.tipo]);
    if (n.tipo === 'mono') el.textContent = n.texto;
    else el.append(...nos(n.filhos));
    return el;
  });
}

/** The DOM nodes of a formatted WhatsApp text (an array, ready for h() or append). */
export function formatar(texto) {
  return nos(analisar(texto));
}

/** The text as WhatsApp shows it, without the markers (previews in lists). */
export function semMarcas(texto) {
  const plano = (arvore) => arvore.map((n) => (n.filhos ? plano(n.filhos) : n.texto)).join('');
  return plano(analisar(texto));
}
