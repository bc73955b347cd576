//! Fuzz target: the Evolution API webhook parser must never panic, whatever reaches the
//! webhook URL (Evolution signs nothing), and every event it returns must be usable: the
//! text for the bot, the lead key (phone canonical form and variants) and the reply address.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = helixai::evolution::parse(data) {
        for e in &env.eventos {
            match e {
                helixai::evolution::EventoEvolution::Mensagem(m) => {
                    let _ = (m.text_for_bot(), m.kind_name(), m.media(), m.em_grupo(), m.responder_para(), m.lid());
                    if let Some(fone) = m.telefone() {
                        let canonico = helixai::telefone::canonico(&fone);
                        let variantes = helixai::telefone::variantes(&fone);
                        assert!(variantes.first() == Some(&canonico) || variantes.is_empty());
                    }
                }
                helixai::evolution::EventoEvolution::Status(s) => {
                    let _ = s.status_nosso();
                }
                helixai::evolution::EventoEvolution::Conexao(c) => {
                    let _ = c.descricao_motivo();
                }
                helixai::evolution::EventoEvolution::Qr(_) => {}
            }
        }
    }
});
