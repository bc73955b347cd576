//! The rule engine's conversational answers: trade-in, accepting its own offer, after the
//! customer's name, greetings, opening hours and "não entendi" (a person after the third).

use super::{agendar, contexto, cumprimento, respostas, transferir, Fallback, Resposta, Turno};
use crate::bot::agenda::DataHora;
use crate::bot::dialogo::Oferta;
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::entender::Entendimento;
use crate::domain::Setor;

impl Fallback {
    pub(super) fn troca(&self, t: &mut Turno<'_>) -> Resposta {
        let avalia = matches!(self.setor, Setor::Veiculos | Setor::Imoveis);
        match (&self.troca, avalia) {
            (Some(politica), true) => transferir(self, t, "troca", &format!("{politica}\nVou chamar um consultor para avaliar com você. 🤝")),
            (None, true) => transferir(self, t, "troca", "A avaliação para troca é feita pela nossa equipe. Vou chamar um consultor para conversar com você sobre isso. 🤝"),
            (Some(politica), false) => Resposta::texto(politica.clone()),
            (None, false) => {
                t.estado.oferta = Some(Oferta::Atendente { motivo: "troca".into() });
                Resposta::texto("Sobre trocas, quem orienta é a nossa equipe. Quer que eu chame um atendente?".into())
            }
        }
    }

    pub(super) fn aceitar(&self, oferta: Oferta, e: &Entendimento, vocab: &Vocabulario, t: &mut Turno<'_>) -> Resposta {
        t.estado.oferta = None;
        match oferta {
            Oferta::Agendar { .. } => {
                let item = t.estado.foco.clone();
                agendar::iniciar(self, e, t, item)
            }
            Oferta::Atendente { motivo } => {
                t.explicacao.intencao = "aceitou_atendente".into();
                transferir(self, t, &motivo, &self.handoff_text())
            }
            Oferta::MaisOpcoes => contexto::mais_opcoes(self, vocab, t),
            Oferta::Encomenda { item } => {
                t.explicacao.intencao = "encomenda".into();
                let nome = t
                    .estado
                    .foco
                    .as_ref()
                    .filter(|f| f.id == item)
                    .map(|f| f.nome.clone())
                    .unwrap_or_else(|| respostas::o_item(self.setor).into());
                t.interesse = Some(format!("Encomenda/aviso: {nome}"));
                self.capturar(e, "", t);
                transferir(self, t, "encomenda", &format!("Combinado! Vou passar para a equipe verificar a disponibilidade de *{nome}* e falar com você por aqui. 👍"))
            }
            Oferta::Detalhes { .. } => contexto::detalhes_do_foco(self, t),
        }
    }

    pub(super) fn depois_do_nome(&self, t: &mut Turno<'_>) -> String {
        match (&t.estado.oferta, &t.estado.foco) {
            (Some(Oferta::Agendar { .. }), Some(f)) if respostas::passo_e_agendar(self.setor) => {
                format!(
                    "Quer agendar uma {} para conhecer {}?",
                    if self.setor == Setor::Veiculos { "visita ou um test drive" } else { "visita" },
                    respostas::o_nome(&f.nome)
                )
            }
            (Some(_), Some(f)) => {
                format!("Posso te ajudar com mais alguma coisa sobre {}?", respostas::o_nome(&f.nome))
            }
            _ => "Em que posso te ajudar?".into(),
        }
    }

    pub(super) fn saudar(&self, e: &Entendimento, t: &mut Turno<'_>) -> String {
        if !t.estado.saudou {
            t.estado.saudou = true;
            let mut s = self.saudacao.clone();
            if t.estado.nome.is_none() && !t.estado.nome_perguntado && !s.contains('?') {
                t.estado.nome_perguntado = true;
                s.push_str(" Com quem eu falo? 😊");
            }
            return s;
        }
        let c = e.sinais.saudacao.as_deref().map_or("Olá! ", cumprimento);
        format!("{c}Em que posso te ajudar? 😊")
    }

    pub(super) fn horario_texto(&self, e: &Entendimento, agora: DataHora) -> String {
        let dias = ["domingo", "segunda", "terca", "quarta", "quinta", "sexta", "sabado"];
        let nomes = ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"];
        if let Some(d) = dias.iter().position(|d| e.norm.split(' ').any(|w| w == *d)) {
            // "No sábado", "Na segunda".
            let no = if d == 0 || d == 6 { "No" } else { "Na" };
            return match self.agenda.expediente.dias[d] {
                Some((a, b)) => format!(
                    "{no} {} atendemos das {} às {}.",
                    nomes[d],
                    crate::bot::agenda::calendario::hora_texto(a),
                    crate::bot::agenda::calendario::hora_texto(b)
                ),
                None => format!("{no} {} não abrimos. Nosso horário: {}.", nomes[d], self.horario),
            };
        }
        let agora_txt = if self.agenda.expediente.aberto(agora) {
            " Estamos abertos agora. 😊"
        } else {
            " No momento estamos fechados, mas pode deixar sua mensagem."
        };
        format!("Nosso horário de atendimento é {}.{agora_txt}", self.horario)
    }

    pub(super) fn nao_entendi(&self, t: &mut Turno<'_>) -> Resposta {
        let n = t.estado.nao_entendidas;
        if n >= 2 {
            return transferir(self, t, "duvida_sem_resposta", &format!("Acho que não estou conseguindo te ajudar por aqui. 😕 Vou chamar um atendente da {} para continuar com você.", self.empresa));
        }
        let mut s = format!(
            "Desculpe, não entendi bem. 🙂 Posso consultar preços e disponibilidade no nosso catálogo, agendar uma visita, informar nosso horário ({}) ou chamar um atendente. O que você procura?",
            self.horario
        );
        if n == 1 {
            s = "Desculpe, ainda não entendi. 😕 Quer que eu chame um atendente para te ajudar?".into();
            t.estado.oferta = Some(Oferta::Atendente { motivo: "duvida_sem_resposta".into() });
        }
        Resposta::texto(s)
    }
}
