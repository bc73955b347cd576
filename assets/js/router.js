// router.js — owns navigation: history-API routing (the server answers deep links such as
// /painel/conversas with index.html), link interception, and matching paths to screens.

let rotas = [];
let aoMudar = () => {};

/** Registers the route table: [{padrao: '/painel/conversas/:id', tela}] and a render callback. */
export function iniciar(tabela, callback) {
  rotas = tabela.map((r) => ({ ...r, partes: r.padrao.split('/').filter(Boolean) }));
  aoMudar = callback;
  window.addEventListener('popstate', () => aoMudar(casar(location.pathname)));
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href]');
    if (ev.defaultPrevented) return;
    if (!a || a.target || a.hasAttribute('download') || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
    ev.preventDefault();
    ir(url.pathname + url.search);
  });
}

/** Matches a path: {rota, params} or null. */
export function casar(caminho) {
  const partes = caminho.split('?')[0].split('/').filter(Boolean);
  for (const r of rotas) {
    if (r.partes.length !== partes.length) continue;
    const params = {};
    let ok = true;
    r.partes.forEach((p, i) => {
      if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(partes[i]);
      else if (p !== partes[i]) ok = false;
    });
    if (ok) return { rota: r, params, caminho };
  }
  return null;
}

/** Navigates to a path (adds a history entry unless `substituir`). */
export function ir(caminho, substituir = false) {
  if (substituir) history.replaceState(null, '', caminho);
  else if (caminho !== location.pathname + location.search) history.pushState(null, '', caminho);
  aoMudar(casar(caminho));
}

/** Re-renders the current path. */
export function recarregar() {
  aoMudar(casar(location.pathname));
}
