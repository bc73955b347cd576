//! What the webhook journals for an empresa: one self-contained event per row (a customer's
//! message, a message the business sent from its phone, a delivery status), already routed
//! and normalised on the webhook thread, so the journal worker only has to apply it.
//!
//! The JSON form is stored in `data/journal.db` and read back by a later process (after a
//! crash or an upgrade): fields are only ever added, with defaults. A field at its default
//! (`None`, `false`) is left out of the JSON: a journal row is written to the WAL on the
//! webhook's path, and a text message's row was a tenth nulls (issue #20).

use serde::{Deserialize, Serialize};

use crate::store::tenant::conversas::{MidiaEntrada, NovaEntrada};
use crate::store::tenant::identidade::TrocaDeNumero;
use crate::store::tenant::lote::ItemLote;

impl MensagemAnotada {
    /// The message's (phone, BSUID) keys. An event journaled before issue #17 carried a BSUID
    /// or an `@lid` JID in `wa_id` when there was no phone: that is its BSUID.
    fn chaves(&self) -> (&str, Option<&str>) {
        let user_id = self.user_id.as_deref().filter(|u| !u.is_empty());
        if user_id.is_none() && !self.wa_id.bytes().all(|b| b.is_ascii_digit()) {
            ("", Some(self.wa_id.as_str()))
        } else {
            (self.wa_id.as_str(), user_id)
        }
    }
}

/// One journaled event.
// Nearly every event is a `Mensagem`, each living only until it is applied: boxing the big
// variant would add an allocation per message to save bytes on the rarer statuses.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "evento", rename_all = "snake_case")]
pub enum Evento {
    /// A message in a customer's conversa.
    Mensagem(MensagemAnotada),
    /// A delivery status (`enviada`/`entregue`/`lida`/`falhou`) for one of our messages.
    Status {
        wa_message_id: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erro_codigo: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erro_titulo: Option<String>,
    },
}

/// The new keys of a customer who changed number (see [`TrocaDeNumero`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrocaAnotada {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
    #[serde(default)]
    pub wa_id_variantes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destino: Option<String>,
}

/// A message to store (see [`NovaEntrada`] for the meaning of each field).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MensagemAnotada {
    pub wa_message_id: String,
    /// The phone, canonical form; `""` when the message had none. (Events journaled before
    /// issue #17 put a BSUID or an `@lid` JID here when there was no phone.)
    pub wa_id: String,
    #[serde(default)]
    pub wa_id_variantes: Vec<String>,
    /// The BSUID (Cloud API) or `@lid` JID (Evolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A number-change notice: the customer's new keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub troca: Option<Box<TrocaAnotada>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destino: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nome_perfil: Option<String>,
    pub canal: String,
    pub tipo: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texto: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midia_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midia_mime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bruto_json: Option<String>,
    /// How to fetch the media of a media message (downloaded later by the media worker);
    /// absent from a text message's JSON (journal rows stay as small as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midia: Option<Box<MidiaAnotada>>,
    /// Sent by the business from its own phone (Evolution `fromMe`): recorded, never answered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub da_empresa: bool,
    /// The bot may answer it (text, not history) — if the empresa is active when applied.
    #[serde(default)]
    pub responder: bool,
    /// When the webhook received it, epoch ms (the bot's debounce counts from here).
    pub recebida_ms: i64,
}

/// Where a message's media comes from (see [`MidiaEntrada`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MidiaAnotada {
    /// `cloud` or `evolution`.
    pub provedor: String,
    #[serde(default)]
    pub voz: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nome_arquivo: Option<String>,
    /// The bytes, base64, when the webhook carried them and they are small (see
    /// `ingestao_evolution::BASE64_NO_JOURNAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
}

impl Evento {
    /// The tenant-store item for this event; `ativo` is the empresa's state when applied
    /// (a suspended empresa keeps its messages but gets no bot job).
    pub fn item(&self, ativo: bool) -> ItemLote<'_> {
        match self {
            Evento::Mensagem(m) => {
                let (wa_id, user_id) = m.chaves();
                let identificado = !wa_id.is_empty() || user_id.is_some();
                let e = NovaEntrada {
                    wa_message_id: &m.wa_message_id,
                    wa_id,
                    wa_id_variantes: &m.wa_id_variantes,
                    user_id,
                    username: m.username.as_deref(),
                    troca: m.troca.as_ref().map(|t| TrocaDeNumero {
                        wa_id: t.wa_id.as_deref(),
                        variantes: &t.wa_id_variantes,
                        user_id: t.user_id.as_deref(),
                        destino: t.destino.as_deref(),
                    }),
                    destino: m.destino.as_deref(),
                    nome_perfil: m.nome_perfil.as_deref(),
                    canal: &m.canal,
                    tipo: &m.tipo,
                    texto: m.texto.as_deref(),
                    midia_id: m.midia_id.as_deref(),
                    midia_mime: m.midia_mime.as_deref(),
                    bruto_json: m.bruto_json.as_deref(),
                    midia: m.midia.as_ref().map(|x| MidiaEntrada {
                        provedor: &x.provedor,
                        voz: x.voz,
                        nome_arquivo: x.nome_arquivo.as_deref(),
                        base64: x.base64.as_deref(),
                    }),
                    // Never a job for a sender with no phone and no BSUID: there is no one to
                    // answer (an older binary journaled such events as answerable).
                    criar_job: ativo && m.responder && !m.da_empresa && m.texto.is_some() && identificado,
                    agora_ms: m.recebida_ms,
                };
                if m.da_empresa {
                    ItemLote::SaidaExterna(e)
                } else {
                    ItemLote::Entrada(e)
                }
            }
            Evento::Status { wa_message_id, status, erro_codigo, erro_titulo } => ItemLote::Status {
                wa_message_id,
                status,
                erro: erro_codigo.map(|c| (c, erro_titulo.as_deref().unwrap_or(""))),
            },
        }
    }

    /// A customer's message that the bot may answer (re-marking the tenant on a re-delivery).
    pub fn do_cliente(&self) -> bool {
        matches!(self, Evento::Mensagem(m) if !m.da_empresa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_old_rows_without_new_fields() {
        let m = Evento::Mensagem(MensagemAnotada {
            wa_message_id: "wamid.1".into(),
            wa_id: "5511999990000".into(),
            canal: "whatsapp".into(),
            tipo: "text".into(),
            texto: Some("oi".into()),
            responder: true,
            recebida_ms: 7,
            ..MensagemAnotada::default()
        });
        let s = serde_json::to_string(&m).expect("json");
        assert_eq!(serde_json::from_str::<Evento>(&s).expect("back"), m);
        assert!(!s.contains("\"midia\""), "a text event carries no media field: {s}");
        assert!(!s.contains("null") && !s.contains("da_empresa"), "defaults are left out: {s}");
        // A row written before defaults were left out still reads the same.
        let com_nulos = s.replacen('{', r#"{"username":null,"troca":null,"midia_id":null,"da_empresa":false,"#, 1);
        assert_eq!(serde_json::from_str::<Evento>(&com_nulos).expect("old row with nulls"), m);
        let foto = Evento::Mensagem(MensagemAnotada {
            tipo: "image".into(),
            midia_id: Some("1003383421387256".into()),
            midia: Some(Box::new(MidiaAnotada { provedor: "cloud".into(), ..MidiaAnotada::default() })),
            ..MensagemAnotada::default()
        });
        let json = serde_json::to_string(&foto).expect("json");
        assert_eq!(serde_json::from_str::<Evento>(&json).expect("back"), foto);
        let antigo = r#"{"evento":"status","wa_message_id":"wamid.2","status":"lida"}"#;
        let st = serde_json::from_str::<Evento>(antigo).expect("old row");
        assert!(matches!(st.item(true), ItemLote::Status { status: "lida", erro: None, .. }));
    }

    #[test]
    fn a_job_only_for_an_active_empresa_and_a_customer_text() {
        let mut m = MensagemAnotada {
            wa_id: "5511999990000".into(),
            texto: Some("oi".into()),
            responder: true,
            ..MensagemAnotada::default()
        };
        let job = |m: &MensagemAnotada, ativo| match Evento::Mensagem(m.clone()).item(ativo) {
            ItemLote::Entrada(e) | ItemLote::SaidaExterna(e) => Some(e.criar_job),
            ItemLote::Status { .. } => None,
        };
        assert_eq!(job(&m, true), Some(true));
        assert_eq!(job(&m, false), Some(false), "suspended");
        let so_bsuid = MensagemAnotada { wa_id: String::new(), user_id: Some("US.1".into()), ..m.clone() };
        assert_eq!(job(&so_bsuid, true), Some(true), "a BSUID is someone to answer");
        // An older binary journaled a message with neither phone nor BSUID as answerable.
        let ninguem = MensagemAnotada { wa_id: String::new(), ..m.clone() };
        assert_eq!(job(&ninguem, true), Some(false), "no one to answer");
        m.da_empresa = true;
        assert_eq!(job(&m, true), Some(false), "sent by the business");
        assert!(matches!(Evento::Mensagem(m).item(true), ItemLote::SaidaExterna(_)));
    }

    #[test]
    fn an_older_event_keyed_by_bsuid_or_lid_is_read_as_one() {
        for (wa_id, esperado) in [
            ("US.13491208655302741918", ("", Some("US.13491208655302741918"))),
            ("82030184386636@lid", ("", Some("82030184386636@lid"))),
            ("5511999990000", ("5511999990000", None)),
            ("", ("", None)),
        ] {
            let m = MensagemAnotada { wa_id: wa_id.into(), ..MensagemAnotada::default() };
            assert_eq!(m.chaves(), esperado, "{wa_id}");
        }
        let novo =
            MensagemAnotada { wa_id: "5511999990000".into(), user_id: Some("US.1".into()), ..Default::default() };
        assert_eq!(novo.chaves(), ("5511999990000", Some("US.1")));
    }
}
