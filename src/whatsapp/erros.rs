//! Meta's WhatsApp error codes explained in pt-BR for the people who read them: what
//! happened and what to do. The one table the API returns with each failed message
//! (`erro_explicacao`, `erro_acao`) and the panel shows — every code in Meta's error
//! reference that a sales bot meets (see `send.rs` for which ones are retried).

/// What a code means and what to do about it, in pt-BR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explicacao {
    /// What happened, in plain words.
    pub explicacao: &'static str,
    /// What the empresa (or the reseller) should do.
    pub acao: &'static str,
}

const fn e(explicacao: &'static str, acao: &'static str) -> Option<Explicacao> {
    Some(Explicacao { explicacao, acao })
}

const TOKEN: &str =
    "Gere um token permanente (usuário do sistema no Business Manager) e salve em WhatsApp → Token de acesso; \
     o token temporário do painel da Meta vale só 24 h.";
const PERMISSAO: &str =
    "No Business Manager, dê ao app a permissão whatsapp_business_messaging para este número e gere o token \
     de novo.";
const ESPERAR: &str =
    "Nada a fazer: o HelixAI tenta de novo sozinho, com intervalos crescentes. Se continuar, confira o status \
     da plataforma em metastatus.com.";
const MODELO: &str =
    "Corrija o modelo de mensagem (template) no Gerenciador do WhatsApp da Meta e aguarde a aprovação.";

/// The explanation of Meta's `code`, or `None` for a code not in the reference.
pub fn explicar(codigo: i64) -> Option<Explicacao> {
    match codigo {
        0 => e("A Meta não conseguiu autenticar o app: o token de acesso expirou ou foi invalidado.", TOKEN),
        190 => e("O token de acesso do WhatsApp expirou ou foi revogado.", TOKEN),
        3 => e("O app não tem a capacidade necessária para usar esta função da API do WhatsApp.", PERMISSAO),
        10 | 200..=299 => e("O app não tem permissão para enviar por este número (permissão ausente ou removida).", PERMISSAO),
        4 => e("O app atingiu o limite de chamadas à API da Meta.", ESPERAR),
        80007 => e("A conta do WhatsApp Business atingiu o limite de chamadas à API.", ESPERAR),
        130429 => e("O número atingiu o limite de mensagens por segundo da API do WhatsApp.", ESPERAR),
        131056 => e(
            "Muitas mensagens seguidas para o mesmo cliente em pouco tempo (limite de 1 mensagem a cada 6 s por contato).",
            "O HelixAI espera e tenta de novo. Evite dividir uma resposta em muitas mensagens curtas.",
        ),
        131048 => e(
            "Envio limitado por suspeita de spam: muitas mensagens deste número foram bloqueadas ou denunciadas.",
            "Pare envios em massa e confira a classificação de qualidade do número no Gerenciador do WhatsApp da Meta.",
        ),
        131026 => e(
            "Não foi possível entregar: o número não tem WhatsApp, o cliente não aceitou os termos novos ou usa uma versão antiga do app.",
            "Confirme o número com o cliente por outro canal; não adianta reenviar.",
        ),
        131047 => e(
            "Passaram mais de 24 h desde a última mensagem do cliente: fora da janela de atendimento, o WhatsApp só aceita modelos aprovados.",
            "Espere o cliente escrever de novo ou envie um modelo de mensagem (template) aprovado pela Meta.",
        ),
        131049 => e(
            "A Meta não entregou para preservar o engajamento: o cliente já recebeu muitas mensagens de marketing.",
            "Aguarde pelo menos 24 h antes de tentar de novo.",
        ),
        131050 => e(
            "O cliente pediu para não receber mais mensagens de marketing desta empresa.",
            "Não reenvie; respeite a escolha do cliente.",
        ),
        131051 => e("Tipo de mensagem não suportado pelo WhatsApp.", "Envie como texto ou em um formato aceito (imagem, documento, áudio)."),
        131052 => e(
            "Não foi possível baixar a mídia enviada pelo cliente.",
            "Peça ao cliente para enviar o arquivo de novo.",
        ),
        131053 => e(
            "Não foi possível enviar a mídia: o arquivo foi recusado ou é de um tipo não aceito.",
            "Confira o formato e o tamanho do arquivo e envie de novo.",
        ),
        131000 => e("A mensagem falhou por um erro desconhecido na Meta.", ESPERAR),
        1 | 2 | 131016 => e("Serviço do WhatsApp temporariamente indisponível ou sobrecarregado.", ESPERAR),
        133004 => e("O servidor da Meta para este número está temporariamente indisponível.", ESPERAR),
        131057 => e(
            "A conta do WhatsApp Business está em manutenção (por exemplo, aumento de capacidade), por até 1 minuto.",
            ESPERAR,
        ),
        131021 => e(
            "O número de destino é o mesmo número que envia.",
            "Teste com outro telefone: o número da empresa não pode mandar mensagem para si mesmo.",
        ),
        131031 => e(
            "A conta do WhatsApp Business foi bloqueada (violação de política ou PIN de verificação em duas etapas errado).",
            "Acesse o Gerenciador do WhatsApp da Meta para ver o motivo e pedir revisão; confira o PIN de duas etapas.",
        ),
        131042 => e(
            "Há um problema com a forma de pagamento da conta do WhatsApp Business.",
            "Atualize a forma de pagamento no Business Manager (Cobrança).",
        ),
        131008 => e("Faltou um parâmetro obrigatório no envio.", "Avise o suporte do HelixAI: é um erro nosso."),
        131009 => e("Um parâmetro do envio tem valor inválido.", "Avise o suporte do HelixAI: é um erro nosso."),
        131045 => e(
            "O número de telefone não está registrado na API do WhatsApp.",
            "Conclua o registro do número no Gerenciador do WhatsApp da Meta.",
        ),
        130472 => e(
            "O número do cliente faz parte de um experimento da Meta e não recebeu a mensagem de marketing.",
            "Nada a fazer: é uma limitação da Meta para este contato.",
        ),
        132000 => e("O número de parâmetros não confere com o modelo de mensagem (template).", MODELO),
        132001 => e("O modelo de mensagem (template) não existe neste idioma ou ainda não foi aprovado.", MODELO),
        132015 => e("O modelo de mensagem (template) foi pausado pela Meta por baixa qualidade.", MODELO),
        132002..=132999 => e("Problema com o modelo de mensagem (template).", MODELO),
        368 => e(
            "A conta do WhatsApp Business foi restringida por violar as políticas da Meta.",
            "Veja o motivo no Gerenciador do WhatsApp da Meta e peça revisão.",
        ),
        100 => e("A Meta recusou um parâmetro inválido ou com erro de digitação.", "Avise o suporte do HelixAI: é um erro nosso."),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::explicar;

    /// Every code of Meta's error reference (`whatsapp-cloud-api.md` §6) and of the retry
    /// table in `send.rs` has an explanation and an action in pt-BR.
    #[test]
    fn every_reference_code_is_explained() {
        let codigos = [
            0, 1, 2, 3, 4, 10, 100, 190, 200, 250, 299, 368, 80007, 130429, 130472, 131000, 131008, 131009, 131016,
            131021, 131026, 131031, 131042, 131045, 131047, 131048, 131049, 131050, 131051, 131052, 131053, 131056,
            131057, 132000, 132001, 132015, 132068, 133004,
        ];
        for c in codigos {
            let x = explicar(c).unwrap_or_else(|| panic!("código {c} sem explicação"));
            assert!(x.explicacao.len() > 20 && x.acao.len() > 15, "{c}: {x:?}");
            assert!(!x.explicacao.contains("Re-engagement"), "{c}: em português");
        }
        assert_eq!(explicar(131047).map(|x| x.acao.contains("modelo")), Some(true));
        assert_eq!(explicar(404), None, "an HTTP status of the Evolution channel is not a Meta code");
        assert_eq!(explicar(500), None);
    }
}
