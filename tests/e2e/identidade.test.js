// identidade.test.js — customers as WhatsApp identifies them after usernames (issue #17), in
// the inbox: a username user with no phone is named by their username and answered; a sender
// WhatsApp did not identify at all is shown as such and the reply box explains why it is off;
// a number change is a "Sistema" line in the customer's conversa. 1280 px.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iniciarServidor, abrirNavegador, comPagina, entrar, semearEmpresa, SEMENTE, cli, postarWebhook } from './harness.js';

const PID = '109988776600';

/** A Cloud API envelope around one message and its contact card (if any). */
function envelope(mensagem, contato) {
  const value = { messaging_product: 'whatsapp', metadata: { display_phone_number: '5511999990000', phone_number_id: PID }, messages: [mensagem] };
  if (contato) value.contacts = [contato];
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA-E2E', changes: [{ field: 'messages', value }] }] });
}
const agora = () => String(Math.floor(Date.now() / 1000));

describe('identidade do cliente na caixa de conversas', () => {
  let srv;
  let nav;

  before(async () => {
    srv = await iniciarServidor({
      semear: (dir) => {
        semearEmpresa(dir);
        cli(dir, ['tenant', 'set', SEMENTE.slug, '--whatsapp-phone-number-id', PID, '--whatsapp-token-stdin'], 'token-e2e\n');
      },
    });
    nav = await abrirNavegador();
    const bodies = [
      // A username user: no phone, the BSUID and the username.
      envelope({ from: '', from_user_id: 'BR.1234567890ABC', id: 'wamid.ID-1', timestamp: agora(), type: 'text', text: { body: 'Tem Onix automático?' } },
        { profile: { username: '@caio.compras', country_code: 'BR' }, wa_id: '', user_id: 'BR.1234567890ABC' }),
      // Neither phone nor BSUID.
      envelope({ from: '', id: 'wamid.ID-2', timestamp: agora(), type: 'text', text: { body: 'Quanto custa?' } }, null),
      // A customer who then changes number.
      envelope({ from: '5511955554444', id: 'wamid.ID-3', timestamp: agora(), type: 'text', text: { body: 'Oi, sou a Rita' } },
        { profile: { name: 'Rita Souza' }, wa_id: '5511955554444' }),
      envelope({ from: '5511955554444', id: 'wamid.ID-4', timestamp: agora(), type: 'system',
        system: { body: 'User Rita Souza changed from 5511955554444 to 5511933332222', wa_id: '5511933332222', type: 'user_changed_number' } }, null),
    ];
    for (const corpo of bodies) {
      const r = await postarWebhook(srv.url, corpo);
      assert.equal(r.status, 200, await r.text());
    }
  });
  after(async () => {
    if (nav) await nav.close();
    if (srv) await srv.parar();
  });

  test('o usuário com nome de usuário, o cliente não identificado e a troca de número aparecem certos', async () => {
    await comPagina(nav, 'identidade caixa', async (page) => {
      await entrar(page, srv.url, SEMENTE.admin.email, SEMENTE.admin.senha);
      await page.goto(`${srv.url}/painel/conversas`);
      const lista = page.getByRole('list', { name: 'Conversas' });
      const fio = page.getByRole('region', { name: 'Conversa' });

      await lista.getByRole('link').filter({ hasText: '@caio.compras' }).click();
      await fio.getByText('Tem Onix automático?').waitFor();
      assert.equal(await page.getByLabel('Resposta').isDisabled(), false, 'um usuário com BSUID pode ser respondido');

      await lista.getByRole('link').filter({ hasText: 'Cliente não identificado' }).click();
      await fio.getByText('Quanto custa?').waitFor();
      const resposta = page.getByLabel('Resposta');
      assert.equal(await resposta.isDisabled(), true, 'sem número nem ID não há como responder');
      assert.match(await resposta.getAttribute('placeholder'), /não foi identificado/);
      assert.equal(await page.getByRole('button', { name: 'Enviar', exact: true }).isDisabled(), true);

      await lista.getByRole('link').filter({ hasText: 'Rita Souza' }).click();
      await fio.getByText('Oi, sou a Rita').waitFor();
      const linha = fio.locator('.msg').filter({ hasText: 'trocou de número' });
      await linha.waitFor();
      assert.match(await linha.innerText(), /\+5511933332222/);
      assert.match(await linha.locator('.meta').innerText(), /^Sistema/);
    }, { viewport: { width: 1280, height: 800 } });
  });
});
