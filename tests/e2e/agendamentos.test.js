// agendamentos.test.js — appointments against the real server: a WhatsApp customer (signed
// webhooks, no LLM key) asks a price, gives a name, accepts a visit and picks a time; the
// staff sees the alert in the menu and the booking in Agendamentos (desktop), confirms, moves,
// finishes, creates and cancels bookings; an atendente works the same screen at 375 px and
// reaches the customer's conversation, which shows the booking.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, semearEmpresa, SEMENTE, APP_SECRET,
  envelopeWhatsApp, postarWebhook, PASTA_CAPTURAS,
} from './harness.js';

const PID = '108877665544';
const CLIENTE = '5511987654321';
const CELULAR = { width: 375, height: 740 };
const PASTA = join(PASTA_CAPTURAS, 'telas');

/** Calls the API with the page's session (cookie + CSRF header). */
async function api(page, metodo, caminho, corpo) {
  return page.evaluate(async ([m, c, b]) => {
    const r = await fetch(c, { method: m, headers: { 'Content-Type': 'application/json', 'X-HelixAI-CSRF': '1' }, body: b ? JSON.stringify(b) : undefined });
    return { status: r.status, corpo: await r.text() };
  }, [metodo, caminho, corpo]);
}

/** Waits until the fake Graph API received `n` text messages; returns the last one's text. */
async function esperarEnvios(srv, n) {
  const limite = Date.now() + 20000;
  const textos = () => srv.graph.enviadas.map((e) => JSON.parse(e.corpo)).filter((c) => c.type === 'text').map((c) => c.text.body);
  while (textos().length < n) {
    if (Date.now() > limite) throw new Error(`só ${textos().length} de ${n} respostas: ${textos().join(' | ')}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return textos()[n - 1];
}

const amanha = () => { const d = new Date(Date.now() + 86400000); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; };

describe('agendamentos', () => {
  let srv;
  let nav;
  before(async () => { srv = await iniciarServidor({ semear: semearEmpresa }); nav = await abrirNavegador(); mkdirSync(PASTA, { recursive: true }); });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); });

  test('um cliente agenda pelo WhatsApp e a equipe vê o alerta e o agendamento (1280 px)', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/agendamentos')) return;
    if (!srv.comSegredo) { t.skip('este binário não aceita --whatsapp-app-secret'); return; }
    await comPagina(nav, 'agendamento pelo whatsapp', async (page) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      let r = await api(page, 'PUT', '/api/whatsapp', { phone_number_id: PID, token: 'token-e2e', app_secret: APP_SECRET });
      assert.equal(r.status, 200, r.corpo);
      r = await api(page, 'POST', '/api/catalogo', { nome: 'Chevrolet Onix LT 2020', preco_centavos: 6590000, atributos: { marca: 'Chevrolet', modelo: 'Onix', ano: 2020, km: 42000 } });
      assert.equal(r.status, 201, r.corpo);
      const diz = async (n, texto) => {
        const corpo = envelopeWhatsApp({ phoneNumberId: PID, de: CLIENTE, nome: 'Marcos Silva', texto, wamid: `wamid.AG-${n}` });
        const w = await postarWebhook(srv.url, corpo);
        assert.equal(w.status, 200);
        return esperarEnvios(srv, n);
      };
      assert.match(await diz(1, 'quanto custa o onix?'), /65\.900,00[\s\S]*com quem eu falo/);
      assert.match(await diz(2, 'sou o Marcos'), /^Prazer, Marcos!/);
      const opcoes = await diz(3, 'sim');
      const primeira = opcoes.split('\n').find((l) => l.startsWith('1) ')).slice(3);
      assert.match(await diz(4, 'o primeiro'), new RegExp(`^Pronto, Marcos![\\s\\S]*${primeira}`));

      await page.goto(`${srv.url}/painel`);
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      await menu.getByRole('link', { name: /Agendamentos.*1/ }).waitFor();
      await menu.getByRole('link', { name: /Agendamentos/ }).click();
      const cartao = page.locator('.agendamento').filter({ hasText: 'Marcos' });
      await cartao.waitFor();
      assert.match(await cartao.innerText(), /agendado pelo bot/);
      assert.match(await cartao.innerText(), /Chevrolet Onix LT 2020/);
      await cartao.getByText('novo').waitFor();
      await menu.getByRole('link', { name: 'Agendamentos', exact: true }).waitFor();
      await cartao.getByRole('button', { name: /^Confirmar/ }).click();
      await page.locator('.agendamento').filter({ hasText: 'Marcos' }).getByText('Confirmado').waitFor();
      await page.screenshot({ path: join(PASTA, 'desktop-agendamentos.png'), fullPage: true });

      // The staff books a customer who called, moves it and cancels it.
      await page.getByRole('button', { name: 'Novo agendamento' }).click();
      let dlg = page.getByRole('dialog');
      await dlg.getByLabel('Cliente').fill('Carla Mendes');
      await dlg.getByLabel('Data').fill(amanha());
      await dlg.getByLabel('Hora').fill('16:00');
      await dlg.getByLabel('Observação').fill('ligou na loja');
      await dlg.getByRole('button', { name: 'Salvar agendamento' }).click();
      await dlg.waitFor({ state: 'detached' });
      const carla = page.locator('.agendamento').filter({ hasText: 'Carla Mendes' });
      await carla.waitFor();
      assert.match(await carla.innerText(), /16:00/);
      await carla.getByRole('button', { name: /^Editar/ }).click();
      dlg = page.getByRole('dialog');
      await dlg.getByLabel('Hora').fill('17:00');
      await dlg.getByRole('button', { name: 'Salvar agendamento' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.locator('.agendamento').filter({ hasText: 'Carla Mendes' }).getByText('17:00').waitFor();
      await page.locator('.agendamento').filter({ hasText: 'Carla Mendes' }).getByRole('button', { name: /^Realizado/ }).click();
      await page.locator('.agendamento.realizado').filter({ hasText: 'Carla Mendes' }).waitFor();
      // Two at the same time are refused (one visit at a time by default); the staff cancels instead.
      await page.getByRole('button', { name: 'Novo agendamento' }).click();
      dlg = page.getByRole('dialog');
      await dlg.getByLabel('Cliente').fill('Diego Rocha');
      await dlg.getByLabel('Data').fill(amanha());
      await dlg.getByLabel('Hora').fill('11:00');
      await dlg.getByRole('button', { name: 'Salvar agendamento' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Novo agendamento' }).click();
      dlg = page.getByRole('dialog');
      await dlg.getByLabel('Cliente').fill('Outra Pessoa');
      await dlg.getByLabel('Data').fill(amanha());
      await dlg.getByLabel('Hora').fill('11:30');
      await dlg.getByRole('button', { name: 'Salvar agendamento' }).click();
      await dlg.getByRole('alert').filter({ hasText: 'já está ocupado' }).waitFor();
      await dlg.getByRole('button', { name: 'Cancelar' }).click();
      await page.locator('.agendamento').filter({ hasText: 'Diego Rocha' }).getByRole('button', { name: /^Cancelar/ }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Cancelar agendamento' }).click();
      await page.locator('.agendamento.cancelado').filter({ hasText: 'Diego Rocha' }).waitFor();
      // Day view.
      await page.getByRole('button', { name: 'Dia', exact: true }).click();
      await page.getByRole('button', { name: 'Dia', exact: true, pressed: true }).waitFor();
    });
  });

  test('o atendente usa a agenda no celular (375 px) e chega à conversa', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/agendamentos')) return;
    const ctx = await nav.newContext({ viewport: CELULAR, locale: 'pt-BR', isMobile: true, hasTouch: true });
    await comPagina(nav, 'agendamentos celular', async (page) => {
      await entrar(page, srv.url, SEMENTE.atendente.email, SEMENTE.atendente.senha);
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: /Agendamentos/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Agendamentos' }).waitFor();
      await page.getByRole('button', { name: 'Novo agendamento' }).click();
      const dlg = page.getByRole('dialog');
      await dlg.getByLabel('Cliente').fill('Rafael Costa');
      await dlg.getByLabel('Data').fill(amanha());
      await dlg.getByLabel('Hora').fill('09:00');
      await dlg.getByRole('button', { name: 'Salvar agendamento' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.locator('.agendamento').filter({ hasText: 'Rafael Costa' }).waitFor();
      const largura = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(largura <= CELULAR.width + 1, `rolagem lateral: ${largura}px`);
      await page.screenshot({ path: join(PASTA, 'celular-agendamentos.png'), fullPage: true });
      // The WhatsApp customer's booking links to the conversation, which shows it.
      if (srv.comSegredo) {
        await page.locator('.agendamento').filter({ hasText: 'Marcos' }).getByRole('link', { name: 'Ver conversa' }).click();
        const ficha = page.getByRole('region', { name: 'Conversa' }).locator('.ficha-conversa');
        await ficha.getByText(/📅 Visita/).waitFor();
        await ficha.getByText(/Interesse: .*Onix/).waitFor();
      }
    }, { contexto: ctx });
    await ctx.close();
  });
});
