// celular.test.js — the main empresa flows at 375 px against the real server: login with the
// collapsible menu, the catalog (create an item in the dialog) and the inbox, with no
// sideways scrolling.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, semearEmpresa, SEMENTE } from './harness.js';

const CELULAR = { width: 375, height: 740 };
const semRolagemLateral = async (page) => {
  const largura = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(largura <= CELULAR.width + 1, `rolagem lateral: ${largura}px`);
};

describe('celular (375 px)', () => {
  let srv;
  let nav;
  let ctx;
  before(async () => {
    srv = await iniciarServidor({ semear: semearEmpresa });
    nav = await abrirNavegador();
    ctx = await nav.newContext({ viewport: CELULAR, locale: 'pt-BR', isMobile: true, hasTouch: true });
  });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); });

  test('login e menu recolhível', async () => {
    await comPagina(nav, 'celular login', async (page) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      assert.equal(await menu.isVisible(), false);
      const botao = page.getByRole('button', { name: 'Menu' });
      await botao.click();
      assert.equal(await botao.getAttribute('aria-expanded'), 'true');
      await menu.getByRole('link', { name: 'Catálogo' }).waitFor();
      await semRolagemLateral(page);
    }, { contexto: ctx });
  });

  test('catálogo: cadastrar um item pelo celular', async () => {
    await comPagina(nav, 'celular catalogo', async (page) => {
      await page.goto(`${srv.url}/painel/catalogo`);
      await page.getByRole('button', { name: 'Novo item' }).click();
      const dlg = page.getByRole('dialog');
      await dlg.getByLabel('Nome', { exact: true }).fill('Hyundai HB20 2021');
      await dlg.getByLabel('Preço (R$)').fill('69.900');
      await dlg.getByLabel('Marca').fill('Hyundai');
      await dlg.getByLabel('Modelo').fill('HB20');
      await dlg.getByLabel('Ano').fill('2021');
      await dlg.getByRole('button', { name: 'Salvar item' }).click();
      await dlg.waitFor({ state: 'detached' });
      const linha = page.getByRole('row').filter({ hasText: 'Hyundai HB20 2021' });
      assert.match(await linha.innerText(), /R\$\s*69\.900,00/);
      await semRolagemLateral(page);
    }, { contexto: ctx });
  });

  test('"Testar bot" mostra a formatação do WhatsApp, sem asteriscos', async () => {
    await comPagina(nav, 'celular simulador', async (page) => {
      await page.goto(`${srv.url}/painel/bot`);
      await page.getByLabel('Mensagem').fill('Quanto custa o HB20?');
      await page.getByRole('button', { name: 'Enviar ao bot' }).click();
      const resposta = page.locator('.resposta-bot').first();
      await resposta.waitFor({ timeout: 20000 });
      assert.equal(await resposta.locator('strong').first().innerText(), 'Hyundai HB20 2021');
      assert.doesNotMatch(await resposta.innerText(), /\*/);
      await semRolagemLateral(page);
    }, { contexto: ctx });
  });

  test('conversas', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/conversas')) return;
    await comPagina(nav, 'celular conversas', async (page) => {
      await page.goto(`${srv.url}/painel/conversas`);
      await page.getByRole('heading', { level: 1, name: 'Conversas' }).waitFor();
      await page.getByRole('list', { name: 'Conversas' }).waitFor();
      await semRolagemLateral(page);
    }, { contexto: ctx });
  });
});
