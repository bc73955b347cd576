// fake_midia.js — owns a stand-in for Meta's Graph API media endpoints and for an
// OpenAI-compatible server, for the media browser tests: `GET /v25.0/{id}` answers a
// download URL on this server, which serves the file to the empresa's token; uploads
// (`POST /v25.0/{pid}/media`, multipart) and sends (`/messages`) are accepted and recorded;
// `/v1/audio/transcriptions` answers a transcript and `/v1/chat/completions` a fixed reply.
// A request with the wrong token is recorded in `violacoes` and refused.

import { createServer } from 'node:http';

export async function fakeMidia({ token, chave, transcricao, resposta }) {
  const midias = new Map();
  const enviadas = [];
  const uploads = [];
  const transcricoes = [];
  const violacoes = [];
  const server = createServer((req, res) => {
    const partes = [];
    req.on('data', (d) => partes.push(d));
    req.on('end', () => {
      const corpo = Buffer.concat(partes);
      const caminho = req.url.split('?')[0];
      const json = (status, v) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(v)); };
      const openai = caminho.startsWith('/v1/');
      if (req.headers.authorization !== `Bearer ${openai ? chave : token}`) {
        violacoes.push(`${req.method} ${caminho} sem o token certo`);
        json(401, { error: { message: 'token inválido', code: 190 } });
        return;
      }
      let m = caminho.match(/^\/v25\.0\/(\d+)$/);
      if (req.method === 'GET' && m) {
        const f = midias.get(m[1]);
        if (!f) { json(400, { error: { message: '(#100) Invalid parameter', code: 100 } }); return; }
        json(200, { messaging_product: 'whatsapp', url: `${base}/baixar/${m[1]}`, mime_type: f.mime, file_size: String(f.bytes.length), id: m[1] });
        return;
      }
      m = caminho.match(/^\/baixar\/(\d+)$/);
      if (req.method === 'GET' && m && midias.has(m[1])) {
        const f = midias.get(m[1]);
        res.writeHead(200, { 'Content-Type': f.mime });
        res.end(f.bytes);
        return;
      }
      if (req.method === 'POST' && /^\/v25\.0\/\d+\/media$/.test(caminho)) {
        uploads.push({ tipo: req.headers['content-type'], tamanho: corpo.length });
        json(200, { id: `88000${uploads.length}` });
        return;
      }
      if (req.method === 'POST' && /^\/v25\.0\/\d+\/messages$/.test(caminho)) {
        const v = JSON.parse(corpo.toString('utf8') || '{}');
        if (v.status === 'read') { json(200, { success: true }); return; }
        enviadas.push(v);
        json(200, { messaging_product: 'whatsapp', contacts: [], messages: [{ id: `wamid.e2e-${enviadas.length}` }] });
        return;
      }
      if (req.method === 'POST' && caminho === '/v1/audio/transcriptions') {
        transcricoes.push({ tipo: req.headers['content-type'], tamanho: corpo.length });
        json(200, { text: transcricao });
        return;
      }
      if (req.method === 'POST' && caminho === '/v1/chat/completions') {
        json(200, { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: resposta }, finish_reason: 'stop' }] });
        return;
      }
      violacoes.push(`rota inesperada: ${req.method} ${caminho}`);
      json(404, { error: { message: 'not found' } });
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    server, url: base, enviadas, uploads, transcricoes, violacoes,
    /** Serves `bytes` (a Buffer) as media `id`. */
    adicionar(id, mime, bytes) { midias.set(id, { mime, bytes }); },
  };
}
