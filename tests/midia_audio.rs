//! Voice notes: downloaded, transcribed with the empresa's own OpenAI-compatible key
//! (`/v1/audio/transcriptions`, multipart, pt), the transcript stored as the message's text
//! and answered by the bot like text — the reply waits for it. Without a key the bot says it
//! cannot listen to audio and offers a person.

use helixai::domain::Setor;
use helixai::pipeline::resposta::AVISO_AUDIO;
use helixai::store::central::BotAlteracao;
use serde_json::json;

use crate::support::fake_graph::FakeGraph;
use crate::support::fake_transcricao::FakeTranscricao;
use crate::support::midia::*;
use crate::support::server::TestServer;
use crate::support::whatsapp::*;

const CLIENTE: &str = "5511988887777";
const AUDIO_ID: &str = "1908647269898587";
const TRANSCRITO: &str = "Oi, vocês têm o Onix 2020 prata? Qual o valor à vista?";
const RESPOSTA: &str = "Temos sim! O Onix 2020 prata está disponível. Quer agendar uma visita?";

fn textos_enviados(graph: &FakeGraph) -> Vec<String> {
    sends(graph).iter().map(|r| r.body["text"]["body"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn a_voice_note_is_transcribed_with_the_empresas_key_and_the_bot_answers_the_transcript() {
    let graph = FakeGraph::start(TOKEN);
    let voz = arquivo("voz.ogg");
    graph.add_midia(AUDIO_ID, "audio/ogg; codecs=opus", &voz);
    let ia = FakeTranscricao::start("sk-da-loja", TRANSCRITO, RESPOSTA);
    let srv = TestServer::start_with(pipeline_config(&graph));
    let llm = Llm { base_url: &ia.base_url, modelo: "modelo-da-loja", key: "sk-da-loja" };
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, Some(llm));
    let mut config = serde_json::Map::new();
    config.insert("transcricao_modelo".into(), json!("gpt-4o-mini-transcribe"));
    let bot = BotAlteracao { configuracoes: config, ..BotAlteracao::default() };
    srv.app.central.empresa_definir_bot(e.id, &bot).expect("model");

    post_ok(srv.addr, &envelope_midia("audio_voice.json", PID, "wamid.VOZ1", CLIENTE, AUDIO_ID));
    let db = srv.app.tenant_db(&e).expect("db");
    // The reply waits for the transcript: no bot job can be claimed while the audio is pending.
    let agora = helixai::clock::unix_now_ms();
    assert_eq!(db.job_reivindicar(agora + 60_000, 0, 60_000).expect("claim"), None);

    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(ia.violations(), Vec::<String>::new());
    let pedidos = ia.transcricoes();
    assert_eq!(pedidos.len(), 1);
    let parte = |n: &str| pedidos[0].iter().find(|p| p.nome == n).cloned().unwrap_or_else(|| panic!("part {n}"));
    assert_eq!(parte("file").dados, voz, "the voice note's own bytes");
    assert_eq!(parte("file").tipo.as_deref(), Some("audio/ogg"));
    assert_eq!(parte("file").arquivo.as_deref(), Some("audio.ogg"));
    assert_eq!(parte("model").texto(), "gpt-4o-mini-transcribe");
    assert_eq!(parte("language").texto(), "pt");
    assert_eq!(parte("response_format").texto(), "json");

    let m = db.mensagem_por_wa_id("wamid.VOZ1").expect("q").expect("msg");
    assert_eq!(m.texto.as_deref(), Some(TRANSCRITO), "the transcript is stored with the message");
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!((midia.voz, midia.transcricao_estado.as_deref()), (true, Some("pronta")));
    // The bot was asked the transcript, as text, and its answer went out.
    let chats = ia.chats();
    assert_eq!(chats.len(), 1, "one bot turn after the transcription");
    let ultima = chats[0]["messages"].as_array().and_then(|m| m.last()).cloned().expect("messages");
    assert_eq!((ultima["role"].as_str(), ultima["content"].as_str()), (Some("user"), Some(TRANSCRITO)));
    assert_eq!(textos_enviados(&graph), vec![RESPOSTA.to_owned()]);
}

#[test]
fn without_an_llm_key_the_bot_says_it_cannot_listen_and_offers_a_person() {
    let graph = FakeGraph::start(TOKEN);
    graph.add_midia(AUDIO_ID, "audio/ogg; codecs=opus", &arquivo("voz.ogg"));
    let srv = TestServer::start_with(pipeline_config(&graph));
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, None);
    post_ok(srv.addr, &envelope_midia("audio_voice.json", PID, "wamid.VOZ2", CLIENTE, AUDIO_ID));
    rodar_ate_assentar(&srv.app, &e);
    let db = srv.app.tenant_db(&e).expect("db");
    let m = db.mensagem_por_wa_id("wamid.VOZ2").expect("q").expect("msg");
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!((midia.estado.as_str(), midia.transcricao_estado.as_deref()), ("pronta", Some("sem_chave")));
    assert_eq!(m.texto.as_deref(), Some("[mensagem de voz]"));
    let enviados = textos_enviados(&graph);
    assert_eq!(enviados, vec![AVISO_AUDIO.to_owned()]);
    assert!(AVISO_AUDIO.contains("não consigo ouvir") && AVISO_AUDIO.contains("atendente"));
}

#[test]
fn a_failing_transcription_is_retried_then_answered_and_a_voice_note_beside_text_gets_both() {
    let graph = FakeGraph::start(TOKEN);
    graph.add_midia(AUDIO_ID, "audio/ogg; codecs=opus", &arquivo("voz.ogg"));
    let ia = FakeTranscricao::start("sk-da-loja", TRANSCRITO, RESPOSTA);
    // Four tries, all 503: the voice note is given up, and the reply says so after answering the text.
    for _ in 0..4 {
        ia.script(503, r#"{"error":{"message":"overloaded","type":"server_error"}}"#);
    }
    let srv = TestServer::start_with(pipeline_config(&graph));
    let llm = Llm { base_url: &ia.base_url, modelo: "m", key: "sk-da-loja" };
    let e = empresa_com_canal(&srv.app, "carros", Setor::Veiculos, PID, Some(llm));
    post_ok(srv.addr, &text_envelope(PID, "wamid.T1", CLIENTE, "Bom dia!"));
    post_ok(srv.addr, &envelope_midia("audio_voice.json", PID, "wamid.VOZ3", CLIENTE, AUDIO_ID));
    rodar_ate_assentar(&srv.app, &e);
    assert_eq!(ia.transcricoes().len(), 4, "retried up to the voice-note limit");
    let metricas = srv.app.metrics.render(&srv.app.tenants.stats(), &srv.app.journal.stats(), None, Default::default());
    assert!(metricas.contains("helixai_transcriptions_total{result=\"erro\"} 4"), "{metricas}");
    let db = srv.app.tenant_db(&e).expect("db");
    let m = db.mensagem_por_wa_id("wamid.VOZ3").expect("q").expect("msg");
    let midia = db.midia_da_mensagem(m.id).expect("q").expect("row");
    assert_eq!(midia.transcricao_estado.as_deref(), Some("falhou"));
    let chats = ia.chats();
    assert_eq!(chats.len(), 1);
    let ultima = chats[0]["messages"].as_array().and_then(|m| m.last()).cloned().expect("messages");
    assert_eq!(ultima["content"].as_str(), Some("Bom dia!"), "the bot answers what it can read");
    let enviados = textos_enviados(&graph);
    assert_eq!(enviados.len(), 1);
    assert!(enviados[0].starts_with(RESPOSTA) && enviados[0].contains("Não consegui ouvir"), "{}", enviados[0]);
}
