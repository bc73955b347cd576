// ficha.js — owns the customer card shown with a conversation: what the bot captured on the
// lead (name, interest, budget, preferred contact time) and the conversation's appointments.

import * as api from './api.js';
import { h, trocar, reais } from './ui.js';

const TIPO = { visita: 'Visita', test_drive: 'Test drive', servico: 'Atendimento' };

/** A card that fills itself for conversa `c` (needs `c.id` and `c.lead_id`). */
export function fichaDaConversa(c) {
  const el = h('div', { class: 'ficha-conversa', 'aria-label': 'Ficha do cliente' });
  if (!c || !c.lead_id) return el;
  (async () => {
    try {
      const [lead, agenda] = await Promise.all([
        api.get(api.t(`/leads/${c.lead_id}`)),
        api.get(api.t('/agendamentos') + api.qs({ conversa_id: c.id, limite: 20 })),
      ]);
      const proximos = (agenda.itens || []).filter((a) => a.status === 'agendado' || a.status === 'confirmado');
      const partes = [
        lead.interesse ? `Interesse: ${lead.interesse}` : null,
        lead.orcamento_centavos ? `Orçamento: ${reais(lead.orcamento_centavos)}` : null,
        lead.horario_preferido ? `Melhor horário: ${lead.horario_preferido}` : null,
        ...proximos.map((a) => `📅 ${TIPO[a.tipo] || a.tipo} ${a.data_hora.slice(8, 10)}/${a.data_hora.slice(5, 7)} às ${a.data_hora.slice(11)}${a.item_nome ? ` — ${a.item_nome}` : ''} (${a.status})`),
      ].filter(Boolean);
      trocar(el, partes.map((p) => h('span', {}, p)));
    } catch (e) { /* the card is a convenience; the conversation still works */ }
  })();
  return el;
}
