// unidades.test.js — the panel's pure helpers under plain Node (no browser): money typed in
// reais → centavos, formatting, and the pt-BR messages for API errors (429, 401, codes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centavosDe, reaisCampo } from '../../assets/js/ui.js';
import { mensagemDe } from '../../assets/js/api.js';

test('preço digitado em reais vira centavos', () => {
  assert.equal(centavosDe('65.900,00'), 6590000);
  assert.equal(centavosDe('R$ 1.234,56'), 123456);
  assert.equal(centavosDe('65.900'), 6590000);
  assert.equal(centavosDe('1234.5'), 123450);
  assert.equal(centavosDe('299,9'), 29990);
  assert.equal(centavosDe(''), null);
  assert.ok(Number.isNaN(centavosDe('abc')));
  assert.ok(Number.isNaN(centavosDe('-5')));
  assert.equal(reaisCampo(null), '');
});

test('mensagens de erro em pt-BR', () => {
  assert.equal(mensagemDe(429, { erro: { codigo: 'muitas_tentativas', mensagem: 'x' } }, '12'), 'Muitas tentativas; tente novamente em 12 s.');
  assert.equal(mensagemDe(401, { erro: { codigo: 'credenciais_invalidas', mensagem: 'x' } }), 'E-mail ou senha incorretos.');
  assert.equal(mensagemDe(401, { erro: { codigo: 'nao_autenticado', mensagem: 'x' } }), 'Sua sessão expirou; entre novamente.');
  assert.equal(mensagemDe(400, { erro: { codigo: 'campo_invalido', mensagem: 'campo "ano": obrigatório' } }), 'campo "ano": obrigatório');
  assert.equal(mensagemDe(409, { erro: { codigo: 'limite_plano_itens', mensagem: 'x' } }), 'O plano desta empresa não permite mais itens no catálogo.');
  assert.match(mensagemDe(502, null), /Erro interno/);
});
