// catalogo.test.js — editing a catalog item in the panel never loses its setor's fields
// (issue #17): for one item of every setor, opening it and saving unchanged keeps every
// field, and a partial edit changes only what was edited. The vehicle is the demo's kind
// ("câmbio automático", as the demo and CSV imports write it), plus one whose câmbio is not
// one of the select's options. 1280 px.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, cli } from './harness.js';

const SENHA = 'senha-catalogo-e2e';
/** One empresa per setor, each with the item the test edits. */
const EMPRESAS = [
  {
    setor: 'veiculos', slug: 'cat-veiculos',
    itens: [
      { nome: 'Volkswagen Amarok Highline V6 2019', descricao: 'Revisada, com garantia.', categoria: 'Picape/SUV diesel', preco_centavos: 22990000,
        atributos: { marca: 'Volkswagen', modelo: 'Amarok', versao: 'Highline V6', ano: 2019, km: 95000, cambio: 'automático', combustivel: 'diesel', cor: 'preta' } },
      { nome: 'Fiat Toro Freedom 2020', preco_centavos: 11990000,
        atributos: { marca: 'Fiat', modelo: 'Toro', ano: 2020, km: 61000, cambio: 'automatizado', combustivel: 'GNV' } },
    ],
    parcial: { rotulo: 'Cor', valor: 'prata', campo: 'cor' },
  },
  {
    setor: 'imoveis', slug: 'cat-imoveis',
    itens: [{ nome: 'Apartamento 3 quartos — Moema', descricao: 'Perto do metrô.', categoria: 'Apartamento', preco_centavos: 125000000,
      atributos: { tipo: 'Apartamento', finalidade: 'venda', bairro: 'Moema', cidade: 'São Paulo', quartos: 3, banheiros: 2, vagas: 2, area_m2: 98.5 } }],
    parcial: { rotulo: 'Bairro', valor: 'Vila Mariana', campo: 'bairro' },
  },
  {
    setor: 'autopecas', slug: 'cat-pecas',
    itens: [{ nome: 'Pastilha de freio dianteira Cobreq', descricao: 'Código OEM 5U0698151.', categoria: 'Pastilha', preco_centavos: 8990,
      atributos: { codigo_oem: '5U0698151', marca: 'Cobreq', aplicacao: 'Gol/Voyage/Fox G5-G7', estoque: 12 } }],
    parcial: { rotulo: 'Estoque', valor: '7', campo: 'estoque' },
  },
  {
    setor: 'varejo', slug: 'cat-varejo',
    itens: [{ nome: 'Camiseta básica', descricao: 'Algodão, P ao GG.', categoria: 'Roupas', preco_centavos: 4990, atributos: {} }],
    parcial: { rotulo: 'Categoria', valor: 'Moda', campo: 'categoria' },
  },
  {
    setor: 'servicos', slug: 'cat-servicos',
    itens: [{ nome: 'Troca de óleo', descricao: 'Com filtro.', categoria: null, preco_centavos: null, disponivel: false, atributos: {} }],
    parcial: { rotulo: 'Nome', valor: 'Troca de óleo e filtro', campo: 'nome' },
  },
];
const email = (e) => `admin@${e.slug}.test`;

/** Logs in over the API and returns a function that calls it with that session. */
async function sessao(url, login) {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-HelixAI-CSRF': '1' }, body: JSON.stringify({ email: login, senha: SENHA }) });
  assert.equal(r.status, 200, await r.text());
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return async (metodo, caminho, corpo) => {
    const resp = await fetch(url + caminho, { method: metodo, headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-HelixAI-CSRF': '1' }, body: corpo ? JSON.stringify(corpo) : undefined });
    const texto = await resp.text();
    assert.ok(resp.ok, `${metodo} ${caminho}: ${resp.status} ${texto}`);
    return texto ? JSON.parse(texto) : null;
  };
}

/** The item without the field every save changes. */
const semData = ({ atualizado_em, ...resto }) => resto;

describe('catálogo: editar no painel não perde campos do setor', () => {
  let srv;
  let nav;
  const criados = new Map();

  before(async () => {
    srv = await iniciarServidor({
      semear: (dir) => {
        for (const e of EMPRESAS) {
          cli(dir, ['tenant', 'create', '--nome', `Empresa ${e.setor}`, '--slug', e.slug, '--setor', e.setor]);
          cli(dir, ['user', 'create', '--email', email(e), '--papel', 'admin', '--empresa', e.slug, '--nome', 'Admin'], `${SENHA}\n`);
        }
      },
    });
    for (const e of EMPRESAS) {
      const api = await sessao(srv.url, email(e));
      const itens = [];
      for (const item of e.itens) itens.push(await api('POST', '/api/catalogo', item));
      criados.set(e.setor, { api, itens });
    }
    nav = await abrirNavegador();
  });
  after(async () => {
    if (nav) await nav.close();
    if (srv) await srv.parar();
  });

  /** Opens the item's edit dialog on the catalog screen. */
  async function abrir(page, item) {
    await page.goto(`${srv.url}/painel/catalogo`);
    await page.getByRole('button', { name: `Editar ${item.nome}` }).click();
    return page.getByRole('dialog');
  }

  async function salvar(page, dlg) {
    await dlg.getByRole('button', { name: 'Salvar item' }).click();
    await dlg.waitFor({ state: 'detached' });
    await page.getByText('Item atualizado.').waitFor();
  }

  for (const e of EMPRESAS) {
    test(`${e.setor}: salvar sem mudar nada mantém todos os campos; uma edição parcial muda só o campo editado`, async () => {
      const { api, itens } = criados.get(e.setor);
      await comPagina(nav, `catalogo ${e.setor}`, async (page) => {
        await entrar(page, srv.url, email(e), SENHA);
        for (const criado of itens) {
          const antes = await api('GET', `/api/catalogo/${criado.id}`);
          const dlg = await abrir(page, antes);
          await salvar(page, dlg);
          const depois = await api('GET', `/api/catalogo/${criado.id}`);
          assert.deepEqual(semData(depois), semData(antes), `${antes.nome}: salvo sem mudanças`);
        }
        const antes = await api('GET', `/api/catalogo/${itens[0].id}`);
        const dlg = await abrir(page, antes);
        await dlg.getByLabel(e.parcial.rotulo, { exact: true }).fill(e.parcial.valor);
        await salvar(page, dlg);
        const depois = await api('GET', `/api/catalogo/${itens[0].id}`);
        const esperado = semData(antes);
        const valor = e.parcial.rotulo === 'Estoque' ? Number(e.parcial.valor) : e.parcial.valor;
        if (e.parcial.campo in esperado) esperado[e.parcial.campo] = valor;
        else esperado.atributos = { ...esperado.atributos, [e.parcial.campo]: valor };
        assert.deepEqual(semData(depois), esperado, 'só o campo editado mudou');
      }, { viewport: { width: 1280, height: 800 } });
    });
  }

  test('veículos: o câmbio "automático" aparece selecionado e o valor fora da lista continua no formulário', async () => {
    const { itens } = criados.get('veiculos');
    await comPagina(nav, 'catalogo cambio', async (page) => {
      await entrar(page, srv.url, email(EMPRESAS[0]), SENHA);
      let dlg = await abrir(page, itens[0]);
      assert.equal(await dlg.getByLabel('Câmbio').inputValue(), 'automatico');
      await dlg.getByRole('button', { name: 'Cancelar' }).click();
      dlg = await abrir(page, itens[1]);
      assert.equal(await dlg.getByLabel('Câmbio').inputValue(), 'automatizado');
      assert.equal(await dlg.getByLabel('Combustível').inputValue(), 'GNV');
    }, { viewport: { width: 1280, height: 800 } });
  });
});
