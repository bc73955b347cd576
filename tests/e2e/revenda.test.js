// revenda.test.js — the reseller screens against the real superadmin API: a plan, a
// subscription and a payment; suspending and reactivating an empresa; the audit log with a
// filter; the system screen.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, semearEmpresa, SEMENTE, SUPERADMIN } from './harness.js';

describe('revenda', () => {
  let srv;
  let nav;
  before(async () => { srv = await iniciarServidor({ semear: semearEmpresa }); nav = await abrirNavegador(); });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); });

  test('plano, assinatura e pagamento', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/admin/planos')) return;
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/admin/pagamentos')) return;
    await comPagina(nav, 'revenda cobranca', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      await menu.getByRole('link', { name: 'Planos' }).click();
      await page.getByRole('button', { name: 'Novo plano' }).click();
      let dlg = page.getByRole('dialog');
      await dlg.getByLabel('Nome').fill('Profissional');
      await dlg.getByLabel('Preço mensal (R$)').fill('299,90');
      await dlg.getByLabel('Mensagens por mês').fill('5000');
      await dlg.getByRole('button', { name: 'Salvar plano' }).click();
      await dlg.waitFor({ state: 'detached' });
      assert.match(await page.getByRole('row').filter({ hasText: 'Profissional' }).innerText(), /R\$\s*299,90/);

      await menu.getByRole('link', { name: 'Assinaturas e pagamentos' }).click();
      await page.getByRole('button', { name: 'Nova assinatura' }).click();
      dlg = page.getByRole('dialog');
      await dlg.getByLabel('Empresa').selectOption({ label: SEMENTE.nome });
      await dlg.getByLabel('Plano').selectOption({ label: 'Profissional' });
      await dlg.getByLabel('Próximo vencimento').fill('2030-01-10');
      await dlg.getByRole('button', { name: 'Criar assinatura' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByRole('row').filter({ hasText: SEMENTE.nome }).filter({ hasText: 'Profissional' }).waitFor();

      await page.getByRole('button', { name: 'Registrar pagamento' }).click();
      dlg = page.getByRole('dialog');
      await dlg.getByLabel('Valor (R$)').fill('299,90');
      await dlg.getByLabel('Referência (opcional)').fill('2030-01');
      await dlg.getByRole('button', { name: 'Registrar' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByRole('row').filter({ hasText: '2030-01' }).filter({ hasText: '299,90' }).waitFor();
    });
  });

  test('suspender e reativar uma empresa; a auditoria registra', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/admin/empresas/1/suspender')) return;
    await comPagina(nav, 'revenda suspender', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await page.getByRole('button', { name: `Suspender ${SEMENTE.nome}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Suspender' }).click();
      await page.getByRole('button', { name: `Reativar ${SEMENTE.nome}` }).click();
      await page.getByRole('button', { name: `Suspender ${SEMENTE.nome}` }).waitFor();
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Auditoria' }).click();
      await page.getByLabel('Empresa').selectOption({ label: SEMENTE.nome });
      await page.getByRole('button', { name: 'Filtrar' }).click();
      await page.getByRole('cell', { name: /suspend/ }).first().waitFor();
      // The unfiltered list has "suspend" rows too: read the table once the filtered answer
      // has replaced it (or after 5 s, and then the assertion shows what is there).
      const soDaEmpresa = (ls) => ls.length > 0 && ls.every((l) => l.includes(SEMENTE.nome));
      let linhas = await page.locator('tbody tr').allInnerTexts();
      for (const fim = Date.now() + 5000; !soDaEmpresa(linhas) && Date.now() < fim; ) {
        await page.waitForTimeout(50);
        linhas = await page.locator('tbody tr').allInnerTexts();
      }
      assert.ok(soDaEmpresa(linhas), linhas.join('\n'));
    });
  });

  test('sistema mostra versão, LRU e tamanho dos dados', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/admin/sistema')) return;
    await comPagina(nav, 'revenda sistema', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Sistema' }).click();
      await page.getByText('Cache de empresas abertas (LRU)').waitFor();
      assert.match(await page.locator('main').innerText(), /Versão\s*\n?\s*0\.\d+\.\d+|0\.\d+\.\d+\s*\n?\s*Versão/);
      await page.getByText('Mensagens recebidas aguardando gravação').waitFor();
      await page.getByText('Nenhuma empresa retida.').waitFor();
      assert.equal(await page.locator('main .alerta').count(), 0);
    });
  });

  test('backups: fazer agora, listar, baixar e restaurar', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/admin/empresas/1/backups')) return;
    await comPagina(nav, 'revenda backups', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Backups' }).click();
      await page.getByLabel('Empresa').selectOption({ label: SEMENTE.nome });
      await page.getByRole('button', { name: 'Fazer backup agora' }).click();
      const baixar = page.getByRole('link', { name: /^Baixar \d{8}T\d{6}Z(-\d+)?\.db$/ }).first();
      await baixar.waitFor();
      const href = await baixar.getAttribute('href');
      const resp = await page.request.get(new URL(href, srv.url).toString());
      assert.equal(resp.status(), 200);
      assert.equal((await resp.body()).subarray(0, 15).toString(), 'SQLite format 3');
      await page.getByRole('button', { name: /^Restaurar / }).first().click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Restaurar' }).click();
      await page.getByText(/restaurada a partir de/).waitFor();
      assert.equal(await page.locator('main .alerta').count(), 0);
    });
  });
});
