// login.test.js — the login screen's pt-BR messages against the real server: throttling
// (429 with Retry-After → "Muitas tentativas; tente novamente em N s"), an expired session
// (back to the login with "Sua sessão expirou"), and logout.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, semearEmpresa, SEMENTE } from './harness.js';

describe('login', () => {
  let srv;
  let nav;
  before(async () => { srv = await iniciarServidor({ semear: semearEmpresa }); nav = await abrirNavegador(); });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); });

  test('sessão expirada volta ao login com aviso; sair encerra a sessão', async () => {
    await comPagina(nav, 'sessao expirada', async (page, ctx) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      await page.getByRole('heading', { level: 1, name: /^Painel/ }).waitFor();
      await page.waitForLoadState('networkidle');
      await ctx.clearCookies();
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Catálogo' }).click();
      await page.getByRole('alert').filter({ hasText: 'Sua sessão expirou' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/login');
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      await page.getByRole('button', { name: 'Sair' }).click();
      await page.getByRole('button', { name: 'Entrar' }).waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/me')).status);
      assert.equal(status, 401);
    });
  });

  test('só com o teclado: entrar e navegar pelo menu', async () => {
    await comPagina(nav, 'login teclado', async (page) => {
      await page.goto(`${srv.url}/login`);
      await page.waitForFunction(() => document.activeElement && document.activeElement.name === 'email');
      await page.keyboard.type(SEMENTE.admin.email); // the e-mail field has focus on load
      await page.keyboard.press('Tab');
      await page.keyboard.type(SEMENTE.admin.senha);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: /^Painel/ }).waitFor();
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      await menu.getByRole('link', { name: 'Catálogo' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Catálogo' }).waitFor();
      await page.keyboard.press('Tab');
      const foco = await page.evaluate(() => document.activeElement && document.activeElement.closest('main') !== null);
      assert.ok(foco, 'Tab after navigating lands inside the new screen');
    });
  });

  test('tentativas demais: mensagem com o tempo de espera', async () => {
    await comPagina(nav, 'login throttle', async (page) => {
      await page.goto(`${srv.url}/login`);
      const alerta = page.locator('#login-alerta');
      for (let i = 0; i < 8; i += 1) {
        await page.getByLabel('E-mail').fill(SEMENTE.atendente.email);
        await page.getByLabel('Senha').fill(`errada-${i}`);
        await page.getByRole('button', { name: 'Entrar' }).click();
        await page.getByRole('button', { name: 'Entrar' }).isEnabled();
        await alerta.filter({ hasText: /incorretos|Muitas tentativas/ }).waitFor();
        if (/Muitas tentativas/.test(await alerta.innerText())) break;
      }
      // The wait as people say it ("15 min", not "897 s").
      assert.match(await alerta.innerText(), /Muitas tentativas; tente novamente em (\d+ s|\d+ min|\d+ h( \d+ min)?)\./);
      assert.doesNotMatch(await alerta.innerText(), /\d{3,} s/);
    });
  });
});
