// fake_evolution.js — owns a stand-in for an Evolution API 2.x server on 127.0.0.1, so the
// QR-code channel is tested end to end: instances are created with the token HelixAI
// chooses, /instance/connect hands out a new QR each call until it reports `open`, logout
// and delete work, and every request is recorded with whether its `apikey` header was the
// right one (the global key for create/delete, the instance token for the rest). It can
// also post a webhook to HelixAI exactly as Evolution would (the URL and headers it was given).

import { createServer } from 'node:http';

const json = (res, status, corpo) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(corpo));
};
const naoExiste = (res, nome) => json(res, 404, { status: 404, error: 'Not Found', response: { message: [`The "${nome}" instance does not exist`] } });
const naoAutorizado = (res) => json(res, 401, { status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } });

/**
 * Starts the fake. `chaveGlobal` is its AUTHENTICATION_API_KEY (change it with
 * `evo.chaveGlobal = ...`); `abrirApos` = after how many /instance/connect calls since the
 * last create/logout the phone "scans" and the instance is `open` (Infinity: never by itself).
 */
export function fakeEvolution({ chaveGlobal, abrirApos = 3 } = {}) {
  const evo = {
    chaveGlobal, abrirApos,
    /** [{metodo, caminho, query, apikey, chaveOk, corpo}] in arrival order. */
    pedidos: [],
    /** name → {nome, token, webhook: {url, headers}, numero, estado: connecting|open|close, conexoes, qrs} */
    instancias: new Map(),
  };

  function responder(req, res, corpo) {
    const url = new URL(req.url, 'http://fake');
    const partes = url.pathname.split('/').filter(Boolean);
    const nome = partes[2] && decodeURIComponent(partes[2]);
    const inst = nome ? evo.instancias.get(nome) : undefined;
    const apikey = req.headers.apikey || '';
    const global = ['/instance/create', `/instance/delete/${nome}`].includes(url.pathname);
    const chaveOk = global ? apikey === evo.chaveGlobal : !!inst && apikey === inst.token;
    evo.pedidos.push({ metodo: req.method, caminho: url.pathname, query: url.search, apikey, chaveOk, corpo });

    const rota = `${req.method} /${partes[0]}/${partes[1]}`;
    if (rota === 'POST /instance/create') {
      if (!chaveOk) return naoAutorizado(res);
      const n = corpo && corpo.instanceName;
      if (!n || !corpo.token) return json(res, 400, { status: 400, error: 'Bad Request', response: { message: ['instanceName and token required'] } });
      if (evo.instancias.has(n)) return json(res, 403, { status: 403, error: 'Forbidden', response: { message: [`This name "${n}" is already in use.`] } });
      const nova = { nome: n, token: corpo.token, webhook: corpo.webhook || {}, numero: corpo.number || null, estado: 'connecting', conexoes: 0, qrs: 1 };
      evo.instancias.set(n, nova);
      return json(res, 201, {
        instance: { instanceName: n, instanceId: `id-${n}`, integration: 'WHATSAPP-BAILEYS', status: 'connecting' },
        hash: nova.token, webhook: {}, settings: {},
        qrcode: { pairingCode: nova.numero ? 'ABCD1234' : null, code: '2@QR1', base64: 'data:image/png;base64,', count: 1 },
      });
    }
    if (!inst) return naoExiste(res, nome);
    if (!chaveOk) return naoAutorizado(res);
    if (rota === 'GET /instance/connect') {
      if (inst.estado !== 'open') {
        inst.estado = 'connecting';
        inst.conexoes += 1;
        if (inst.conexoes >= evo.abrirApos) inst.estado = 'open';
      }
      if (inst.estado === 'open') return json(res, 200, { instance: { instanceName: inst.nome, state: 'open' } });
      inst.qrs += 1;
      // Like Evolution: a pairing code only when the call asks for one (?number=).
      const pairingCode = url.searchParams.get('number') ? 'EFGH5678' : null;
      return json(res, 200, { pairingCode, code: `2@QR${inst.qrs}`, base64: 'data:image/png;base64,', count: inst.qrs });
    }
    if (rota === 'GET /instance/connectionState') return json(res, 200, { instance: { instanceName: inst.nome, state: inst.estado } });
    if (rota === 'POST /webhook/set') {
      if (corpo && corpo.webhook) inst.webhook = corpo.webhook;
      return json(res, 201, { webhook: { instanceName: inst.nome, ...inst.webhook } });
    }
    if (rota === 'DELETE /instance/logout') {
      inst.estado = 'close';
      inst.conexoes = 0;
      return json(res, 200, { status: 'SUCCESS', error: false, response: { message: 'Instance logged out' } });
    }
    if (rota === 'DELETE /instance/delete') {
      evo.instancias.delete(inst.nome);
      return json(res, 200, { status: 'SUCCESS', error: false, response: { message: 'Instance deleted' } });
    }
    return json(res, 404, { status: 404, error: 'Not Found', response: { message: [`Cannot ${req.method} ${url.pathname}`] } });
  }

  const server = createServer((req, res) => {
    let texto = '';
    req.on('data', (d) => { texto += d; });
    req.on('end', () => {
      let corpo = null;
      try { corpo = texto ? JSON.parse(texto) : null; } catch (e) { corpo = { naoJson: texto }; }
      responder(req, res, corpo);
    });
  });

  /** The requests for `caminho` (a path or a RegExp), e.g. pedidosPara(/^\/instance\/connect\//). */
  evo.pedidosPara = (caminho) => evo.pedidos.filter((p) => (caminho instanceof RegExp ? caminho.test(p.caminho) : p.caminho === caminho));

  /** The phone scanned the QR: the instance is `open` from now on. */
  evo.parear = (nome) => { evo.instancias.get(nome).estado = 'open'; };

  /**
   * Posts `{event, instance, data, apikey}` to the webhook URL the instance was given, with
   * the headers it was given (x-helixai-token), as Evolution does.
   */
  evo.postarWebhook = (nome, event, data) => {
    const inst = evo.instancias.get(nome);
    const headers = { 'Content-Type': 'application/json', ...(inst.webhook.headers || {}) };
    const corpo = { event, instance: nome, data, destination: inst.webhook.url, date_time: new Date().toISOString(), sender: data.wuid || '', server_url: evo.url, apikey: inst.token };
    return fetch(inst.webhook.url, { method: 'POST', headers, body: JSON.stringify(corpo) });
  };

  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    evo.url = `http://127.0.0.1:${server.address().port}`;
    evo.parar = () => new Promise((fim) => { server.close(() => fim()); server.closeAllConnections(); });
    ok(evo);
  }));
}
