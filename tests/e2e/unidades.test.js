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

test('datas dd/mm/aaaa hh:mm, só data e durações como se fala', async () => {
  const { dataHoraDe, data, duracao } = await import('../../assets/js/ui.js');
  assert.equal(dataHoraDe(new Date(2027, 0, 10, 0, 0)), '10/01/2027 00:00');
  assert.equal(dataHoraDe(new Date(2026, 10, 28, 9, 5)), '28/11/2026 09:05');
  assert.equal(data('2027-01-10 00:00:00'), '10/01/2027', 'um vencimento é um dia, sem fuso');
  assert.equal(data('2026-12-04'), '04/12/2026');
  assert.equal(data(null), '—');
  assert.equal(duracao(45), '45 s');
  assert.equal(duracao(897), '15 min');
  assert.equal(duracao(3600), '1 h');
  assert.equal(duracao(5400), '1 h 30 min');
  assert.equal(duracao(86400 * 2 + 3 * 3600), '2 dias 3 h');
  assert.equal(duracao(undefined), '—');
  assert.equal(mensagemDe(429, null, '897'), 'Muitas tentativas; tente novamente em 15 min.');
});

test('formatação do WhatsApp: negrito, itálico, tachado e mono, só em limites de palavra', async () => {
  const { analisar, semMarcas } = await import('../../assets/js/formatacao.js');
  const tipos = (t) => analisar(t).map((n) => (n.tipo === 'texto' ? n.texto : `${n.tipo}:${n.filhos ? n.filhos.map((f) => f.texto || f.tipo).join('') : n.texto}`));
  assert.deepEqual(tipos('O *Chevrolet Onix* sai por R$ 65.900'), ['O ', 'negrito:Chevrolet Onix', ' sai por R$ 65.900']);
  assert.deepEqual(tipos('_itálico_ e ~tachado~'), ['italico:itálico', ' e ', 'tachado:tachado']);
  assert.deepEqual(tipos('código: ```a *b* c```'), ['código: ', 'mono:a *b* c']);
  assert.deepEqual(analisar('*_os dois_*'), [{ tipo: 'negrito', filhos: [{ tipo: 'italico', filhos: [{ tipo: 'texto', texto: 'os dois' }] }] }]);
  for (const literal of ['2*3*4', 'nome_do_arquivo.pdf', '* solto *', 'a ** b', '*sem fim', '<b>oi</b>', '*quebra\nde linha*']) {
    assert.deepEqual(analisar(literal), [{ tipo: 'texto', texto: literal }], literal);
  }
  assert.equal(semMarcas('*Onix* _2020_'), 'Onix 2020');
});
