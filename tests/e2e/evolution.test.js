// evolution.test.js — WhatsApp by QR code (Evolution API) in a real browser against the real
// server and a fake Evolution server (fake_evolution.js): the admin connects with a number
// (QR image + pairing code), the screen polls for fresh QRs until the phone is paired;
// the reseller's screen keeps the global key write-only and lists every connection;
// disconnecting, pairing reported by the connection.update webhook, deleting the instance;
// polling stops when the screen is left; and the QR section at 375 px.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, cli, semearEmpresa, SEMENTE, SUPERADMIN } from './harness.js';
import { fakeEvolution } from './fake_evolution.js';

const CHAVE = 'chave-global-evolution-e2e-7f3a';
const CHAVE_NOVA = 'chave-global-girada-e2e-91b2';
const NUMERO = '+55 11 98888-7777';
const CELULAR = { width: 375, height: 740 };

const menu = (page) => page.getByRole('navigation', { name: 'Menu principal' });
const secaoQr = (page) => page.getByRole('region', { name: 'WhatsApp por QR Code' });
const imagemQr = (page) => page.getByRole('img', { name: /QR Code para conectar o WhatsApp/ });

/** Waits until the QR <img> has really loaded the server's SVG (not a broken image). */
async function qrCarregado(page) {
  await imagemQr(page).waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('img.qr');
    return img && img.complete && img.naturalWidth > 0;
  });
}

/** Polls `cond` every 100 ms for up to 10 s. */
async function esperarAte(cond, oque) {
  const fim = Date.now() + 10000;
  while (!cond()) {
    if (Date.now() > fim) throw new Error(`não aconteceu em 10 s: ${oque}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function abrirWhatsApp(page, url, usuario) {
  await entrar(page, url, usuario.email, usuario.senha);
  await menu(page).getByRole('link', { name: 'WhatsApp', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'WhatsApp' }).waitFor();
}

describe('WhatsApp por QR Code (Evolution API)', () => {
  let srv;
  let nav;
  let evo;
  let instancia;

  before(async () => {
    evo = await fakeEvolution({ chaveGlobal: CHAVE, abrirApos: 3 });
    srv = await iniciarServidor({ semear: semearEmpresa });
    nav = await abrirNavegador();
    // The public URL is only known once the server listens on its port 0.
    cli(srv.dataDir, ['evolution', 'config', '--url', evo.url, '--public-url', srv.url, '--key-stdin'], `${CHAVE}\n`);
  });
  after(async () => {
    if (nav) await nav.close();
    if (srv) await srv.parar();
    if (evo) await evo.parar();
  });

  test('o admin conecta com número: QR e código de pareamento, QR novo a cada consulta, depois Conectado', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/whatsapp/conectar')) return;
    await comPagina(nav, 'evolution conectar', async (page) => {
      await abrirWhatsApp(page, srv.url, SEMENTE.admin);
      const cloud = page.getByRole('radio', { name: 'API oficial (Meta Cloud API)' });
      assert.equal(await cloud.isChecked(), true, 'canal inicial: API oficial');
      await page.getByLabel('Phone number ID (Meta)').waitFor();
      await page.getByRole('radio', { name: 'QR Code (WhatsApp do celular)' }).check();
      const qr = secaoQr(page);
      await qr.getByText('Desconectado').waitFor();
      assert.equal(await page.getByLabel('Phone number ID (Meta)').isVisible(), false, 'a seção da API oficial some');

      await qr.getByLabel('Número do WhatsApp (opcional)').fill(NUMERO);
      await qr.getByRole('button', { name: 'Conectar', exact: true }).click();
      await qrCarregado(page);
      await qr.getByText('ABCD-1234').waitFor();
      await qr.getByText('Aguardando leitura do QR').waitFor();
      await qr.getByText('Aparelhos conectados → Conectar um aparelho').waitFor();

      // What Evolution received: the instance, created with the global key, our webhook and token.
      const [criar] = evo.pedidosPara('/instance/create');
      assert.ok(criar, 'POST /instance/create');
      assert.equal(criar.apikey, CHAVE);
      instancia = criar.corpo.instanceName;
      assert.match(instancia, /^helixai-\d+-loja-semente$/);
      assert.equal(criar.corpo.number, '5511988887777');
      assert.ok(criar.corpo.webhook.url.startsWith(`${srv.url}/webhook/evolution/`), criar.corpo.webhook.url);
      assert.equal(criar.corpo.webhook.headers['x-helixai-token'], criar.corpo.token);

      // Polling asks for a fresh QR every 3 s: the image is replaced…
      const primeiro = await imagemQr(page).getAttribute('src');
      await page.waitForFunction((antes) => document.querySelector('img.qr').getAttribute('src') !== antes, primeiro, { timeout: 10000 });
      await qrCarregado(page);
      // …and once the fake reports `open`, the screen says so without reloading.
      await qr.getByText('Conectado', { exact: true }).waitFor({ timeout: 20000 });
      assert.equal(await imagemQr(page).isVisible(), false, 'sem QR depois de conectar');
      assert.equal(await qr.getByRole('button', { name: 'Conectar', exact: true }).isVisible(), false);
      await qr.getByRole('button', { name: 'Desconectar' }).waitFor();
      await qr.getByRole('button', { name: 'Excluir instância' }).waitFor();
      assert.match(await page.getByRole('status').filter({ hasText: 'saem agora por' }).innerText(), /QR Code \(WhatsApp do celular\)/);

      const conexoes = evo.pedidosPara(`/instance/connect/${instancia}`);
      assert.ok(conexoes.length >= 3, `consultas ao Evolution: ${conexoes.length}`);
      assert.ok(evo.pedidos.every((p) => p.chaveOk), JSON.stringify(evo.pedidos.filter((p) => !p.chaveOk)));
    });
  });

  test('a revenda configura o Evolution na tela nova (a chave nunca volta em claro) e vê a conexão da empresa', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/admin/evolution')) return;
    await comPagina(nav, 'evolution revenda', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await menu(page).getByRole('link', { name: 'WhatsApp (QR Code)', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'WhatsApp (QR Code)' }).waitFor();
      assert.equal(await page.getByLabel('URL do Evolution').inputValue(), evo.url);
      assert.equal(await page.getByLabel('URL pública deste servidor').inputValue(), srv.url);
      const chave = page.getByLabel('Chave global (AUTHENTICATION_API_KEY)');
      assert.equal(await chave.inputValue(), '');
      await page.getByText(`Atual: ••••${CHAVE.slice(-4)}`).waitFor();
      await page.getByText('Configurado', { exact: true }).waitFor();

      // Every empresa's connection: the one paired in the previous test.
      const linha = page.getByRole('row').filter({ hasText: SEMENTE.nome });
      await linha.getByText('Conectado', { exact: true }).waitFor();
      if (instancia) await linha.getByText(instancia).waitFor();

      // A bad URL is refused with the server's pt-BR message.
      await page.getByLabel('URL do Evolution').fill('http://evolution.local/?versao=2');
      await page.getByRole('button', { name: 'Salvar configuração' }).click();
      await page.getByRole('alert').filter({ hasText: /URL/ }).waitFor();
      await page.getByLabel('URL do Evolution').fill(evo.url);

      // The reseller rotates the server's global key.
      evo.chaveGlobal = CHAVE_NOVA;
      await chave.fill(CHAVE_NOVA);
      await page.getByRole('button', { name: 'Salvar configuração' }).click();
      await page.getByText('Configuração do Evolution salva.').waitFor();
      await page.getByText(`Atual: ••••${CHAVE_NOVA.slice(-4)}`).waitFor();
      assert.equal(await chave.inputValue(), '', 'o campo da chave é esvaziado');
      const html = await page.content();
      assert.ok(!html.includes(CHAVE_NOVA) && !html.includes(CHAVE), 'a chave nunca aparece na página');
      const api = await page.evaluate(async () => (await fetch('/api/admin/evolution')).text());
      assert.ok(!api.includes(CHAVE_NOVA) && !api.includes(CHAVE), `a API não devolve a chave: ${api}`);

      // The empresa's name leads to its WhatsApp screen (the superadmin acting inside it).
      await linha.getByRole('link', { name: SEMENTE.nome }).click();
      await page.getByText(`Você está na área da empresa “${SEMENTE.nome}”`).waitFor();
      await secaoQr(page).getByText('Conectado', { exact: true }).waitFor();
      assert.equal(await page.getByRole('radio', { name: 'QR Code (WhatsApp do celular)' }).isChecked(), true);

      // The empresas list shows the channel and the state too.
      await menu(page).getByRole('link', { name: 'Empresas', exact: true }).click();
      await page.getByRole('row').filter({ hasText: SEMENTE.nome }).filter({ hasText: 'QR Code' }).getByText('Conectado').waitFor();
    });
  });

  test('desconectar, reconectar (o webhook connection.update traz o número), sair da tela para as consultas e excluir a instância', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/whatsapp/desconectar')) return;
    assert.ok(instancia, 'a instância foi criada no primeiro teste');
    evo.abrirApos = Infinity; // this time the phone is paired only when the test says so
    await comPagina(nav, 'evolution desconectar webhook excluir', async (page) => {
      await abrirWhatsApp(page, srv.url, SEMENTE.admin);
      const qr = secaoQr(page);
      assert.equal(await page.getByRole('radio', { name: 'QR Code (WhatsApp do celular)' }).isChecked(), true);
      await qr.getByText('Conectado', { exact: true }).waitFor();

      await qr.getByRole('button', { name: 'Desconectar' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Desconectar' }).click();
      await qr.getByText('Desconectado', { exact: true }).waitFor();
      await qr.getByText('desconectado pelo painel').waitFor();
      const [logout] = evo.pedidosPara(`/instance/logout/${instancia}`);
      assert.ok(logout && logout.chaveOk, 'DELETE /instance/logout com o token da instância');

      await qr.getByLabel('Número do WhatsApp (opcional)').fill('5511988887777');
      await qr.getByRole('button', { name: 'Conectar', exact: true }).click();
      await qrCarregado(page);
      await qr.getByText('EFGH-5678').waitFor();

      // Leaving the screen stops the polling (no timer left running on another screen).
      const consultas = () => evo.pedidosPara(`/instance/connect/${instancia}`).length;
      const aoConectar = consultas();
      await esperarAte(() => consultas() > aoConectar, 'o QR é renovado enquanto se espera a leitura');
      await menu(page).getByRole('link', { name: 'Conversas', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Conversas' }).waitFor();
      await page.waitForTimeout(500);
      const antes = consultas();
      await page.waitForTimeout(7000);
      assert.equal(consultas(), antes, 'nenhuma consulta ao Evolution depois de sair da tela');

      await menu(page).getByRole('link', { name: 'WhatsApp', exact: true }).click();
      await qr.getByText('Aguardando leitura do QR').waitFor();
      // The phone scans; Evolution reports it through the webhook, with the number.
      evo.parear(instancia);
      const r = await evo.postarWebhook(instancia, 'connection.update',
        { instance: instancia, state: 'open', statusReason: 200, wuid: '5511988887777@s.whatsapp.net' });
      assert.equal(r.status, 200, `webhook: ${await r.text()}`);
      await qr.getByText('Conectado', { exact: true }).waitFor({ timeout: 15000 });
      await qr.getByText(NUMERO).waitFor({ timeout: 15000 });

      await qr.getByRole('button', { name: 'Excluir instância' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Excluir instância' }).click();
      await qr.getByText('Desconectado', { exact: true }).waitFor();
      await qr.getByRole('button', { name: 'Excluir instância' }).waitFor({ state: 'hidden' });
      await qr.getByRole('button', { name: 'Conectar', exact: true }).waitFor();
      const [excluir] = evo.pedidosPara(`/instance/delete/${instancia}`);
      assert.ok(excluir, 'DELETE /instance/delete');
      assert.equal(excluir.apikey, CHAVE_NOVA, 'com a chave global nova');
      assert.equal(evo.instancias.has(instancia), false);
      assert.ok(evo.pedidos.every((p) => p.chaveOk), JSON.stringify(evo.pedidos.filter((p) => !p.chaveOk)));

      // Back to Meta's Cloud API for the replies.
      await page.getByRole('radio', { name: 'API oficial (Meta Cloud API)' }).check();
      await page.getByRole('button', { name: 'Usar a API oficial para as respostas' }).click();
      await page.getByRole('status').filter({ hasText: 'saem agora por: API oficial (Meta Cloud API)' }).waitFor();
      const w = await page.evaluate(async () => (await fetch('/api/whatsapp')).json());
      assert.equal(w.canal, 'cloud');
    });
  });

  test('a 375 px a seção do QR Code e a tela da revenda não rolam para o lado', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/whatsapp/conectar')) return;
    const semRolagemLateral = async (page) => {
      const largura = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(largura <= CELULAR.width + 1, `rolagem lateral: ${largura}px`);
    };
    await comPagina(nav, 'evolution celular', async (page) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      await page.goto(`${srv.url}/painel/whatsapp`);
      await page.getByRole('radio', { name: 'QR Code (WhatsApp do celular)' }).check();
      const qr = secaoQr(page);
      await qr.getByLabel('Número do WhatsApp (opcional)').fill(NUMERO);
      await qr.getByRole('button', { name: 'Conectar', exact: true }).click();
      await qrCarregado(page);
      await qr.getByText('ABCD-1234').waitFor();
      const caixa = await imagemQr(page).boundingBox();
      assert.ok(caixa.width >= 150 && caixa.x >= 0 && caixa.x + caixa.width <= CELULAR.width, `QR: ${JSON.stringify(caixa)}`);
      await semRolagemLateral(page);
    }, { viewport: CELULAR });
    await comPagina(nav, 'evolution celular revenda', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await page.goto(`${srv.url}/revenda/evolution`);
      await page.getByRole('row').filter({ hasText: SEMENTE.nome }).getByText('Aguardando leitura do QR').waitFor();
      await semRolagemLateral(page);
    }, { viewport: CELULAR });
  });
});
