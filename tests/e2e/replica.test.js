// replica.test.js — the off-site replica on Revenda → Backups in a real browser, against the
// real server and a real S3-protocol server (moto, from the venv .ci/run installs): off at
// first; an unreachable endpoint refused in pt-BR; configured (the replica key shown once,
// the keys write-only and masked); "Em dia" once shipped, the empresa's catalog photo among the
// media copied; the bucket going away shows the error; at 1280 px and 375 px (no sideways
// scrolling), screenshots in screenshots/telas/.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iniciarServidor, abrirNavegador, comPagina, entrar, faltaEndpoint, semearEmpresa, SUPERADMIN, SEMENTE, PASTA_CAPTURAS } from './harness.js';

const PYTHON = process.env.HELIXAI_MOTO_PYTHON || join(homedir(), '.cache', 'helixai-moto-venv', 'bin', 'python');
const ESTRITO = process.env.HELIXAI_E2E_STRICT === '1';
const CHAVE_ACESSO = 'AKIAE2EREPLICA000001';
const SEGREDO = 'segredo-do-bucket-e2e-123456';
const CELULAR = { width: 375, height: 740 };
const PASTA = join(PASTA_CAPTURAS, 'telas');
const FOTO = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'media', 'foto.jpg'));

function portaLivre() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Starts moto on a free port with the bucket created. */
async function iniciarMoto() {
  const porta = await portaLivre();
  const proc = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(porta)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${porta}`;
  const fim = Date.now() + 30000;
  for (;;) {
    try { const r = await fetch(`${url}/backups-e2e`, { method: 'PUT' }); if (r.ok) break; } catch { /* not up yet */ }
    if (Date.now() > fim) throw new Error('moto não subiu em 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, parar: () => proc.kill('SIGKILL') };
}

const secao = (page) => page.getByRole('region', { name: 'Cópia externa (S3)' });

async function abrirBackups(page, url) {
  await entrar(page, url, SUPERADMIN.email, SUPERADMIN.senha);
  await page.goto(`${url}/revenda/backups`);
  await page.getByRole('heading', { level: 1, name: 'Backups' }).waitFor();
}

describe('cópia externa (S3)', () => {
  let srv;
  let nav;
  let moto;
  before(async () => {
    if (!existsSync(PYTHON)) {
      if (ESTRITO) throw new Error(`moto não instalado em ${PYTHON} (.ci/run instala)`);
      return;
    }
    moto = await iniciarMoto();
    srv = await iniciarServidor({ semear: semearEmpresa, extra: ['--replica-interval', '1s'] });
    nav = await abrirNavegador();
    mkdirSync(PASTA, { recursive: true });
  });
  after(async () => { if (nav) await nav.close(); if (srv) await srv.parar(); if (moto) moto.parar(); });

  test('configurar, ver a chave uma vez, acompanhar o envio e o erro quando o bucket some', async (t) => {
    if (!srv) { t.skip('moto não instalado'); return; }
    if (await faltaEndpoint(t, srv.url, 'GET', '/api/admin/replica')) return;
    // A catalog photo: a media file the replica must copy too.
    await comPagina(nav, 'replica foto', async (page) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      const item = await page.request.post(`${srv.url}/api/catalogo`, { headers: { 'X-HelixAI-CSRF': '1' }, data: { nome: 'Carro Onix 2020', preco_centavos: 6590000, atributos: { marca: 'Chevrolet', modelo: 'Onix', ano: 2020 } } });
      assert.equal(item.status(), 201, await item.text());
      const { id } = await item.json();
      const foto = await page.request.post(`${srv.url}/api/catalogo/${id}/fotos`, { headers: { 'X-HelixAI-CSRF': '1', 'Content-Type': 'image/jpeg' }, data: FOTO });
      assert.equal(foto.status(), 201, await foto.text());
    });
    await comPagina(nav, 'replica configurar', async (page) => {
      await abrirBackups(page, srv.url);
      const s = secao(page);
      await s.getByText('Desligada', { exact: true }).waitFor();
      // An endpoint nobody answers: refused in pt-BR, nothing saved.
      await s.getByLabel('Endpoint').fill('http://127.0.0.1:9');
      await s.getByLabel('Bucket').fill('backups-e2e');
      await s.getByLabel('Chave de acesso (access key)').fill(CHAVE_ACESSO);
      await s.getByLabel('Segredo (secret key)').fill(SEGREDO);
      await s.getByRole('button', { name: 'Testar e salvar' }).click();
      await s.getByRole('alert').filter({ hasText: 'não foi possível falar com http://127.0.0.1:9' }).waitFor();
      // The real one.
      await s.getByLabel('Endpoint').fill(moto.url);
      await s.getByRole('button', { name: 'Testar e salvar' }).click();
      const chave = await s.locator('[data-chave-replica]').innerText();
      assert.match(chave, /^[0-9a-f]{8}(-[0-9a-f]{8}){7}$/);
      await s.getByText('Chave da réplica — aparece só agora.').waitFor();
      await s.getByText('Em dia').waitFor({ timeout: 20000 });
      // The photo is in the bucket (counted every 30 s at most, and at once after an upload).
      const copiadas = s.locator('dt', { hasText: 'Mídias copiadas' }).locator('xpath=following-sibling::dd');
      await s.locator('dd', { hasText: /^1 arquivo\(s\), / }).waitFor({ timeout: 20000 });
      assert.match(await copiadas.innerText(), /^1 arquivo\(s\), \d+ KiB$/);
      assert.equal(await s.locator('dt', { hasText: 'Mídias esperando' }).locator('xpath=following-sibling::dd').innerText(), 'nenhuma');
      await page.screenshot({ path: join(PASTA, 'desktop-superadmin-revenda_backups-replica.png'), fullPage: true });
      const html = await page.content();
      assert.ok(!html.includes(SEGREDO) && !html.includes(CHAVE_ACESSO), 'keys never shown back');
      await s.getByRole('button', { name: 'Já guardei a chave' }).click();
      assert.equal(await s.locator('[data-chave-replica]').count(), 0);
      // The key is never shown again.
      await page.reload();
      await secao(page).getByText('Em dia').waitFor();
      assert.equal(await secao(page).locator('[data-chave-replica]').count(), 0);
      await secao(page).getByText('Alterar destino e chaves').click();
      await secao(page).getByText('Atual: ••••0001. Deixe em branco para manter.').waitFor();
      // The bucket goes away: "Enviar agora" and the status shows the error.
      moto.parar();
      await secao(page).getByRole('button', { name: 'Enviar agora' }).click();
      await secao(page).getByText('Com erro').waitFor({ timeout: 30000 });
      await secao(page).getByText(/Último erro: não foi possível falar com/).waitFor();
    });
    await comPagina(nav, 'replica celular', async (page) => {
      await abrirBackups(page, srv.url);
      await secao(page).getByText('Com erro').waitFor();
      const largura = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(largura <= CELULAR.width + 1, `rolagem lateral: ${largura}px`);
      await page.screenshot({ path: join(PASTA, 'celular-superadmin-revenda_backups-replica.png') });
    }, { viewport: CELULAR });
  });
});
