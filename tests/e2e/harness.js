// harness.js — owns what the browser tests share: starting the built helixai binary on a
// temp data dir (seeded through the CLI), launching the system Chromium headless through
// playwright-core, a page per test with a screenshot on failure, login, HMAC-signed
// WhatsApp webhooks, and skipping a step whose endpoint this binary does not have yet.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const AQUI = dirname(fileURLToPath(import.meta.url));
const RAIZ = resolve(AQUI, '..', '..');
export const BINARIO = process.env.HELIXAI_BIN || join(RAIZ, 'target', 'debug', 'helixai');
export const CHROMIUM = process.env.HELIXAI_CHROMIUM || '/usr/bin/chromium';
export const PASTA_CAPTURAS = join(AQUI, 'screenshots');
export const SUPERADMIN = { email: 'revenda@e2e.test', senha: 'senha-revenda-e2e' };
export const APP_SECRET = 'segredo-do-app-e2e';
/** With HELIXAI_E2E_STRICT=1 a missing endpoint fails the test instead of skipping it. */
const ESTRITO = process.env.HELIXAI_E2E_STRICT === '1';

/** Runs the CLI against a data dir; the password (if any) goes to stdin. */
export function cli(dataDir, args, stdin) {
  const env = { ...process.env, HELIXAI_ADMIN_EMAIL: SUPERADMIN.email, HELIXAI_ADMIN_PASSWORD: SUPERADMIN.senha };
  const r = spawnSync(BINARIO, [...args, '--data-dir', dataDir], { input: stdin, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`helixai ${args.join(' ')} falhou: ${r.stderr}`);
  return r.stdout;
}

/** Whether `helixai serve` knows a flag (the app-secret flag lands on another branch). */
function serveAceita(flag) {
  const r = spawnSync(BINARIO, ['serve', '--help'], { encoding: 'utf8' });
  return (r.stdout || '').includes(flag);
}

/**
 * Starts `helixai serve --bind 127.0.0.1:0` on a fresh data dir; `semear(dataDir)` runs first.
 * `graph` replaces the default fake Graph API (anything with `url` and `server`); `extra` are
 * more serve flags.
 */
export async function iniciarServidor({ semear, graph: graphProprio, extra = [] } = {}) {
  if (!existsSync(BINARIO)) throw new Error(`binário não encontrado: ${BINARIO} (rode cargo build)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'helixai-e2e-'));
  if (semear) semear(dataDir);
  const args = ['serve', '--bind', '127.0.0.1:0', '--data-dir', dataDir];
  const comSegredo = serveAceita('--whatsapp-app-secret');
  if (comSegredo) args.push('--whatsapp-app-secret', APP_SECRET);
  const graph = graphProprio || await fakeGraph();
  if (serveAceita('--graph-api-url')) args.push('--graph-api-url', `${graph.url}/v25.0`);
  args.push(...extra);
  const proc = spawn(BINARIO, args, {
    env: { ...process.env, HELIXAI_ADMIN_EMAIL: SUPERADMIN.email, HELIXAI_ADMIN_PASSWORD: SUPERADMIN.senha, RUST_LOG: process.env.RUST_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let saida = '';
  let erros = '';
  proc.stderr.on('data', (d) => { erros += d; if (erros.length > 200000) erros = erros.slice(-100000); });
  const url = await new Promise((ok, falha) => {
    const limite = setTimeout(() => falha(new Error(`servidor não subiu em 20 s: ${saida}\n${erros}`)), 20000);
    proc.stdout.on('data', (d) => {
      saida += d;
      const m = saida.match(/HelixAI escutando em (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(limite); ok(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(limite); falha(new Error(`servidor saiu (${code}): ${erros}`)); });
  });
  return {
    url, dataDir, comSegredo, graph,
    log: () => erros,
    async parar() {
      graph.server.close();
      proc.removeAllListeners('exit');
      proc.kill('SIGTERM');
      // A clean stop drains the journal for up to 10 s; past 20 s it is hung: killed, and the
      // test fails (a hung stop once left servers burning CPU after the suite).
      const parou = await new Promise((ok) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return ok(true);
        const t = setTimeout(() => ok(false), 20000);
        proc.once('exit', () => { clearTimeout(t); ok(true); });
      });
      if (!parou) proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      if (!parou) throw new Error(`o servidor não parou em 20 s após SIGTERM: ${erros.slice(-2000)}`);
    },
  };
}

/**
 * A stand-in for Meta's Graph API on 127.0.0.1: every POST .../messages is accepted with a
 * new wamid and recorded in `enviadas`, so human replies really go out through the sending path.
 */
function fakeGraph() {
  const enviadas = [];
  const server = createServer((req, res) => {
    let corpo = '';
    req.on('data', (d) => { corpo += d; });
    req.on('end', () => {
      enviadas.push({ caminho: req.url, corpo });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [], messages: [{ id: `wamid.fake-${enviadas.length}` }] }));
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, enviadas, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Launches the system Chromium headless (playwright gives each launch a fresh profile). */
export function abrirNavegador() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

const nomeArquivo = (t) => t.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80);

/**
 * Runs `fn(page)` in a new browser context (its own cookies). On failure, saves a full-page
 * screenshot to screenshots/<test>.png. Uncaught page errors and CSP violations fail the test.
 */
/** Seeds one veiculos empresa with an admin and an atendente through the CLI. */
export const SEMENTE = {
  slug: 'loja-semente', nome: 'Loja Semente',
  admin: { email: 'admin@semente.test', senha: 'senha-admin-semente' },
  atendente: { email: 'atendente@semente.test', senha: 'senha-atendente-semente' },
};
export function semearEmpresa(dataDir) {
  cli(dataDir, ['tenant', 'create', '--nome', SEMENTE.nome, '--slug', SEMENTE.slug, '--setor', 'veiculos']);
  cli(dataDir, ['user', 'create', '--email', SEMENTE.admin.email, '--papel', 'admin', '--empresa', SEMENTE.slug, '--nome', 'Ana Admin'], `${SEMENTE.admin.senha}\n`);
  cli(dataDir, ['user', 'create', '--email', SEMENTE.atendente.email, '--papel', 'atendente', '--empresa', SEMENTE.slug, '--nome', 'Beto Atendente'], `${SEMENTE.atendente.senha}\n`);
}

export async function comPagina(navegador, nome, fn, { viewport = { width: 1280, height: 800 }, contexto } = {}) {
  const ctx = contexto || await navegador.newContext({ viewport, locale: 'pt-BR' });
  const page = await ctx.newPage();
  const problemas = [];
  page.on('pageerror', (e) => problemas.push(`erro na página: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problemas.push(`CSP: ${m.text()}`); });
  try {
    const r = await fn(page, ctx);
    if (problemas.length) throw new Error(problemas.join('\n'));
    return r;
  } catch (e) {
    mkdirSync(PASTA_CAPTURAS, { recursive: true });
    await page.screenshot({ path: join(PASTA_CAPTURAS, `${nomeArquivo(nome)}.png`), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    if (!contexto) await ctx.close();
  }
}

/** Logs in through the login form and waits for the shell. */
export async function entrar(page, url, email, senha) {
  await page.goto(`${url}/login`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(senha);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('button', { name: 'Sair' }).waitFor();
}

/**
 * True (and the test is skipped) when this binary has no route for `metodo caminho`: an
 * unknown route answers 404 before any authentication, a known one 401 or 4xx.
 */
export async function faltaEndpoint(t, url, metodo, caminho) {
  const r = await fetch(url + caminho, { method: metodo, headers: { 'X-HelixAI-CSRF': '1', 'Content-Type': 'application/json' }, body: metodo === 'GET' ? undefined : '{}' });
  if (r.status !== 404) return false;
  const motivo = `endpoint ainda ausente neste binário: ${metodo} ${caminho}`;
  if (ESTRITO) throw new Error(motivo);
  t.skip(motivo);
  return true;
}

/** A WhatsApp Cloud API text message envelope for `phoneNumberId`. */
export function envelopeWhatsApp({ phoneNumberId, de, nome, texto, wamid }) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA-E2E', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '5511999990000', phone_number_id: phoneNumberId },
      contacts: [{ profile: { name: nome }, wa_id: de }],
      messages: [{ from: de, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: texto } }],
    } }] }],
  });
}

/** POSTs a webhook body signed with HMAC-SHA256 of the app secret (X-Hub-Signature-256). */
export function postarWebhook(url, corpo, segredo = APP_SECRET) {
  const assinatura = createHmac('sha256', segredo).update(corpo).digest('hex');
  return fetch(`${url}/webhook/whatsapp`, {
    method: 'POST', body: corpo,
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${assinatura}` },
  });
}
