//! What a message wants, besides a search: greetings, thanks, opening hours, address,
//! payment and financing, trade-in, negotiation, a person, complaints, opt-out, booking and
//! cancelling, yes/no to the bot's offer, "more options", "is this a robot?", the customer's
//! name and when they prefer to be contacted. Keyword stems on normalised text, so typos
//! corrected earlier and missing accents read the same.

use serde::Serialize;

use super::texto::{has_any, is_stopword, words};

/// The intents found in one message (several may hold: "bom dia, qual o horário?").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sinais {
    /// The greeting used (`bom dia`, `boa tarde`, `boa noite`, `oi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saudacao: Option<String>,
    pub agradecimento: bool,
    pub despedida: bool,
    pub horario: bool,
    pub endereco: bool,
    pub pagamento: bool,
    pub financiamento: bool,
    pub troca: bool,
    pub negociacao: bool,
    pub reclamacao: bool,
    pub optout: bool,
    pub agendar: bool,
    pub test_drive: bool,
    pub cancelar: bool,
    pub remarcar: bool,
    pub afirmacao: bool,
    pub negacao: bool,
    pub mais_opcoes: bool,
    pub mais_barato: bool,
    pub identidade: bool,
    /// Delivery and shipping (`vocês entregam?`, `frete`).
    pub entrega: bool,
    /// Only courtesy/filler words (the message asks nothing else).
    pub so_cortesia: bool,
}

#[rustfmt::skip]
const SAUDACOES: &[&str] = &[
    "bom dia", "boa tarde", "boa noite", "oi", "ola", "opa", "e ai", "eai", "oie", "hello", "salve", "alo", "hey",
    "oii",
];
#[rustfmt::skip]
const AFIRMACOES: &[&str] = &[
    "sim", "quero", "isso", "claro", "pode", "pode ser", "ok", "beleza", "bora", "vamos", "fechado", "perfeito",
    "otimo", "show", "com certeza", "aham", "uhum", "manda", "gostaria", "positivo", "yes", "tenho interesse",
    "quero sim", "pode sim", "sim por favor", "certo", "combinado", "top", "massa", "demorou", "firmeza", "desejo",
    "aceito", "sim quero", "quero ver", "por favor", "pode mandar", "pode marcar", "pode agendar", "gostei",
];
#[rustfmt::skip]
const NEGACOES: &[&str] = &[
    "nao", "agora nao", "nao obrigado", "nao obrigada", "nao precisa", "so olhando", "so pesquisando", "depois",
    "deixa para la", "nao quero", "talvez depois", "outro dia", "nao por enquanto", "por enquanto nao", "dispenso",
];
#[rustfmt::skip]
const CORTESIA: &[&str] = &[
    "oi", "ola", "bom", "boa", "dia", "tarde", "noite", "tudo", "bem", "e", "ai", "com", "voce", "voces", "como",
    "vai", "esta", "estao", "beleza", "opa", "obrigado", "obrigada", "valeu", "muito", "tchau", "ate", "mais", "logo",
    "abraco", "abracos", "boa", "ok", "certo", "entendi", "sim", "nao", "k", "rs", "haha", "eai", "salve", "oie",
    "pessoal", "gente", "amigo", "amiga", "moco", "moca", "por", "favor", "brigado", "brigada", "agradeco", "grato",
    "grata", "show", "top", "legal", "perfeito", "otimo", "joia", "blz", "hello", "hey", "alo", "oii", "que", "bacana",
];

/// What customers call the business itself (`onde fica o salão?`): never a product there.
#[rustfmt::skip]
pub const LUGARES: &[&str] = &[
    "loja", "lojas", "salao", "barbearia", "clinica", "oficina", "imobiliaria", "escritorio", "empresa", "estudio",
    "studio", "consultorio", "espaco", "concessionaria", "revenda", "agencia", "showroom", "sede", "unidade",
    "estabelecimento", "garagem", "voces", "voce", "ai", "distribuidora", "autopecas", "lavajato",
];

/// "onde fica o salão?", "onde vocês ficam?", "onde é?": the question is where the business is
/// (not where an item is: "onde fica o apartamento?").
fn onde_fica_a_empresa(ws: &[&str]) -> bool {
    let Some(i) = ws.iter().position(|w| *w == "onde") else { return false };
    let resto: Vec<&str> = ws[i + 1..]
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "o" | "a" | "os" | "as" | "e" | "que" | "mesmo" | "exatamente"))
        .collect();
    let verbo = |w: &str| matches!(w, "fica" | "ficam" | "esta" | "estao" | "localiza" | "localizam" | "e");
    match resto.as_slice() {
        [] => ws.len() <= 3,
        [v] => verbo(v) || LUGARES.contains(v),
        [v, l, ..] if verbo(v) => LUGARES.contains(l),
        [l, v, ..] if verbo(v) => LUGARES.contains(l),
        _ => false,
    }
}

/// The intents of a normalised message.
#[rustfmt::skip]
pub fn sinais(norm: &str) -> Sinais {
    let ws = words(norm);
    let curta = ws.len() <= 5;
    let mut s =
        Sinais { saudacao: SAUDACOES.iter().find(|g| has_any(norm, &[g])).map(|g| g.to_string()), ..Sinais::default() };
    s.agradecimento = ws.iter().any(|w| {
        w.starts_with("obrigad")
            || w.starts_with("agradec")
            || *w == "valeu"
            || *w == "brigado"
            || *w == "grato"
            || *w == "grata"
    });
    s.despedida =
        has_any(norm, &["tchau", "ate mais", "ate logo", "ate breve", "falou", "abraco", "boa noite e obrigado"]);
    s.horario = has_any(
        norm,
        &[
            "horario de atendimento", "horario de funcionamento", "que horas abre", "que horas fecha",
            "que horas voces", "ate que horas", "abre que horas", "fecha que horas", "esta aberto", "estao abertos",
            "esta aberta", "aberto hoje", "aberto agora", "abrem", "fecham", "funciona", "funcionam", "funcionamento",
            "expediente", "atende sabado", "atendem sabado", "atende domingo", "atendem domingo", "abre sabado",
            "abre domingo", "abrem sabado", "abrem domingo", "abre feriado", "horario de voces", "horario da loja",
            "qual o horario", "qual horario", "horarios de voces", "que horas abrem", "abre hoje", "abre amanha",
            "vai abrir",
        ],
    ) || (ws.contains(&"horario")
        && !has_any(
            norm,
            &[
                "tem horario", "horario disponivel", "horario livre", "horarios disponiveis", "horario para",
                "outro horario", "mudar o horario", "trocar o horario",
            ],
        ));
    const ABRE: &[&str] = &["abre", "abrem", "abrir", "aberto", "aberta", "abertos", "fecha", "fecham", "atende", "atendem", "funciona"];
    const DIAS: &[&str] = &["domingo", "segunda", "terca", "quarta", "quinta", "sexta", "sabado", "feriado", "feriados", "hoje", "amanha"];
    s.horario |= ws.iter().any(|w| ABRE.contains(w)) && (ws.iter().any(|w| DIAS.contains(w)) || ws.len() <= 3);
    s.entrega = ws.iter().any(|w| ["entrega", "entregam", "entregar", "entregas", "frete", "delivery", "envia", "enviam", "correio", "correios", "motoboy", "sedex"].contains(w));
    s.endereco = has_any(
        norm,
        &[
            "endereco", "onde fica a loja", "onde fica a empresa", "onde voces ficam", "onde fica voces",
            "onde voces estao", "localizacao da loja", "como chego", "como chegar", "mapa", "onde e a loja",
            "fica onde a loja", "onde e ai", "qual o local", "onde fica a imobiliaria", "onde fica a oficina",
            "onde fica o escritorio", "qual a localizacao", "localizacao de voces", "ponto de referencia",
            "onde voces atendem", "loja fisica", "tem loja", "endereco de voces", "onde eu encontro voces",
        ],
    ) || onde_fica_a_empresa(&ws);
    s.financiamento = has_any(
        norm,
        &[
            "financia", "financiamento", "financiar", "financiado", "financiada", "parcela", "parcelas", "parcelado",
            "parcelar", "parcelamento", "consorcio", "simulacao", "simular", "entrada de", "dar de entrada",
            "sem entrada", "aprovacao de credito", "credito aprovado", "fgts",
        ],
    );
    s.pagamento = has_any(
        norm,
        &[
            "pix", "cartao", "boleto", "a vista", "forma de pagamento", "formas de pagamento", "pagamento",
            "pagar com", "paga como", "aceita cartao", "aceitam cartao", "dinheiro", "debito", "credito",
            "transferencia",
        ],
    );
    s.troca = has_any(
        norm,
        &[
            "aceita troca", "aceitam troca", "pega troca", "pegam troca", "pega na troca", "pegam na troca",
            "na troca", "troca no", "troca na", "dar meu carro", "dou meu carro", "dar o meu carro",
            "carro como entrada", "carro na troca", "avaliar meu carro", "avaliar o meu", "avaliacao do meu",
            "trocar meu", "trocar o meu", "permuta", "aceita permuta", "minha moto na troca", "meu carro de entrada",
            "dou o meu", "aceita meu carro", "aceitam meu carro", "aceita carro", "aceita troca?", "faz troca",
            "fazem troca", "politica de troca", "troca de produto", "posso trocar",
            "aceitam carro", "aceita moto", "aceitam moto", "pegam carro", "pega carro", "pega meu carro",
            "pegam meu carro", "usado como entrada", "usado na troca", "meu usado", "moto como entrada",
        ],
    ) || (has_any(norm, &["como parte", "parte do pagamento", "como entrada"])
        && ws.iter().any(|w| matches!(*w, "carro" | "moto" | "usado" | "veiculo" | "caminhonete")));
    s.negociacao = has_any(
        norm,
        &[
            "desconto", "faz por", "fazer por", "faz em", "faria por", "abaixa", "abaixar", "baixa o preco",
            "baixar o preco", "baixa o valor", "melhor preco", "melhor valor", "chorinho", "negociar", "negociavel",
            "negocia", "negociacao", "proposta", "contraproposta", "consegue fazer", "da para fazer", "fecha por",
            "fechar por", "deixa por", "deixar por", "faz quanto", "faz por quanto", "menor valor a vista",
            "valor final", "ultimo preco", "ultimo valor", "aceita oferta", "fazer uma oferta", "faco uma oferta",
            "aceita menos", "mais barato a vista", "pechinchar",
        ],
    );
    // "faz o notebook por 2500?", "deixa a hilux por 180 mil?": a price proposal.
    const PROPOE: &[&str] = &["faz", "faria", "fazer", "deixa", "deixaria", "fecha", "fechar", "fecho", "aceita", "aceitaria", "consegue", "topa", "vende"];
    s.negociacao |= ws.iter().position(|w| PROPOE.contains(w)).is_some_and(|i| {
        ws[i..].windows(2).any(|par| par[0] == "por" && par[1].starts_with(|c: char| c.is_ascii_digit()))
    });
    s.reclamacao = has_any(
        norm,
        &[
            "procon", "reclamacao", "reclamar", "absurdo", "pessimo", "pessima", "horrivel", "golpe", "enganado",
            "enganada", "fraude", "advogado", "processo", "descaso", "vergonha", "palhacada", "nunca mais",
            "reclame aqui", "falta de respeito", "desrespeito", "lamentavel", "decepcionado", "decepcionada",
        ],
    );
    s.optout = curta
        && has_any(
            norm,
            &[
                "parar", "sair", "descadastrar", "stop", "pare", "cancelar inscricao", "nao quero mais receber",
                "para de mandar", "pare de mandar", "remover meu numero", "nao me mande mais",
            ],
        )
        && !has_any(norm, &["sair para", "sair com", "parar de funcionar"]);
    s.test_drive = has_any(
        norm,
        &["test drive", "testdrive", "testar o carro", "dirigir o carro", "fazer um teste", "teste drive"],
    );
    s.agendar = s.test_drive
        || has_any(
            norm,
            &[
                "agendar", "agendamento", "agenda uma", "agenda um", "marcar", "marca uma", "marca um", "visita",
                "visitar", "ir ai", "ir la", "passar ai", "passar la", "dar uma passada", "conhecer pessoalmente",
                "ver pessoalmente", "ver de perto", "posso ir", "da para ir", "gostaria de ir", "quero ir",
                "horario disponivel", "horarios disponiveis", "tem horario", "horario livre", "horario para",
                "conhecer o imovel", "conhecer a casa", "conhecer o apartamento", "ver o imovel", "ver a casa",
                "ver o apartamento", "ver o carro", "ver a moto",
            ],
        );
    // "quero ver o civic sábado", "dá pra conhecer o apê amanhã?", "ver pessoalmente".
    const VER: &[&str] = &["ver", "conhecer", "olhar", "visitar", "ir", "passar", "testar", "dirigir"];
    const QUANDO: &[&str] = &[
        "pessoalmente", "perto", "hoje", "amanha", "segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo",
    ];
    s.agendar |= ws.iter().any(|w| VER.contains(w)) && ws.iter().any(|w| QUANDO.contains(w));
    s.cancelar = has_any(
        norm,
        &["cancelar", "desmarcar", "nao vou poder ir", "nao vou conseguir ir", "nao poderei ir", "cancela", "desmarca"],
    ) && !s.optout;
    s.remarcar = has_any(
        norm,
        &[
            "remarcar", "reagendar", "mudar o horario", "trocar o horario", "mudar a data", "trocar a data",
            "outro horario", "outro dia",
        ],
    );
    s.mais_opcoes = has_any(
        norm,
        &[
            "outras opcoes", "mais opcoes", "tem outro", "tem outros", "tem outra", "tem outras", "outro modelo",
            "outros modelos", "mais algum", "mais alguma", "tem mais", "quais mais", "o que mais", "mostra mais",
            "ver mais", "mais alguns", "mais umas", "mais uns", "outra opcao", "alguma outra", "algum outro",
            "mais modelos",
        ],
    );
    s.mais_barato = has_any(
        norm,
        &[
            "mais barato", "mais barata", "mais baratos", "mais baratas", "mais em conta", "mais economico",
            "menor preco", "menos caro", "valor menor", "preco menor",
        ],
    );
    s.identidade = has_any(
        norm,
        &[
            "e um robo", "e robo", "voce e robo", "e um bot", "e bot", "voce e humano", "e humano", "e uma pessoa",
            "e gente", "quem e voce", "com quem eu falo", "com quem falo", "e uma ia", "inteligencia artificial",
            "e real", "e de verdade",
        ],
    );
    let sem_cortesia: Vec<&&str> = ws.iter().filter(|w| !CORTESIA.contains(w)).collect();
    s.so_cortesia = !ws.is_empty() && sem_cortesia.is_empty();
    if curta {
        // "ok, obrigado" closes the talk; it does not accept an offer.
        s.afirmacao = AFIRMACOES.iter().any(|a| has_any(norm, &[a]))
            && !ws.contains(&"nao")
            && !s.agradecimento
            && !s.despedida;
        s.negacao = NEGACOES.iter().any(|a| has_any(norm, &[a])) || ws.first() == Some(&"nao");
    }
    s
}

/// Words that follow a naming phrase and are not names.
#[rustfmt::skip]
const NAO_NOMES: &[&str] = &[
    "interessado", "interessada", "cliente", "de", "da", "do", "novo", "nova", "casado", "casada", "aqui", "eu", "o",
    "a", "um", "uma", "muito", "bem", "tudo", "procurando", "querendo", "buscando", "corretor", "corretora",
    "vendedor", "dono", "dona", "proprietario", "morador", "e", "que", "nao", "sim", "so", "estou",
];

/// The customer's name when the message says it (`meu nome é João`, `me chamo Ana Paula`,
/// `sou o Pedro`, `aqui é a Maria`, `pode me chamar de Zé`), as written (capitalised).
pub fn nome_dito(texto: &str) -> Option<String> {
    let raw: Vec<&str> = texto.split_whitespace().collect();
    let norm: Vec<String> = raw.iter().map(|w| super::texto::normalize(w)).collect();
    let marcadores: &[&[&str]] = &[
        &["meu", "nome", "e"],
        &["meu", "nome"],
        &["me", "chamo"],
        &["pode", "me", "chamar", "de"],
        &["me", "chama", "de"],
        &["aqui", "e", "o"],
        &["aqui", "e", "a"],
        &["aqui", "e"],
        &["sou", "o"],
        &["sou", "a"],
        &["eu", "sou", "o"],
        &["eu", "sou", "a"],
        &["eu", "sou"],
        &["sou"],
        &["nome"],
    ];
    for m in marcadores {
        for start in 0..norm.len() {
            if norm.len() < start + m.len() || !m.iter().enumerate().all(|(k, w)| norm[start + k] == *w) {
                continue;
            }
            let rest = start + m.len();
            let nome = nome_em(&raw[rest..], &norm[rest..]);
            if nome.is_some() {
                return nome;
            }
        }
    }
    None
}

/// A bare name answering "com quem eu falo?" (`João`, `Maria Clara`, `é a Ana`).
pub fn nome_solto(texto: &str) -> Option<String> {
    let raw: Vec<&str> = texto.split_whitespace().collect();
    if raw.is_empty() || raw.len() > 6 {
        return None;
    }
    let norm: Vec<String> = raw.iter().map(|w| super::texto::normalize(w)).collect();
    let skip = match norm.first().map(String::as_str) {
        Some("e") if norm.get(1).is_some_and(|w| w == "o" || w == "a") => 2,
        Some("sou") => 1,
        _ => 0,
    };
    let nome = nome_em(&raw[skip..], &norm[skip..])?;
    // All of the message must be the name (plus "aqui").
    let usadas = nome.split_whitespace().count() + skip;
    (usadas == raw.len() || (usadas + 1 == raw.len() && norm.last().is_some_and(|w| w == "aqui"))).then_some(nome)
}

fn nome_em(raw: &[&str], norm: &[String]) -> Option<String> {
    let mut partes = Vec::new();
    for (i, (r, n)) in raw.iter().zip(norm).enumerate() {
        // "João da Silva": a particle between two parts of the name.
        let particula = matches!(n.as_str(), "da" | "de" | "do" | "dos" | "das");
        if particula && !partes.is_empty() && !r.ends_with([',', '.', '!', '?', ';']) {
            let seguinte = norm.get(i + 1).is_some_and(|x| !is_stopword(x) && !NAO_NOMES.contains(&x.as_str()));
            if seguinte {
                partes.push(n.clone());
                continue;
            }
        }
        let limpo: String = r.chars().filter(|c| c.is_alphabetic() || *c == '\'' || *c == '-').collect();
        let termina = r.ends_with([',', '.', '!', '?', ';']);
        if limpo.chars().count() < 2
            || n.contains(' ')
            || NAO_NOMES.contains(&n.as_str())
            || (partes.is_empty() && is_stopword(n))
        {
            break;
        }
        if !partes.is_empty() && (is_stopword(n) || n == "e") {
            break;
        }
        partes.push(capitalizar(&limpo));
        if termina || partes.len() >= 5 {
            break;
        }
    }
    while partes.last().is_some_and(|p| matches!(p.as_str(), "da" | "de" | "do" | "dos" | "das")) {
        partes.pop();
    }
    (!partes.is_empty()).then(|| partes.join(" "))
}

fn capitalizar(w: &str) -> String {
    let lower = w.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A preferred contact time stated in the message (`prefiro de manhã`, `só posso depois das
/// 18h`, `pode me ligar à tarde`), as a short phrase of the customer's own words.
#[rustfmt::skip]
pub fn horario_preferido(texto: &str, norm: &str) -> Option<String> {
    let gatilhos = [
        "prefiro", "melhor horario", "melhor hora", "so posso", "so consigo", "me liga", "me ligue", "pode ligar",
        "pode me ligar", "horario para contato", "horario de contato", "melhor para mim", "melhor pra mim",
        "posso a partir", "disponivel a partir", "estou disponivel", "fico disponivel",
    ];
    if !gatilhos.iter().any(|g| has_any(norm, &[g])) {
        return None;
    }
    let frase: String = texto.trim().chars().take(120).collect();
    Some(frase)
}

#[cfg(test)]
#[path = "intencao_tests.rs"]
mod tests;
