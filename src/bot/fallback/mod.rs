//! The deterministic fallback bot: answers in pt-BR from the empresa's catalog and settings
//! alone, with no LLM — when the empresa has no key, the LLM fails, or an LLM reply is
//! rejected by the price guard. It only quotes prices read through [`TenantTools`], so it
//! can never invent one.
//!
//! One message: understand it ([`crate::bot::entender`]), then act on the first intent that
//! applies — opt-out, a person, a booking in progress, the customer's name, negotiation and
//! trade-in (handed to a person), appointments ([`agendar`]), "sim" to the bot's own offer,
//! questions about items shown ([`contexto`]), payment, hours and address, searches
//! ([`busca`]), the store's range when nothing is named ([`vitrine`]), greetings — and remember what it showed and offered ([`EstadoDialogo`]). What
//! the customer tells about themselves goes to the lead.

mod agendar;
pub(crate) mod busca;
mod contexto;
mod conversa;
mod lista;
pub mod respostas;
mod vitrine;

use std::sync::Arc;

use serde_json::json;

pub use crate::bot::entender::dinheiro::{brl_amounts, format_brl};
pub use crate::bot::entender::texto::normalize;

use crate::bot::agenda::{Agenda, DataHora};
use crate::bot::dialogo::{EstadoDialogo, Oferta};
use crate::bot::entender::intencao::{horario_preferido, nome_solto, LUGARES};
use crate::bot::entender::texto::has_phrase;
use crate::bot::entender::vocabulario::Vocabulario;
use crate::bot::entender::{entender, Entendimento};
use crate::bot::explicacao::Explicacao;
use crate::bot::tools::{DadosLead, TenantTools};
use crate::domain::Setor;

/// What the fallback decided for one customer message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FallbackAnswer {
    /// The pt-BR reply.
    pub texto: String,
    /// Whether the conversation was handed to a person.
    pub handoff: bool,
    /// An appointment booked by this answer.
    pub agendamento: Option<i64>,
}

pub(crate) type Resposta = FallbackAnswer;

impl FallbackAnswer {
    pub(crate) fn texto(texto: String) -> Self {
        FallbackAnswer { texto, ..FallbackAnswer::default() }
    }
}

/// The rule engine for one empresa: its name, setor and settings.
#[derive(Debug, Clone)]
pub struct Fallback {
    pub(crate) empresa: String,
    pub(crate) setor: Setor,
    /// Opening hours as text (the empresa's own words, or rendered from `agenda`).
    pub(crate) horario: String,
    pub(crate) agenda: Agenda,
    /// Greeting with `{empresa}` already filled.
    pub(crate) saudacao: String,
    pub(crate) endereco: Option<String>,
    /// The empresa's answer to "aceita troca?".
    pub(crate) troca: Option<String>,
    /// Payment methods.
    pub(crate) pagamento: Option<String>,
    /// Handoff keywords, normalised.
    pub(crate) palavras_transferencia: std::sync::Arc<[String]>,
}

/// One turn's context: the tenant, the dialog state (read and updated), the local time and
/// the explanation being built.
pub struct Turno<'a> {
    pub tools: &'a dyn TenantTools,
    pub estado: &'a mut EstadoDialogo,
    pub agora: DataHora,
    pub explicacao: &'a mut Explicacao,
    /// What the customer showed interest in this turn (for the lead card).
    pub(crate) interesse: Option<String>,
}

impl<'a> Turno<'a> {
    pub fn new(
        tools: &'a dyn TenantTools,
        estado: &'a mut EstadoDialogo,
        agora: DataHora,
        explicacao: &'a mut Explicacao,
    ) -> Self {
        Turno { tools, estado, agora, explicacao, interesse: None }
    }
}

/// Hands the conversa to a person with `motivo`, answering `texto`.
pub(crate) fn transferir(_fb: &Fallback, t: &mut Turno<'_>, motivo: &str, texto: &str) -> Resposta {
    t.explicacao.ferramenta("transferir_para_humano", json!({ "motivo": motivo }), "ok");
    let handoff = match t.tools.handoff(motivo) {
        Ok(()) => true,
        Err(e) => {
            log::warn!("fallback: transferência falhou: {e}");
            false
        }
    };
    t.estado.oferta = None;
    t.estado.agendamento = None;
    Resposta { texto: texto.to_string(), handoff, agendamento: None }
}

/// Whether a would-be name is in fact a catalog or sales word (`Corolla`, `Apartamento`).
pub(crate) fn parece_catalogo(nome: &str, t: &Turno<'_>) -> bool {
    let vocab = t.tools.vocabulario().unwrap_or_default();
    normalize(nome)
        .split(' ')
        .any(|w| vocab.conhece(w) || crate::bot::entender::lexico::PALAVRAS_DE_INTENCAO.contains(&w))
}

/// Writes the customer's name to the lead.
pub(crate) fn registrar_nome(t: &mut Turno<'_>, nome: &str) {
    t.explicacao.ferramenta("registrar_lead", json!({ "nome": nome }), "ok");
    if let Err(e) = t.tools.record_lead(&DadosLead { nome: Some(nome.to_string()), ..DadosLead::default() }) {
        log::warn!("fallback: nome do lead não registrado: {e}");
    }
}

fn cumprimento(saudacao: &str) -> &'static str {
    match saudacao {
        "bom dia" => "Bom dia! ",
        "boa tarde" => "Boa tarde! ",
        "boa noite" => "Boa noite! ",
        _ => "Olá! ",
    }
}

impl Fallback {
    /// Whether the customer asked for a person (any handoff keyword, accent-insensitive).
    #[rustfmt::skip]
    pub fn wants_human(&self, text: &str) -> bool {
        let norm = normalize(text);
        self.palavras_transferencia.iter().any(|p| !p.is_empty() && has_phrase(&norm, p))
            || crate::bot::entender::texto::has_any(
                &norm,
                &[
                    "falar com alguem", "falar com uma pessoa", "atendimento humano", "pessoa de verdade", "me liga",
                    "me ligue", "pode me ligar", "nao quero falar com robo", "falar com o dono", "falar com a dona",
                    "falar com o responsavel", "falar com a responsavel", "falar com o gerente", "falar com a gerente",
                    "falar com o proprietario", "chama alguem", "chamar alguem", "falar com gente",
                ],
            )
    }

    /// The pt-BR message sent when the conversation goes to a person.
    pub fn handoff_text(&self) -> String {
        format!(
            "Certo! Vou chamar um atendente da {} para continuar a conversa com você. Nosso horário de atendimento: {}.",
            self.empresa, self.horario
        )
    }

    /// Answers `texto` with the rules, reading the catalog through the turn's tools and
    /// updating its dialog state.
    pub fn answer(&self, texto: &str, t: &mut Turno<'_>) -> FallbackAnswer {
        let vocab: Arc<Vocabulario> = t.tools.vocabulario().unwrap_or_else(|e| {
            log::warn!("fallback: vocabulário do catálogo indisponível: {e}");
            Arc::new(Vocabulario::default())
        });
        let mut e = entender(self.setor, texto, &vocab);
        t.explicacao.entendimento = serde_json::to_value(&e).unwrap_or_default();
        let mut prefixo = String::new();
        let esperando_nome_do_agendamento = t.estado.agendamento.as_ref().is_some_and(|a| a.escolhido.is_some());
        let nome_novo = e.nome.clone().or_else(|| {
            (t.estado.nome_perguntado && t.estado.nome.is_none() && !esperando_nome_do_agendamento)
                .then(|| nome_solto(texto))
                .flatten()
                .filter(|n| !parece_catalogo(n, t))
        });
        if let Some(n) = &nome_novo {
            // The name's words are not something to search for.
            let do_nome: Vec<String> = normalize(n).split(' ').map(String::from).collect();
            e.termos.retain(|t| !do_nome.contains(&t.palavra));
            t.explicacao.entendimento = serde_json::to_value(&e).unwrap_or_default();
        }
        if let (Some(n), false) = (&nome_novo, esperando_nome_do_agendamento) {
            t.estado.nome = Some(n.clone());
            registrar_nome(t, n);
            prefixo = format!("Prazer, {n}! ");
        }
        if let Some(s) = &e.sinais.saudacao {
            if !e.sinais.so_cortesia && nome_novo.is_none() {
                prefixo = cumprimento(s).to_string();
                t.estado.saudou = true;
            }
        }
        let mut r = self.despachar(&e, texto, &vocab, t, nome_novo.is_some());
        if t.explicacao.intencao == "nao_entendi" {
            t.estado.nao_entendidas = t.estado.nao_entendidas.saturating_add(1);
        } else {
            t.estado.nao_entendidas = 0;
        }
        self.capturar(&e, texto, t);
        if !prefixo.is_empty() && !r.texto.starts_with(prefixo.trim_end()) {
            r.texto = format!("{prefixo}{}", r.texto);
        }
        r
    }

    fn despachar(
        &self,
        e: &Entendimento,
        texto: &str,
        vocab: &Vocabulario,
        t: &mut Turno<'_>,
        deu_nome: bool,
    ) -> Resposta {
        let s = &e.sinais;
        let intencao = |t: &mut Turno<'_>, i: &str| t.explicacao.intencao = i.to_string();
        if s.optout {
            intencao(t, "optout");
            t.estado.oferta = None;
            return Resposta::texto(
                "Tudo bem! Não vou mais te mandar mensagens por aqui. Se precisar de algo, é só chamar. 👋".into(),
            );
        }
        if self.wants_human(texto) {
            intencao(t, "humano");
            return transferir(self, t, "pedido_do_cliente", &self.handoff_text());
        }
        if s.reclamacao {
            intencao(t, "reclamacao");
            let texto = format!("Sinto muito por isso. 😔 Vou chamar agora uma pessoa da {} para resolver com você. Nosso horário de atendimento: {}.", self.empresa, self.horario);
            return transferir(self, t, "reclamacao", &texto);
        }
        if t.estado.agendamento.is_some() {
            if let Some(r) = agendar::continuar(self, e, texto, t) {
                return r;
            }
        }
        if s.negociacao {
            intencao(t, "negociacao");
            let texto = format!("Quem trata de valores e condições especiais é a nossa equipe de vendas. Vou chamar um vendedor da {} para conversar com você sobre isso. 🤝", self.empresa);
            return transferir(self, t, "negociacao", &texto);
        }
        // "troca de óleo" is a service of the catalog, not a trade-in or an exchange.
        let troca_do_catalogo = vocab.em_nome("troca")
            && !crate::bot::entender::texto::has_any(
                &e.norm,
                &[
                    "trocar o produto",
                    "devolver",
                    "devolucao",
                    "nao serviu",
                    "defeito",
                    "meu carro",
                    "meu usado",
                    "politica de troca",
                    "aceita troca",
                ],
            );
        if s.troca && !troca_do_catalogo {
            intencao(t, "troca");
            return self.troca(t);
        }
        if s.cancelar || (s.remarcar && t.estado.agendamento.is_none() && !s.agendar) {
            return agendar::cancelar(self, e, t);
        }
        // "quero lavar o carro amanhã cedo": a service with a day or time is a booking.
        let servico_com_data = self.setor == Setor::Servicos
            && !s.horario
            && crate::bot::entender::texto::has_any(
                &e.norm,
                &[
                    "quero", "queria", "gostaria", "posso", "da pra", "da para", "consigo", "pode ser", "preciso",
                    "tem vaga",
                ],
            )
            && !crate::bot::entender::datas::preferencia(&e.norm, t.agora.data, &self.agenda.expediente).vazia();
        if s.agendar || servico_com_data || (s.remarcar && t.estado.agendamento.is_none()) {
            let item = contexto::item_do_agendamento(self, e, vocab, t);
            return agendar::iniciar(self, e, t, item);
        }
        // "quero 3": how many of the item in focus (before "quero" accepts an offer).
        if let Some(r) = contexto::quantidade(self, e, t) {
            return r;
        }
        let substantivo =
            !e.termos.is_empty() || !e.perguntas.is_empty() || !e.filtros.vazio() || s.mais_opcoes || s.mais_barato;
        if s.afirmacao && !substantivo {
            if let Some(oferta) = t.estado.oferta.clone() {
                return self.aceitar(oferta, e, vocab, t);
            }
        }
        if s.negacao && !substantivo && t.estado.oferta.take().is_some() {
            intencao(t, "recusou_oferta");
            return Resposta::texto(
                "Tudo bem! Se quiser ver outras opções ou tirar alguma dúvida, é só falar. 😊".into(),
            );
        }
        if deu_nome && !substantivo && !s.horario && !s.endereco {
            intencao(t, "nome");
            return Resposta::texto(self.depois_do_nome(t));
        }
        if s.identidade {
            intencao(t, "identidade");
            return Resposta::texto(format!("Sou a assistente virtual da {} 🤖 — respondo na hora sobre o catálogo, preços e horários. Se preferir falar com uma pessoa, é só pedir!", self.empresa));
        }
        if let Some(r) = contexto::responder(self, e, vocab, t) {
            return r;
        }
        let mut partes: Vec<String> = Vec::new();
        if s.financiamento || s.pagamento {
            intencao(t, "pagamento");
            partes.push(self.pagamento.clone().unwrap_or_else(|| {
                "As formas de pagamento e as condições são combinadas com a nossa equipe no fechamento.".into()
            }));
            if s.financiamento && matches!(self.setor, Setor::Veiculos | Setor::Imoveis) {
                partes.push("Para simular o financiamento com as condições certas, precisa de um consultor. Quer que eu chame um?".into());
                t.estado.oferta = Some(Oferta::Atendente { motivo: "financiamento".into() });
            }
        }
        if s.entrega {
            intencao(t, "entrega");
            partes.push(
                "Sobre entrega, prazos e frete, quem confirma é a nossa equipe. Quer que eu chame um atendente?".into(),
            );
            t.estado.oferta = Some(Oferta::Atendente { motivo: "entrega".into() });
        }
        if s.horario {
            intencao(t, "horario");
            partes.push(self.horario_texto(e, t.agora));
        }
        if s.endereco {
            intencao(t, "endereco");
            partes.push(match &self.endereco {
                Some(end) => format!("Estamos em: {end}"),
                None => {
                    t.estado.oferta = Some(Oferta::Atendente { motivo: "endereco".into() });
                    "Nosso endereço ainda não está cadastrado aqui; quer que eu chame um atendente para te passar?"
                        .into()
                }
            });
        }
        let vitrine = vitrine::pede_vitrine(self.setor, e);
        // "aceita financiamento?" says "to buy", which alone is no search next to its answer.
        let so_finalidade = e.termos.is_empty() && e.ordem.is_none() && {
            let mut f = e.filtros.clone();
            f.finalidade = None;
            f.vazio()
        };
        // Next to an answer, a search only for what the catalog knows ("onde vocês ficam?"
        // leaves "ficam", which is no product).
        let so_palavras_soltas = e.filtros.vazio()
            && e.ordem.is_none()
            && e.termos
                .iter()
                .all(|t| !t.conhecido || t.qualificador || (s.endereco && LUGARES.contains(&t.palavra.as_str())));
        let busca = e.busca_algo() && (partes.is_empty() || (!so_finalidade && !so_palavras_soltas));
        if !partes.is_empty() && !busca && !vitrine {
            return Resposta::texto(partes.join("\n"));
        }
        if busca || (partes.is_empty() && crate::bot::entender::pergunta_preco(&e.norm)) {
            let achados_antes = t.explicacao.itens.len();
            let mut r = busca::responder(self, e, vocab, t);
            if !partes.is_empty() {
                // Nothing found beside an answer: the answer alone, not "não encontrei".
                if t.explicacao.itens.len() == achados_antes {
                    return Resposta::texto(partes.join("\n"));
                }
                r.texto = format!("{}\n\n{}", partes.join("\n"), r.texto);
            }
            return r;
        }
        if vitrine {
            let mut r = vitrine::responder(self, e, vocab, t);
            if !partes.is_empty() {
                r.texto = format!("{}\n\n{}", partes.join("\n"), r.texto);
            }
            return r;
        }
        if s.so_cortesia && !s.agradecimento && !s.despedida {
            intencao(t, "saudacao");
            return Resposta::texto(self.saudar(e, t));
        }
        if s.agradecimento || s.despedida {
            intencao(t, "agradecimento");
            return Resposta::texto("Por nada! Qualquer coisa é só chamar por aqui. 😊".into());
        }
        if let Some(h) = horario_preferido(texto, &e.norm) {
            intencao(t, "horario_preferido");
            let _ = h;
            return Resposta::texto(
                "Anotado! Vou deixar registrado o melhor horário para falarmos com você. 😊".into(),
            );
        }
        intencao(t, "nao_entendi");
        self.nao_entendi(t)
    }

    /// Writes to the lead what this message revealed: budget, interest, preferred time.
    fn capturar(&self, e: &Entendimento, texto: &str, t: &mut Turno<'_>) {
        let mut d = DadosLead::default();
        let orcamento = e.filtros.preco_alvo.or(e.filtros.preco_max);
        if orcamento.is_some() && orcamento != t.estado.ficha.orcamento_centavos {
            d.orcamento_centavos = orcamento;
            t.estado.ficha.orcamento_centavos = orcamento;
        }
        if let Some(i) = t.interesse.take() {
            let i: String = i.chars().take(200).collect();
            if t.estado.ficha.interesse.as_deref() != Some(i.as_str()) {
                t.estado.ficha.interesse = Some(i.clone());
                d.interesse = Some(i);
            }
        }
        if let Some(h) = horario_preferido(texto, &e.norm) {
            if t.estado.ficha.horario_preferido.as_deref() != Some(h.as_str()) {
                t.estado.ficha.horario_preferido = Some(h.clone());
                d.horario_preferido = Some(h);
            }
        }
        if d == DadosLead::default() {
            return;
        }
        t.explicacao.ferramenta(
            "registrar_lead",
            json!({"interesse": d.interesse, "orcamento_centavos": d.orcamento_centavos, "horario_preferido": d.horario_preferido}),
            "ok",
        );
        if let Err(err) = t.tools.record_lead(&d) {
            log::warn!("fallback: dados do lead não registrados: {err}");
        }
    }
}

#[cfg(test)]
#[path = "fallback_tests.rs"]
mod tests;
