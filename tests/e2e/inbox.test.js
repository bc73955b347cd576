// inbox.test.js — the inbox attendants live in, against the real server (signed webhooks in,
// the fake Graph API out), at 1280 px and at 375 px: an attendant's reply takes the conversa
// over and the bot stays silent; who sent each reply; Minhas / Não atribuídas; resolved and
// reopened by the customer; alerts (count in the tab title and the menu, sound, browser
// notification) when a customer asks for a person or a new conversa arrives; search over
// what was said (accent-insensitive), names and phones; quick replies typed as /atalho; tags;
// the CSV export; a reply being typed surviving a session expiry, with the open dialog closed.
// Screenshots go to screenshots/inbox/.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  iniciarServidor, abrirNavegador, comPagina, entrar, semearEmpresa, cli, SEMENTE, envelopeWhatsApp, postarWebhook, PASTA_CAPTURAS,
} from './harness.js';

const PNID = '104455667788';
const TAMANHOS = { desktop: { width: 1280, height: 900 }, celular: { width: 375, height: 760 } };
const PASTA = join(PASTA_CAPTURAS, 'inbox');
const DATA_HORA = /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/;

/** Counts the chimes and notifications the page makes (a stand-in for the speakers and the OS). */
function espioes() {
  window.__sons = 0;
  window.__notificacoes = [];
  const Original = window.AudioContext;
  if (Original) {
    window.AudioContext = class extends Original {
      createOscillator() { window.__sons += 1; return super.createOscillator(); }
    };
  }
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(titulo, opcoes) { window.__notificacoes.push({ titulo, corpo: opcoes && opcoes.body }); }
    close() {}
  };
}

let wamid = 0;
async function cliente(srv, de, nome, texto) {
  wamid += 1;
  const r = await postarWebhook(srv.url, envelopeWhatsApp({ phoneNumberId: PNID, de, nome, texto, wamid: `wamid.INBOX-${wamid}` }));
  assert.equal(r.status, 200, await r.text());
}

const textosEnviados = (srv) => srv.graph.enviadas.map((e) => { try { return JSON.parse(e.corpo).text?.body; } catch (err) { return null; } }).filter(Boolean);

async function esperar(condicao, oQue, ms = 15000) {
  const fim = Date.now() + ms;
  while (!(await condicao())) {
    if (Date.now() > fim) throw new Error(`tempo esgotado: ${oQue}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe('caixa de entrada com o servidor de verdade', () => {
  let srv;
  let nav;
  before(async () => {
    srv = await iniciarServidor({
      semear: (dir) => {
        semearEmpresa(dir);
        cli(dir, ['tenant', 'set', SEMENTE.slug, '--whatsapp-phone-number-id', PNID, '--whatsapp-token-stdin'], 'token-inbox-e2e\n');
      },
      extra: ['--debounce-ms', '200'],
    });
    nav = await abrirNavegador();
    mkdirSync(PASTA, { recursive: true });
  });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); });

  for (const [tam, viewport] of Object.entries(TAMANHOS)) {
    const n = tam === 'desktop' ? '1' : '2';
    const carla = { fone: `55119880${n}0001`, nome: `Carla ${tam}` };
    const davi = { fone: `55119880${n}0002`, nome: `Davi ${tam}` };

    test(`${tam}: a resposta do atendente assume a conversa, o bot se cala, alertas avisam e resolver reabre com o cliente`, async () => {
      const ctx = await nav.newContext({ viewport, locale: 'pt-BR', isMobile: tam === 'celular', hasTouch: tam === 'celular' });
      await ctx.addInitScript(espioes);
      await comPagina(nav, `inbox handoff ${tam}`, async (page) => {
        await entrar(page, srv.url, SEMENTE.atendente.email, SEMENTE.atendente.senha);
        await page.goto(`${srv.url}/painel/conversas`);
        await page.getByLabel('Tocar um som quando chegar um alerta').check();
        const lista = page.getByRole('list', { name: 'Conversas' });
        await lista.waitFor();
        await page.waitForTimeout(600); // the alerts' first look (nothing is announced from before)
        const enviadosAntes = textosEnviados(srv).length;

        // A new conversa: count in the title and the menu, a chime, a browser notification.
        await cliente(srv, carla.fone, carla.nome, 'Oi! Vi o *Onix 2020* no anúncio');
        const item = lista.getByRole('link').filter({ hasText: carla.nome });
        await item.waitFor({ timeout: 15000 });
        await esperar(async () => /^\(\d+\) Conversas — HelixAI$/.test(await page.title()), 'contagem no título');
        await esperar(async () => (await page.evaluate(() => window.__notificacoes.length)) >= 1, 'notificação do navegador');
        assert.ok(await page.evaluate(() => window.__sons) >= 2, 'o som tocou');
        assert.deepEqual(await page.evaluate(() => window.__notificacoes[0]), { titulo: 'Nova conversa no WhatsApp', corpo: carla.nome });
        if (tam === 'celular') await page.getByRole('button', { name: 'Menu' }).click();
        await page.getByRole('navigation', { name: 'Menu principal' }).locator('a[href="/painel/conversas"] .contador').waitFor();
        if (tam === 'celular') await page.getByRole('button', { name: 'Menu' }).click();
        await item.getByText('nova').waitFor();
        await esperar(() => textosEnviados(srv).length > enviadosAntes, 'o bot respondeu a primeira mensagem');

        // Opened: the count drops; the customer's *bold* is bold.
        const contagem = async () => Number((/^\((\d+)\)/.exec(await page.title()) || [0, 0])[1]);
        const antes = await contagem();
        await item.click();
        const fio = page.getByRole('region', { name: 'Conversa' });
        await fio.locator('.msg.entrada strong').filter({ hasText: 'Onix 2020' }).waitFor();
        assert.equal(await fio.locator('.msg.entrada').first().innerText().then((t) => t.includes('*')), false, 'no raw markers');
        assert.match(await fio.locator('.msg .meta').first().innerText(), DATA_HORA);
        await esperar(async () => (await contagem()) === antes - 1, 'a contagem do título cai depois de abrir');

        // Beto answers without pressing "Assumir": his reply takes over; it shows who sent it.
        await page.getByLabel('Resposta').fill(`Oi ${carla.nome}, aqui é o Beto!`);
        await page.getByRole('button', { name: 'Enviar', exact: true }).click();
        await fio.locator('.msg.saida').filter({ hasText: 'aqui é o Beto' }).getByText('Beto Atendente').waitFor();
        await page.getByRole('button', { name: 'Devolver ao bot' }).waitFor();
        await fio.getByText('com Beto Atendente').waitFor();
        await esperar(() => textosEnviados(srv).includes(`Oi ${carla.nome}, aqui é o Beto!`), 'a resposta saiu pela Graph API');
        const enviados = textosEnviados(srv).length;
        await cliente(srv, carla.fone, carla.nome, 'Qual o valor à vista?');
        await fio.getByText('Qual o valor à vista?').waitFor({ timeout: 15000 });
        await page.waitForTimeout(2500); // debounce 200 ms + a worker's poll: time enough for the bot to have spoken
        assert.equal(textosEnviados(srv).length, enviados, `o bot não fala por cima do atendente: ${textosEnviados(srv).slice(enviados)}`);
        await page.screenshot({ path: join(PASTA, `${tam}-atendente-assumiu.png`), fullPage: tam === 'desktop' });

        // Minhas / Não atribuídas.
        if (tam === 'celular') await page.getByRole('link', { name: '← Conversas' }).click();
        await page.getByLabel('Atribuição').selectOption('minhas');
        await lista.getByRole('link').filter({ hasText: carla.nome }).waitFor();
        await page.getByLabel('Atribuição').selectOption('nao_atribuidas');
        await esperar(async () => (await lista.getByRole('link').filter({ hasText: carla.nome }).count()) === 0, 'fora de "Não atribuídas"');
        await page.getByLabel('Atribuição').selectOption('');

        // A customer asking for a person: an alert of its own kind.
        await cliente(srv, davi.fone, davi.nome, 'quero falar com um atendente');
        await esperar(async () => (await page.evaluate(() => window.__notificacoes.map((x) => x.titulo))).includes('Cliente pediu um atendente'), 'alerta de pedido de atendente', 20000);
        await page.getByText(`${davi.nome} pediu um atendente`).first().waitFor();
        await lista.getByRole('link').filter({ hasText: davi.nome }).getByText('pediu atendente').waitFor();

        // Resolved: out of the open ones; the customer's next message reopens it as new (seen
        // from Davi's conversa: the one on screen is marked read as messages arrive).
        await lista.getByRole('link').filter({ hasText: carla.nome }).click();
        await page.getByRole('button', { name: 'Resolver' }).click();
        await page.getByRole('button', { name: 'Reabrir' }).waitFor();
        if (tam === 'celular') await page.getByRole('link', { name: '← Conversas' }).click();
        await esperar(async () => (await lista.getByRole('link').filter({ hasText: carla.nome }).count()) === 0, 'resolvida sai das abertas');
        await lista.getByRole('link').filter({ hasText: davi.nome }).click();
        await page.getByRole('button', { name: 'Devolver ao bot' }).waitFor();
        if (tam === 'celular') await page.getByRole('link', { name: '← Conversas' }).click();
        await cliente(srv, carla.fone, carla.nome, 'Esqueci de perguntar: tem garantia?');
        await lista.getByRole('link').filter({ hasText: carla.nome }).getByText('nova').waitFor({ timeout: 15000 });
        const largura = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(largura <= viewport.width + 1, `rolagem lateral: ${largura}px`);
        await page.screenshot({ path: join(PASTA, `${tam}-alertas-e-reaberta.png`), fullPage: tam === 'desktop' });
      }, { contexto: ctx });
      await ctx.close();
    });

    test(`${tam}: busca sem acento, resposta rápida, etiquetas, exportação e o rascunho sobrevive à sessão expirada`, async () => {
      const joao = { fone: `55219770${n}0003`, nome: `João Araújo ${tam}` };
      await cliente(srv, joao.fone, joao.nome, 'Vocês têm o Ônix 2020 à venda? Aceitam troca?');
      const ctx = await nav.newContext({ viewport, locale: 'pt-BR', acceptDownloads: true });
      await comPagina(nav, `inbox busca ${tam}`, async (page) => {
        await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
        await page.goto(`${srv.url}/painel/conversas`);
        const lista = page.getByRole('list', { name: 'Conversas' });
        const buscar = async (q) => {
          await page.getByLabel('Buscar').fill(q);
          await esperar(async () => (await lista.getByRole('link').filter({ hasText: joao.nome }).count()) === 1
            && (await lista.getByRole('link').count()) >= 1, `busca por ${q}`);
        };
        await buscar('voces tem');
        await lista.getByRole('link').filter({ hasText: joao.nome }).getByText('Vocês têm o Ônix 2020 à venda').waitFor();
        await buscar('ÔNIX');
        await buscar(`joao araujo ${tam}`);
        await buscar(joao.fone.slice(-8, -2));
        await page.getByLabel('Buscar').fill('"NEAR* OR');
        await lista.getByText('Nenhuma conversa com esses filtros.').waitFor();
        await page.getByLabel('Buscar').fill('');

        // Quick replies: an admin adds /horario; typing /hor offers it; Enter inserts it.
        await page.getByRole('button', { name: 'Configurações' }).click();
        const dlg = page.getByRole('dialog', { name: 'Configurações do atendimento' });
        await dlg.getByLabel('O bot volta a responder depois de').waitFor();
        if (tam === 'desktop') {
          await dlg.getByLabel('Atalho').fill('/horario');
          await dlg.getByLabel('Texto', { exact: true }).fill('Abrimos de *segunda a sábado*, das 8h às 18h.');
          await dlg.getByRole('button', { name: 'Adicionar resposta rápida' }).click();
          await dlg.getByText('/horario').waitFor();
          await dlg.getByLabel('O bot volta a responder depois de').selectOption('240');
          await page.getByText('Tempo salvo.').waitFor();
        } else {
          await dlg.getByText('/horario').waitFor();
          assert.equal(await dlg.getByLabel('O bot volta a responder depois de').inputValue(), '240', 'the desktop run saved 4 h');
        }
        await dlg.getByRole('button', { name: 'Fechar' }).click();
        await lista.getByRole('link').filter({ hasText: joao.nome }).click();
        const resposta = page.getByLabel('Resposta');
        await resposta.fill('Olá! /hor');
        const opcao = page.getByRole('listbox', { name: 'Sugestões de atalhos' }).getByRole('option', { name: /\/horario/ });
        await opcao.waitFor();
        assert.equal(await opcao.getAttribute('aria-selected'), 'true');
        await resposta.press('Enter');
        assert.equal(await resposta.inputValue(), 'Olá! Abrimos de *segunda a sábado*, das 8h às 18h.');
        await page.getByRole('button', { name: 'Enviar', exact: true }).click();
        const fio = page.getByRole('region', { name: 'Conversa' });
        await fio.locator('.msg.saida strong').filter({ hasText: 'segunda a sábado' }).waitFor();

        // A reply being typed when the session expires, with a dialog open.
        const url = page.url();
        await resposta.fill('Vou confirmar o valor da troca e já te respondo.');
        await page.getByRole('button', { name: 'Configurações' }).click();
        await page.getByRole('dialog').waitFor();
        await ctx.clearCookies();
        await page.getByText('Sua sessão expirou; entre novamente.').waitFor({ timeout: 15000 });
        assert.equal(await page.locator('dialog').count(), 0, 'nenhum diálogo fica sobre o login');
        await page.getByLabel('E-mail').fill(SEMENTE.admin.email);
        await page.getByLabel('Senha').fill(SEMENTE.admin.senha);
        await page.getByRole('button', { name: 'Entrar' }).click();
        await page.waitForURL(url);
        await esperar(async () => (await page.getByLabel('Resposta').inputValue()) === 'Vou confirmar o valor da troca e já te respondo.', 'o rascunho voltou');
        await page.screenshot({ path: join(PASTA, `${tam}-rascunho-restaurado.png`), fullPage: tam === 'desktop' });

        // Tags on the lead (reached from the conversa; on a phone its tab opens), then the
        // conversas filtered by one.
        await page.getByRole('link', { name: 'Ver lead' }).click();
        const cartao = page.locator('.lead').filter({ hasText: joao.nome });
        await cartao.waitFor();
        await cartao.getByText('Etiquetas', { exact: true }).click();
        await cartao.getByLabel(`Etiquetas de ${joao.nome}`).fill(`VIP ${tam}, troca`);
        await cartao.getByRole('button', { name: 'Salvar etiquetas' }).click();
        await page.locator('.lead').filter({ hasText: joao.nome }).locator('.selo.etiqueta').filter({ hasText: `VIP ${tam}` }).waitFor();
        await page.goto(`${srv.url}/painel/conversas`);
        await page.getByLabel('Etiqueta').selectOption({ label: `VIP ${tam} (1)` });
        await esperar(async () => (await lista.getByRole('link').count()) === 1, 'só a conversa com a etiqueta');
        await lista.getByRole('link').filter({ hasText: joao.nome }).getByText(`VIP ${tam}`).waitFor();

        // The CSV export opens in a Brazilian spreadsheet.
        await page.goto(`${srv.url}/painel/leads`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exportar CSV' }).click()]);
        const csv = readFileSync(await download.path(), 'utf8');
        assert.ok(csv.startsWith('\ufeff'), 'BOM');
        assert.ok(csv.includes('ID;Nome;Telefone;E-mail;Interesse;Orçamento (R$);Status;Etiquetas;Responsável;Notas;Criado em;Atualizado em\r\n'));
        assert.match(csv, new RegExp(`;${joao.nome};${joao.fone};;;;[^;]*;troca, VIP ${tam};`));
        assert.match(csv, DATA_HORA);
        const largura = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(largura <= viewport.width + 1, `rolagem lateral: ${largura}px`);
      }, { contexto: ctx });
      await ctx.close();
    });
  }
});
