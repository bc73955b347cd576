// login.js — owns the login screen: e-mail + senha, and the pt-BR messages for a wrong
// password, throttling (429 with Retry-After) and an expired session.

import * as api from './api.js';
import { h, trocar, campo } from './ui.js';

export function render(raiz, { motivo, aoEntrar }) {
  document.title = 'Entrar — HelixAI';
  const alerta = h('div', { class: motivo ? 'alerta info' : 'oculto', role: 'alert', id: 'login-alerta' }, motivo || '');
  const botao = h('button', { type: 'submit' }, 'Entrar');
  const form = h('form', { 'aria-labelledby': 'login-titulo', novalidate: true },
    campo({ nome: 'email', rotulo: 'E-mail', tipo: 'email', obrigatorio: true, attrs: { autocomplete: 'username' } }),
    campo({ nome: 'senha', rotulo: 'Senha', tipo: 'password', obrigatorio: true, attrs: { autocomplete: 'current-password' } }),
    botao);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = form.elements.email.value.trim();
    const senha = form.elements.senha.value;
    if (!email || !senha) { mostrar('Informe e-mail e senha.'); return; }
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) { mostrar('Informe um e-mail válido.'); return; }
    botao.disabled = true;
    botao.textContent = 'Entrando…';
    try {
      const eu = await api.post('/api/login', { email, senha }, { semExpirar: true });
      aoEntrar(eu);
    } catch (e) {
      mostrar(e.message);
      form.elements.senha.value = '';
      form.elements.senha.focus();
    } finally {
      botao.disabled = false;
      botao.textContent = 'Entrar';
    }
  });
  function mostrar(texto) {
    alerta.className = 'alerta';
    alerta.textContent = texto;
  }
  trocar(raiz, h('main', { id: 'conteudo', class: 'login' },
    h('h1', { id: 'login-titulo' }, 'HelixAI'), h('p', {}, 'Entre para acessar o painel.'), alerta, form));
  form.elements.email.focus();
}
