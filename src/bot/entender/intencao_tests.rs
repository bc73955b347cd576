//! Unit tests of intents, names and preferred contact times.

use super::*;
use crate::bot::entender::texto::normalize;

fn s(t: &str) -> Sinais {
    sinais(&normalize(t))
}

#[test]
fn intents() {
    assert_eq!(s("Bom dia!").saudacao.as_deref(), Some("bom dia"));
    assert!(s("bom dia, tudo bem?").so_cortesia);
    assert!(!s("bom dia, tem civic?").so_cortesia);
    assert!(s("qual o horário de vcs?").horario);
    assert!(s("vcs abrem sabado?").horario);
    assert!(!s("tem horário amanhã?").horario && s("tem horário amanhã?").agendar);
    assert!(s("onde fica a loja?").endereco);
    assert!(s("aceita troca no meu gol?").troca);
    assert!(s("faz por 50?").negociacao);
    assert!(s("tem desconto a vista?").negociacao);
    assert!(s("financia em 48x?").financiamento);
    assert!(s("aceita pix?").pagamento);
    assert!(s("quero marcar um test drive").test_drive && s("quero marcar um test drive").agendar);
    assert!(s("PARAR").optout);
    assert!(!s("quero um carro para sair com a familia").optout);
    assert!(s("isso é um golpe, vou no procon").reclamacao);
    assert!(s("sim").afirmacao && s("quero sim!").afirmacao && s("pode ser").afirmacao);
    assert!(!s("bom dia").afirmacao);
    assert!(!s("ok, obrigado").afirmacao && s("ok, obrigado").agradecimento);
    assert!(s("não, obrigado").negacao && !s("não, obrigado").afirmacao);
    assert!(s("tem mais opções?").mais_opcoes);
    assert!(s("tem algo mais barato?").mais_barato);
    assert!(s("vc é um robô?").identidade);
    assert!(s("preciso cancelar a visita").cancelar);
    assert!(s("posso remarcar pra outro dia?").remarcar);
}

#[test]
fn names() {
    assert_eq!(nome_dito("meu nome é joão").as_deref(), Some("João"));
    assert_eq!(nome_dito("Oi, me chamo Ana Paula, quero um carro").as_deref(), Some("Ana Paula"));
    assert_eq!(nome_dito("aqui é o Pedro").as_deref(), Some("Pedro"));
    assert_eq!(nome_dito("sou a MARIA").as_deref(), Some("Maria"));
    assert_eq!(nome_dito("sou interessado no corolla"), None);
    assert_eq!(nome_dito("quanto custa o civic?"), None);
    assert_eq!(nome_solto("João").as_deref(), Some("João"));
    assert_eq!(nome_solto("maria clara").as_deref(), Some("Maria Clara"));
    assert_eq!(nome_solto("João Pedro da Silva").as_deref(), Some("João Pedro da Silva"));
    assert_eq!(nome_dito("meu nome é Ana dos Santos, quero um carro").as_deref(), Some("Ana dos Santos"));
    assert_eq!(nome_solto("é a Ana").as_deref(), Some("Ana"));
    assert_eq!(nome_solto("sim"), None);
    assert_eq!(nome_solto("quanto custa o civic?"), None);
}

#[test]
fn preferred_time() {
    let t = "prefiro que me liguem de manhã";
    assert_eq!(horario_preferido(t, &normalize(t)).as_deref(), Some(t));
    assert_eq!(horario_preferido("tem civic?", "tem civic"), None);
}
