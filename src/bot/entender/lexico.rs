//! The pt-BR sales vocabulary the understanding knows besides the catalog: per setor, the
//! words that only mean "an item of this kind" (`carro`, `imóvel`, `peça`: they never block
//! a search), synonyms (`apê`/`apartamento`, `moto`/`motocicleta`, `sedan`/`sedã`), property
//! types, gearboxes and fuels, colours, and the words every intent consumes. All normalised.

use crate::domain::Setor;

/// Words that name the setor's items in general: dropped from a search.
#[rustfmt::skip]
pub fn palavras_de_categoria(setor: Setor) -> &'static [&'static str] {
    match setor {
        Setor::Veiculos => &[
            "carro", "carros", "carrinho", "veiculo", "veiculos", "automovel", "automoveis", "seminovo", "seminovos",
            "seminova", "usado", "usados", "usada", "modelo", "modelos", "unidade", "unidades", "auto", "autos",
            "automotivo", "zero", "0km", "possante", "nave", "uber", "99", "aplicativo", "app", "trabalho", "trabalhar",
            "familia", "viagem", "viajar", "estrada", "cidade", "economico", "economia", "conservado", "bonito",
            "inteiro", "primeiro", "filho", "filha", "esposa", "marido", "espacoso", "espacosa", "confortavel",
            "potente", "rapido", "seguro", "novinho", "bom", "boa", "otimo", "grande", "pequeno", "lindo", "top",
            "completo", "completa", "ideal", "legal",
        ],
        Setor::Imoveis => &[
            "imovel", "imoveis", "residencia", "residencias", "propriedade", "propriedades", "moradia", "unidade",
            "unidades", "lugar", "local", "morar", "residencial", "empreendimento", "empreendimentos",
        ],
        Setor::Autopecas => &[
            "peca", "pecas", "produto", "produtos", "item", "itens", "codigo", "codigos", "referencia", "referencias",
            "componente", "componentes", "autopeca", "autopecas", "numero", "oem", "part", "number", "carro",
            "veiculo", "meu", "original", "originais",
        ],
        Setor::Varejo => &[
            "produto", "produtos", "item", "itens", "artigo", "artigos", "mercadoria", "mercadorias", "modelo",
            "modelos", "unidade", "unidades",
        ],
        Setor::Servicos => {
            &["servico", "servicos", "atendimento", "procedimento", "procedimentos", "sessao", "sessoes", "trabalho"]
        }
    }
}

/// Words the intents use up (scheduling, payment, contact, time): never search terms.
#[rustfmt::skip]
pub const PALAVRAS_DE_INTENCAO: &[&str] = &[
    "agendar", "agendamento", "agenda", "marcar", "marcacao", "visita", "visitar", "conhecer", "test", "drive",
    "testdrive", "horario", "horarios", "endereco", "localizacao", "fica", "loja", "voces", "financiamento",
    "financiar", "financia", "financiado", "parcela", "parcelas", "parcelado", "parcelar", "parcelamento", "entrada",
    "desconto", "negociar", "negocia", "proposta", "cartao", "credito", "debito", "pix", "boleto", "vista",
    "dinheiro", "atendente", "vendedor", "vendedora", "pessoa", "humano", "nome", "chamo", "foto", "fotos", "video",
    "videos", "imagem", "imagens", "detalhe", "detalhes", "ficha", "disponibilidade",
    "amanha", "semana", "sabado", "domingo", "segunda", "terca", "quarta", "quinta", "sexta", "feira", "manha",
    "hora", "horas", "cedo", "ir", "passar", "pessoalmente", "aberto", "aberta", "abre", "fecha", "funciona",
    "abertos", "abertas", "abrem", "abrir", "fecham", "fechar", "fechado", "fechada", "funcionam", "feriado",
    "feriados", "expediente", "atende", "hoje", "agora", "fgts", "usar", "aceita", "aceitam", "aceitar",
    "fisica", "presente", "presentear", "namorada", "namorado", "aniversario", "natal", "mae", "pai", "sobrinho",
    "sobrinha", "neto", "neta", "amigo", "amiga",
    "funcionamento", "atendem", "troca", "trocar", "permuta", "avaliar", "avaliacao", "consorcio", "whatsapp",
    "ligar", "ligacao", "telefone", "contato", "email", "obrigado", "obrigada", "valeu", "tchau", "oi", "ola",
    "mensagem", "resposta", "responder", "pergunta", "duvida", "duvidas", "ajuda", "ajudar", "informar", "possivel",
    "mandar", "manda", "enviar", "envia", "cancelar", "desmarcar", "remarcar", "reagendar", "confirmar", "confirmado", "entrega", "entregam", "entregar",
    "entregas", "frete", "delivery", "envia", "enviam", "correio", "correios", "motoboy", "sedex", "quanto", "tempo",
    "demora", "demorar", "duracao", "dura", "leva", "chama", "chamam", "consegue", "conseguem", "encomendar",
    "encomenda", "cabe", "caberia", "serviria",
];

/// Body types of the models sold in Brazil, so "tem SUV?" finds a Kicks even when the catalog
/// never says SUV: (the words for the type, the models of that type).
pub const TIPOS_DE_CARRO: &[(&[&str], &[&str])] = &[
    (
        &["suv", "suvs", "utilitario"],
        &[
            "hrv",
            "kicks",
            "creta",
            "tracker",
            "tcross",
            "duster",
            "compass",
            "renegade",
            "ecosport",
            "nivus",
            "taos",
            "tiguan",
            "sw4",
            "rav4",
            "pulse",
            "fastback",
            "2008",
            "3008",
            "captur",
            "tucson",
            "ix35",
            "sportage",
            "commander",
            "territory",
            "bronco",
            "pajero",
            "outlander",
            "asx",
            "c4",
            "aircross",
            "wrv",
            "zrv",
            "crv",
            "corolla cross",
            "xc40",
            "x1",
            "q3",
            "haval",
            "tiggo",
            "song",
            "yuan",
            "equinox",
            "trailblazer",
            "kardian",
        ],
    ),
    (
        &["picape", "picapes", "pickup", "caminhonete", "caminhonetes"],
        &[
            "hilux", "s10", "toro", "strada", "amarok", "ranger", "l200", "triton", "saveiro", "montana", "oroch",
            "frontier", "ram", "maverick", "rampage", "f250", "courier",
        ],
    ),
    (
        &["seda", "sedan", "sedas", "sedans"],
        &[
            "corolla",
            "civic",
            "prisma",
            "cobalt",
            "virtus",
            "voyage",
            "city",
            "hb20s",
            "cronos",
            "versa",
            "sentra",
            "jetta",
            "logan",
            "siena",
            "grand siena",
            "fluence",
            "cruze",
            "onix plus",
            "focus sedan",
            "fiesta sedan",
            "accord",
            "camry",
            "passat",
            "a3 sedan",
            "yaris sedan",
        ],
    ),
    (
        &["hatch", "hatches", "hatchback", "compacto", "popular", "populares"],
        &[
            "onix", "gol", "polo", "hb20", "argo", "mobi", "kwid", "ka", "fit", "yaris", "208", "sandero", "march",
            "up", "uno", "palio", "fox", "celta", "fiesta", "etios", "c3", "golf", "i30", "207", "agile", "clio",
            "picanto",
        ],
    ),
    (&["minivan", "monovolume", "familiar"], &["spin", "livina", "zafira", "meriva", "idea", "doblo", "sharan"]),
    (
        &["moto", "motos", "motocicleta", "motocicletas"],
        &[
            "cg", "fan", "titan", "biz", "pop", "bros", "xre", "fazer", "factor", "lander", "cb", "ninja", "mt", "pcx",
            "nmax", "crosser",
        ],
    ),
];

/// The models of a body type word (`suv` → `[hrv, kicks, ...]`), empty for other words.
pub fn modelos_do_tipo(w: &str) -> &'static [&'static str] {
    TIPOS_DE_CARRO.iter().find(|(ws, _)| ws.contains(&w)).map_or(&[], |(_, m)| *m)
}

/// Alternatives of a search word (each list names one thing).
const SINONIMOS: &[&[&str]] = &[
    &["apartamento", "apto", "apartamentos"],
    &["kitnet", "quitinete", "kitinete", "conjugado"],
    &["studio", "estudio", "loft"],
    &["cobertura", "penthouse"],
    &["terreno", "lote"],
    &["chacara", "sitio"],
    &["galpao", "barracao", "deposito"],
    &["motocicleta", "moto", "motos", "motocicletas"],
    &["seda", "sedan"],
    &["picape", "pickup", "caminhonete", "pick"],
    &["hatch", "hatchback"],
    &["suv", "utilitario"],
    &["celular", "smartphone", "telefone"],
    &["televisao", "tv", "televisor"],
    &["notebook", "laptop", "note"],
    &["masculino", "unissex"],
    &["masculina", "unissex"],
    &["feminino", "unissex"],
    &["feminina", "unissex"],
    &["geladeira", "refrigerador"],
    &["fogao", "cooktop"],
    &["bermuda", "short", "shorts"],
    &["tenis", "sapatenis"],
    &["oleo", "lubrificante"],
    &["pneu", "pneus"],
    &["bateria", "baterias"],
    &["lampada", "lampadas"],
    &["corte", "cortar"],
    &["lavagem", "lavar", "lava", "higienizacao"],
    &["pintura", "pintar"],
    &["conserto", "consertar", "reparo", "arrumar", "manutencao"],
    &["alinhamento", "alinhar"],
    &["balanceamento", "balancear"],
    &["instalacao", "instalar"],
    &["manicure", "unha", "unhas"],
    &["escova", "escovinha"],
    &["consulta", "avaliacao"],
    &["revisao", "revisar"],
    &["enceramento", "encerar", "cera"],
    &["faxina", "limpeza"],
    &["frete", "entrega"],
];

/// The alternatives of `w` (itself first), e.g. `moto` → `[moto, motocicleta, ...]`.
pub fn sinonimos(w: &str) -> Vec<&str> {
    let mut out = vec![w];
    for grupo in SINONIMOS {
        if grupo.contains(&w) {
            out.extend(grupo.iter().copied().filter(|g| *g != w));
        }
    }
    out
}

/// Property types: the canonical name and the words that mean it.
pub const TIPOS_IMOVEL: &[(&str, &[&str])] = &[
    ("apartamento", &["apartamento", "apartamentos", "apto", "aptos", "flat"]),
    ("casa", &["casa", "casas", "sobrado", "sobrados"]),
    ("sobrado", &["sobrado", "sobrados"]),
    ("cobertura", &["cobertura", "coberturas", "penthouse"]),
    ("kitnet", &["kitnet", "kitnets", "conjugado"]),
    ("studio", &["studio", "studios", "estudio", "loft"]),
    ("terreno", &["terreno", "terrenos", "lote", "lotes"]),
    ("sala", &["sala", "salas", "conjunto"]),
    ("loja", &["loja", "lojas", "ponto"]),
    ("galpao", &["galpao", "galpoes", "barracao"]),
    ("chacara", &["chacara", "chacaras", "sitio", "sitios", "fazenda"]),
];

/// The property types a catalog `tipo` value belongs to (`Casa em condomínio` → `[casa]`;
/// `Sobrado` → `[casa, sobrado]`: a sobrado is a house too).
pub fn tipos_de(valor_normalizado: &str) -> Vec<&'static str> {
    let Some(primeira) = valor_normalizado.split(' ').next() else { return Vec::new() };
    TIPOS_IMOVEL.iter().filter(|(_, ws)| ws.contains(&primeira)).map(|(c, _)| *c).collect()
}

/// The property type a customer's word asks for (`apto` → `apartamento`).
pub fn tipo_pedido(palavra: &str) -> Option<&'static str> {
    TIPOS_IMOVEL
        .iter()
        .find(|(c, _)| *c == palavra)
        .or_else(|| TIPOS_IMOVEL.iter().find(|(_, ws)| ws.contains(&palavra)))
        .map(|(c, _)| *c)
}

/// Words for renting and for buying.
#[rustfmt::skip]
pub const ALUGUEL: &[&str] = &[
    "alugar", "aluguel", "alugueis", "locacao", "locar", "alugo", "alugando", "aluga", "alugado", "alugavel",
    "locatario", "inquilino", "temporada", "mensal", "mes",
];
#[rustfmt::skip]
pub const VENDA: &[&str] = &[
    "comprar", "compra", "venda", "vender", "vendo", "vendendo", "adquirir", "quitado", "escritura", "financiar",
    "financiamento",
];

/// Gearbox words: (filter value, words).
pub const CAMBIOS: &[(&str, &[&str])] = &[
    (
        "automatico",
        &["automatico", "automatica", "automaticos", "automaticas", "at", "cvt", "automatizado", "tiptronic", "dct"],
    ),
    ("manual", &["manual", "manuais", "mecanico", "mecanica"]),
];
/// Fuel words: (filter value, words).
pub const COMBUSTIVEIS: &[(&str, &[&str])] = &[
    ("flex", &["flex", "bicombustivel"]),
    ("diesel", &["diesel"]),
    ("gasolina", &["gasolina"]),
    ("etanol", &["etanol", "alcool"]),
    ("eletrico", &["eletrico", "eletrica", "eletricos"]),
    ("hibrido", &["hibrido", "hibrida", "hibridos"]),
];

/// Colours (normalised, both genders).
#[rustfmt::skip]
pub const CORES: &[&str] = &[
    "branco", "branca", "preto", "preta", "prata", "cinza", "vermelho", "vermelha", "azul", "verde", "amarelo",
    "amarela", "laranja", "marrom", "bege", "dourado", "dourada", "vinho", "grafite", "chumbo", "rosa", "roxo",
    "roxa", "bordo", "champagne", "perola",
];

/// Car brands sold in Brazil (to tell "we don't have Ferrari" from noise).
#[rustfmt::skip]
pub const MARCAS_VEICULOS: &[&str] = &[
    "chevrolet", "gm", "fiat", "volkswagen", "vw", "ford", "toyota", "honda", "hyundai", "renault", "nissan", "jeep",
    "peugeot", "citroen", "mitsubishi", "kia", "bmw", "mercedes", "audi", "volvo", "land", "rover", "porsche",
    "ferrari", "lamborghini", "chery", "caoa", "byd", "gwm", "haval", "jac", "suzuki", "subaru", "dodge", "ram",
    "chrysler", "lexus", "mini", "troller", "yamaha", "kawasaki", "harley", "ducati", "triumph", "dafra", "shineray",
];

/// Words of the domain a typo may be corrected to (besides the catalog's own words).
#[rustfmt::skip]
pub fn dominio(setor: Setor) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = vec![
        "horario", "endereco", "agendar", "visita", "atendente", "vendedor", "financiamento", "parcela", "desconto",
        "obrigado", "quanto", "quero", "gostaria", "disponivel", "preco", "valor", "barato", "opcoes", "outro",
        "amanha", "sabado", "domingo", "segunda", "terca", "quarta", "quinta", "sexta", "manha", "tarde", "noite",
        "cancelar", "remarcar", "estoque", "detalhes",
    ];
    out.extend(palavras_de_categoria(setor));
    match setor {
        Setor::Veiculos => {
            out.extend([
                "quilometragem", "cambio", "automatico", "manual", "combustivel", "gasolina", "diesel", "etanol",
                "portas", "motor", "versao", "troca",
            ]);
            out.extend(CORES);
            out.extend(MARCAS_VEICULOS);
        }
        Setor::Imoveis => {
            out.extend([
                "apartamento", "casa", "sobrado", "cobertura", "kitnet", "terreno", "quartos", "banheiros", "vagas",
                "garagem", "condominio", "metragem", "aluguel", "alugar", "comprar", "venda", "bairro", "suite",
                "mobiliado", "piscina", "churrasqueira", "elevador", "portaria",
            ]);
        }
        Setor::Autopecas => {
            out.extend([
                "pastilha", "freio", "filtro", "oleo", "amortecedor", "embreagem", "correia", "bateria", "vela",
                "radiador", "lampada", "aplicacao", "compativel", "serve",
            ]);
        }
        Setor::Varejo => out.extend(["tamanho", "numero", "entrega", "frete", "troca"]),
        Setor::Servicos => out.extend(["agendamento", "consulta", "sessao", "duracao"]),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_types() {
        assert_eq!(sinonimos("moto"), vec!["moto", "motocicleta", "motos", "motocicletas"]);
        assert_eq!(sinonimos("civic"), vec!["civic"]);
        assert_eq!(tipos_de("casa em condominio"), ["casa"]);
        assert_eq!(tipos_de("sobrado"), ["casa", "sobrado"]);
        assert_eq!(tipos_de("sala comercial"), ["sala"]);
        assert!(tipos_de("mansao").is_empty());
        assert_eq!(tipo_pedido("sobrado"), Some("sobrado"));
        assert_eq!(tipo_pedido("apto"), Some("apartamento"));
        assert_eq!(tipo_pedido("casas"), Some("casa"));
        assert!(dominio(Setor::Imoveis).contains(&"condominio"));
        assert!(palavras_de_categoria(Setor::Veiculos).contains(&"carro"));
    }
}
