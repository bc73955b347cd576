// painel.test.js — the panel's main flows in a real browser: the reseller creates an empresa
// and its admin; the admin fills the catalog, tests the bot, works the inbox (take over,
// reply) and sees a signed WhatsApp webhook arrive without reloading; an atendente sees no
// reseller menus and gets 403 from the reseller API.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, semearEmpresa, SEMENTE, SUPERADMIN,
  APP_SECRET, envelopeWhatsApp, postarWebhook,
} from './harness.js';

const NOVA = { nome: 'Feirão E2E', slug: 'feirao-e2e', admin: { nome: 'Carla Admin', email: 'carla@feirao.test', senha: 'senha-carla-123' } };
const VEICULO = { nome: 'Chevrolet Onix LT 2020', preco: '65.900,00', marca: 'Chevrolet', modelo: 'Onix', ano: '2020', km: '42000' };
const PHONE_NUMBER_ID = '109988776655';

describe('painel: revenda, empresa e atendente', () => {
  let srv;
  let nav;
  // The admin the empresa flows use: the one the reseller creates in the UI, or the CLI-seeded
  // one when this binary cannot create empresas over the API yet.
  let admin = SEMENTE.admin;

  before(async () => {
    srv = await iniciarServidor({ semear: semearEmpresa });
    nav = await abrirNavegador();
  });
  after(async () => {
    if (nav) await nav.close();
    if (srv) await srv.parar();
  });

  test('login: senha errada mostra mensagem clara em pt-BR', async () => {
    await comPagina(nav, 'login senha errada', async (page) => {
      await page.goto(`${srv.url}/login`);
      await page.getByLabel('E-mail').fill(SUPERADMIN.email);
      await page.getByLabel('Senha').fill('senha-errada');
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.getByRole('alert').filter({ hasText: 'E-mail ou senha incorretos' }).waitFor();
    });
  });

  test('superadmin entra e vê o menu da revenda', async () => {
    await comPagina(nav, 'superadmin menu', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      for (const item of ['Empresas', 'Planos', 'Assinaturas e pagamentos', 'Auditoria', 'Sistema']) {
        await menu.getByRole('link', { name: item }).waitFor();
      }
      assert.equal(new URL(page.url()).pathname, '/revenda/empresas');
    });
  });

  test('superadmin cria uma empresa de veículos e o admin dela', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/admin/empresas')) return;
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/admin/usuarios')) return;
    await comPagina(nav, 'superadmin cria empresa', async (page) => {
      await entrar(page, srv.url, SUPERADMIN.email, SUPERADMIN.senha);
      await page.getByRole('button', { name: 'Nova empresa' }).click();
      const dlg = page.getByRole('dialog');
      await dlg.getByLabel('Nome da empresa').fill(NOVA.nome);
      assert.equal(await dlg.getByLabel('Identificador (slug)').inputValue(), NOVA.slug, 'slug sugerido a partir do nome');
      await dlg.getByLabel('Setor').selectOption('veiculos');
      await dlg.getByRole('button', { name: 'Criar empresa' }).click();
      await dlg.waitFor({ state: 'detached' });
      await page.getByRole('row').filter({ hasText: NOVA.nome }).filter({ hasText: 'Veículos' }).waitFor();
      // Its admin, from the reseller's Usuários screen.
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Usuários' }).click();
      await page.getByRole('button', { name: 'Novo usuário' }).click();
      const u = page.getByRole('dialog');
      await u.getByLabel('Nome').fill(NOVA.admin.nome);
      await u.getByLabel('E-mail').fill(NOVA.admin.email);
      await u.getByLabel('Papel').selectOption('admin');
      await u.getByLabel('Empresa').selectOption({ label: NOVA.nome });
      await u.getByLabel('Senha inicial').fill(NOVA.admin.senha);
      await u.getByRole('button', { name: 'Criar usuário' }).click();
      await u.waitFor({ state: 'detached' });
      await page.getByRole('row').filter({ hasText: NOVA.admin.email }).filter({ hasText: NOVA.nome }).waitFor();
      // "Abrir área" reaches the empresa's own screens (audited on the server).
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Empresas' }).click();
      await page.getByRole('link', { name: `Abrir área da empresa ${NOVA.nome}` }).click();
      await page.getByText(`Você está na área da empresa “${NOVA.nome}”`).waitFor();
    });
    // The new admin can log in.
    await comPagina(nav, 'novo admin entra', async (page) => {
      await entrar(page, srv.url, NOVA.admin.email, NOVA.admin.senha);
      assert.equal(new URL(page.url()).pathname, '/painel');
    });
    admin = NOVA.admin;
  });

  test('o admin entra e cadastra um veículo no catálogo', async () => {
    await comPagina(nav, 'admin cadastra veiculo', async (page) => {
      await entrar(page, srv.url, admin.email, admin.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Catálogo', exact: true }).click();
      await page.getByRole('button', { name: 'Novo item' }).click();
      const dlg = page.getByRole('dialog');
      await dlg.getByLabel('Nome', { exact: true }).fill(VEICULO.nome);
      await dlg.getByLabel('Preço (R$)').fill(VEICULO.preco);
      await dlg.getByLabel('Marca').fill(VEICULO.marca);
      await dlg.getByLabel('Modelo').fill(VEICULO.modelo);
      await dlg.getByLabel('Ano').fill(VEICULO.ano);
      await dlg.getByLabel('Quilometragem (km)').fill(VEICULO.km);
      await dlg.getByLabel('Câmbio').selectOption('automatico');
      await dlg.getByRole('button', { name: 'Salvar item' }).click();
      await dlg.waitFor({ state: 'detached' });
      const linha = page.getByRole('row').filter({ hasText: VEICULO.nome });
      await linha.waitFor();
      assert.match(await linha.innerText(), /R\$\s*65\.900,00/);
    });
  });

  test('"Testar bot" responde sobre o veículo com o preço e mostra por quê', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/bot/simular')) return;
    await comPagina(nav, 'testar bot', async (page) => {
      await entrar(page, srv.url, admin.email, admin.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Bot', exact: true }).click();
      await page.getByLabel('Mensagem').fill('Olá! Vocês têm o Onix 2020? Qual o preço?');
      await page.getByRole('button', { name: 'Enviar ao bot' }).click();
      const resposta = page.locator('.resposta-bot').first();
      await resposta.waitFor({ timeout: 20000 });
      assert.match(await resposta.innerText(), /65\.900/, 'a resposta traz o preço do catálogo');
      // The bot's *Chevrolet Onix LT 2020* is bold, not asterisks.
      assert.equal(await resposta.locator('strong').first().innerText(), VEICULO.nome);
      assert.doesNotMatch(await resposta.innerText(), /\*/);
      await resposta.getByText('Por que esta resposta?').click();
      const porque = resposta.locator('.porque');
      assert.match(await porque.innerText(), /Intenção: busca/);
      assert.match(await porque.innerText(), /buscar_catalogo/);
      assert.match(await porque.innerText(), /Itens encontrados: Chevrolet Onix LT 2020/);
      // A follow-up in the same test conversation understands the first message.
      await page.getByLabel('Mensagem').fill('qual a km dele?');
      await page.getByRole('button', { name: 'Enviar ao bot' }).click();
      await page.locator('.resposta-bot').nth(1).filter({ hasText: /42\.000 km/ }).waitFor({ timeout: 20000 });
      await page.getByLabel('Mensagem').fill('meu nome é Paula');
      await page.getByRole('button', { name: 'Enviar ao bot' }).click();
      await page.getByLabel('Ficha do cliente de teste').getByText('Nome: Paula').waitFor();
      await page.getByRole('button', { name: 'Nova conversa de teste' }).click();
      await page.locator('.resposta-bot').first().waitFor({ state: 'detached' });
      assert.equal(await page.locator('.resposta-bot').count(), 0);
    });
  });

  test('o "Testar bot" não cria conversa nem lead', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/conversas')) return;
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/bot/simular')) return;
    await comPagina(nav, 'simulador sem conversa', async (page) => {
      await entrar(page, srv.url, admin.email, admin.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Conversas', exact: true }).click();
      await page.getByRole('list', { name: 'Conversas' }).getByText('Nenhuma conversa aberta').waitFor();
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Leads', exact: true }).click();
      await page.getByText('Nenhum lead ainda').waitFor();
    });
  });

  test('um webhook do WhatsApp aparece na caixa sem recarregar; o admin assume e responde', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'PUT', '/api/whatsapp')) return;
    if (await faltaEndpoint(t, srv.url, 'POST', '/webhook/whatsapp')) return;
    if (await faltaEndpoint(t, srv.url, 'POST', '/api/conversas/1/responder')) return;
    await comPagina(nav, 'webhook assumir responder', async (page) => {
      await entrar(page, srv.url, admin.email, admin.senha);
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'WhatsApp', exact: true }).click();
      await page.getByLabel('Phone number ID (Meta)').fill(PHONE_NUMBER_ID);
      await page.getByLabel('Número do WhatsApp').fill('+55 11 99999-0000');
      await page.getByLabel('Token de acesso').fill('token-de-teste-e2e');
      await page.getByLabel('App secret').fill(APP_SECRET);
      await page.getByRole('button', { name: 'Salvar WhatsApp' }).click();
      await page.getByText('Configuração do WhatsApp salva.').waitFor();
      assert.equal(await page.getByText('token-de-teste-e2e').count(), 0, 'o token nunca aparece');
      await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Conversas', exact: true }).click();
      await page.getByRole('list', { name: 'Conversas' }).waitFor();
      await page.evaluate(() => { window.semRecarregar = 'sim'; });
      const corpo = envelopeWhatsApp({ phoneNumberId: PHONE_NUMBER_ID, de: '5511988887777', nome: 'Cliente Webhook', texto: 'Oi, vi o Onix no anúncio', wamid: 'wamid.E2E-1' });
      const r = await postarWebhook(srv.url, corpo);
      assert.equal(r.status, 200, `webhook: ${await r.text()}`);
      // The bot may already have answered, so look for the contact (name or number), not the preview.
      const item = page.getByRole('list', { name: 'Conversas' }).getByRole('link').filter({ hasText: /Cliente Webhook|7777/ }).first();
      await item.waitFor({ timeout: 15000 });
      assert.equal(await page.evaluate(() => window.semRecarregar), 'sim', 'a página não foi recarregada');
      await item.click();
      const fio = page.getByRole('region', { name: 'Conversa' });
      await fio.getByText('Oi, vi o Onix no anúncio').waitFor();
      await page.getByRole('button', { name: 'Assumir conversa' }).click();
      await page.getByRole('button', { name: 'Devolver ao bot' }).waitFor();
      await page.getByLabel('Resposta').fill('Oi! Aqui é a Carla, vendedora. Posso te ajudar com o Onix?');
      await page.getByRole('button', { name: 'Enviar', exact: true }).click();
      await fio.locator('.msg.saida').filter({ hasText: 'Aqui é a Carla' }).waitFor();
      // It goes out through the sending path (the fake Graph API) and the thread shows it sent.
      await fio.locator('.msg.saida[data-status="enviada"], .msg.saida[data-status="entregue"]').filter({ hasText: 'Aqui é a Carla' }).waitFor({ timeout: 20000 });
      assert.ok(srv.graph.enviadas.some((e) => e.corpo.includes('Aqui é a Carla')), 'a resposta chegou à Graph API');
      await page.getByRole('button', { name: 'Devolver ao bot' }).click();
      await page.getByRole('button', { name: 'Assumir conversa' }).waitFor();
    });
  });

  test('o admin abre todas as telas da empresa sem erro', async (t) => {
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/relatorios')) return;
    await comPagina(nav, 'admin todas as telas', async (page) => {
      await entrar(page, srv.url, admin.email, admin.senha);
      for (const [caminho, titulo] of [['/painel', /^Painel/], ['/painel/conversas', 'Conversas'], ['/painel/leads', 'Leads'],
        ['/painel/agendamentos', 'Agendamentos'], ['/painel/catalogo', 'Catálogo'], ['/painel/bot', 'Bot'], ['/painel/whatsapp', 'WhatsApp'], ['/painel/usuarios', 'Usuários']]) {
        await page.goto(srv.url + caminho);
        await page.getByRole('heading', { level: 1, name: titulo }).waitFor();
        await page.waitForLoadState('networkidle');
        const erros = await page.locator('main .alerta').allInnerTexts();
        assert.deepEqual(erros, [], `${caminho}: ${erros.join(' | ')}`);
      }
    });
  });

  test('o atendente não vê menus da revenda nem telas de admin e recebe 403', async (t) => {
    await comPagina(nav, 'atendente sem revenda', async (page) => {
      await entrar(page, srv.url, SEMENTE.atendente.email, SEMENTE.atendente.senha);
      const menu = page.getByRole('navigation', { name: 'Menu principal' });
      await menu.getByRole('link', { name: 'Conversas' }).waitFor();
      for (const proibido of ['Empresas', 'Planos', 'Sistema', 'Auditoria', 'Bot', 'WhatsApp', 'Usuários']) {
        assert.equal(await menu.getByRole('link', { name: proibido, exact: true }).count(), 0, `menu sem ${proibido}`);
      }
      await page.goto(`${srv.url}/revenda/empresas`);
      await page.waitForURL(`${srv.url}/painel`);
      const status = await page.evaluate(async () => (await fetch('/api/admin/empresas')).status);
      if (status === 404 && await faltaEndpoint(t, srv.url, 'GET', '/api/admin/empresas')) return;
      assert.equal(status, 403);
    });
  });
});
