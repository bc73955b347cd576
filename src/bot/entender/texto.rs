//! Customer text as the understanding sees it: lowercase, accent-free words ([`normalize`]),
//! WhatsApp abbreviations expanded (`vc`, `tb`, `qto`, `blz`...), stretched letters
//! collapsed (`siiim` → `sim`), a light pt-BR stemmer ([`stem`]) so plural, gender and verb
//! forms meet (`carros`/`carro`, `branca`/`branco`), and the stopwords that never carry
//! catalog meaning.

/// Chat abbreviations expanded after folding (a word on the left becomes the words on the right).
const ABREVIACOES: &[(&str, &str)] = &[
    ("vc", "voce"),
    ("vcs", "voces"),
    ("voceis", "voces"),
    ("q", "que"),
    ("oq", "o que"),
    ("pq", "porque"),
    ("tb", "tambem"),
    ("tbm", "tambem"),
    ("tmb", "tambem"),
    ("qnto", "quanto"),
    ("qnt", "quanto"),
    ("qt", "quanto"),
    ("vlr", "valor"),
    ("hj", "hoje"),
    ("amn", "amanha"),
    ("obg", "obrigado"),
    ("obgd", "obrigado"),
    ("obgda", "obrigada"),
    ("vlw", "valeu"),
    ("pfv", "por favor"),
    ("pfvr", "por favor"),
    ("pf", "por favor"),
    ("plz", "por favor"),
    ("blz", "beleza"),
    ("td", "tudo"),
    ("tds", "todos"),
    ("mto", "muito"),
    ("mt", "muito"),
    ("msm", "mesmo"),
    ("dps", "depois"),
    ("agr", "agora"),
    ("cmg", "comigo"),
    ("ctz", "certeza"),
    ("n", "nao"),
    ("nao", "nao"),
    ("s", "sim"),
    ("ss", "sim"),
    ("sm", "sim"),
    ("ok", "ok"),
    ("okay", "ok"),
    ("oks", "ok"),
    ("p", "para"),
    ("pra", "para"),
    ("pro", "para o"),
    ("pros", "para os"),
    ("c", "com"),
    ("ta", "esta"),
    ("tah", "esta"),
    ("to", "estou"),
    ("tou", "estou"),
    ("apto", "apartamento"),
    ("apt", "apartamento"),
    ("ap", "apartamento"),
    ("ape", "apartamento"),
    ("aptos", "apartamentos"),
    ("aps", "apartamentos"),
    ("dorm", "dormitorio"),
    ("dorms", "dormitorios"),
    ("qts", "quartos"),
    ("qtos", "quartos"),
    ("kitinete", "kitnet"),
    ("quitinete", "kitnet"),
    ("quitinetes", "kitnet"),
    ("kitnete", "kitnet"),
    ("cond", "condominio"),
    ("condo", "condominio"),
    ("cod", "codigo"),
    ("ref", "referencia"),
    ("info", "informacao"),
    ("infos", "informacoes"),
    ("msg", "mensagem"),
    ("zap", "whatsapp"),
    ("wpp", "whatsapp"),
    ("whats", "whatsapp"),
    ("end", "endereco"),
    ("qtas", "quantas"),
    ("qnts", "quantos"),
    ("qnta", "quanta"),
    ("qntas", "quantas"),
    ("qdo", "quando"),
    ("qndo", "quando"),
];

/// Lowercase, accent-free text with single spaces; `,` `.` `/` `:` survive only between
/// digits (prices, dates, times). `normalize("Ônibus Câmbio") == "onibus cambio"`; chat
/// abbreviations are expanded (`vc` → `voce`) and stretched letters collapsed.
pub fn normalize(text: &str) -> String {
    let chars = dobrar(text);
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits =
            || i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || (matches!(c, ',' | '.' | '/' | ':') && between_digits()) {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    let words: Vec<String> = out.split_whitespace().flat_map(separar_unidade).map(|w| collapse_stretch(&w)).collect();
    let mut expanded: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let after_number = i > 0 && words[i - 1].chars().all(|c| c.is_ascii_digit());
        // "2 qto" is a bedroom count; "qto custa" is "quanto".
        let w = w.as_str();
        let full = match w {
            "qto" | "qtos" if after_number => "quartos",
            "qto" => "quanto",
            // "bateria 60 amperes" is the catalog's "60Ah".
            "amperes" | "ampere" | "amper" | "amperagem" | "amp" if after_number => "ah",
            _ => ABREVIACOES.iter().find(|(a, _)| *a == w).map_or(w, |(_, full)| full),
        };
        expanded.push(full);
    }
    expanded.join(" ")
}

/// Lowercase, accent-free characters of `text` (`²` read as `2`, as in `m²`).
pub fn dobrar(text: &str) -> Vec<char> {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '²' => '2',
            '³' => '3',
            c => crate::catalogo::fold_char(c),
        })
        .collect()
}

/// `70mil` → `70 mil`, `60k` → `60 k`, `100m2` → `100 m2`, `50km` → `50 km`: a number glued to
/// its multiplier or unit is two words (codes such as `5w30` or `hb20` stay whole).
fn separar_unidade(w: &str) -> Vec<String> {
    const SUFIXOS: &[&str] = &["mil", "k", "km", "kms", "mi", "reais", "m2", "m", "mts", "metros", "x"];
    let corte = w.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','));
    match corte {
        Some(i) if i > 0 && SUFIXOS.contains(&&w[i..]) && w[..i].chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            vec![w[..i].to_string(), w[i..].to_string()]
        }
        _ => vec![w.to_string()],
    }
}

/// `siiiim` → `sim`, `oiii` → `oi`, `kkkk` → `k`: runs of 3+ equal letters become one.
fn collapse_stretch(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::with_capacity(w.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let keep = if run >= 3 && c.is_alphabetic() { 1 } else { run };
        for _ in 0..keep {
            out.push(c);
        }
        i = j;
    }
    out
}

/// The words of a normalised text.
pub fn words(norm: &str) -> Vec<&str> {
    norm.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Whether `phrase` (normalised, one or more words) appears as whole words in `norm`.
pub fn has_phrase(norm: &str, phrase: &str) -> bool {
    // Compared at each word start only: cheaper than a substring search per phrase (the
    // intent signals test a few hundred phrases against every message).
    let (n, p) = (norm.as_bytes(), phrase.as_bytes());
    if p.is_empty() {
        return false;
    }
    let mut at = 0;
    while at + p.len() <= n.len() {
        let end = at + p.len();
        if n[at] == p[0] && &n[at..end] == p && (end == n.len() || n[end] == b' ') {
            return true;
        }
        match n[at..].iter().position(|&b| b == b' ') {
            Some(i) => at += i + 1,
            None => return false,
        }
    }
    false
}

/// Whether any of `phrases` appears as whole words in `norm`.
pub fn has_any(norm: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has_phrase(norm, p))
}

/// Whether any word of `norm` starts with one of `stems`.
pub fn has_stem(norm: &str, stems: &[&str]) -> bool {
    norm.split(' ').any(|w| stems.iter().any(|s| w.starts_with(s)))
}

/// A light pt-BR stemmer: plural forms (`-s`, `-es`, `-oes`, `-ais`, `-eis`, `-ns`) and then a
/// final `a`/`e`/`o` (gender) are removed from words longer than four letters, so `carros` and
/// `carro`, `branca` and `branco`, `motores` and `motor` share a stem. Numbers and codes stay.
pub fn stem(w: &str) -> String {
    if w.len() <= 3 || !w.chars().all(|c| c.is_ascii_lowercase()) {
        return w.to_string();
    }
    let mut s = w.to_string();
    let plural = [
        ("oes", "ao"),
        ("aes", "ao"),
        ("ais", "al"),
        ("eis", "el"),
        ("ois", "ol"),
        ("ns", "m"),
        ("res", "r"),
        ("zes", "z"),
        ("ses", "s"),
        ("les", "l"),
    ];
    let mut done = false;
    for (suf, rep) in plural {
        if s.len() > suf.len() + 2 && s.ends_with(suf) {
            s.truncate(s.len() - suf.len());
            s.push_str(rep);
            done = true;
            break;
        }
    }
    if !done && s.len() > 4 && s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") && !s.ends_with("is") {
        s.pop();
    }
    if s.len() > 4 && (s.ends_with('a') || s.ends_with('e') || s.ends_with('o')) {
        s.pop();
    }
    s
}

/// Words that never carry catalog meaning (questions, fillers, courtesy, pronouns, verbs of
/// wanting and asking). Normalised.
#[rustfmt::skip]
pub const STOPWORDS: &[&str] = &[
    "a", "o", "as", "os", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das", "e", "ou", "que", "qual",
    "quais", "quanto", "quanta", "quantos", "quantas", "custa", "custam", "custo", "preco", "precos", "valor",
    "valores", "tem", "tens", "teria", "teriam", "tinha", "tenho", "voce", "voces", "ai", "ae", "me", "por", "favor",
    "para", "com", "sem", "no", "na", "nos", "nas", "em", "esse", "essa", "este", "esta", "isso", "isto", "aquele",
    "aquela", "oi", "ola", "bom", "boa", "dia", "tarde", "noite", "sai", "fica", "ficaria", "queria", "quero",
    "gostaria", "saber", "procuro", "procurando", "busco", "buscando", "disponivel", "disponiveis", "estoque",
    "ainda", "sobre", "ver", "mais", "algum", "alguma", "alguns", "algumas", "vende", "vendem", "vendendo", "seria",
    "vender", "venda", "vendas", "ficam", "baratinho", "baratinha", "baratinhos", "baratinhas", "precinho",
    "acessivel",
    "hoje", "eu", "meu", "minha", "meus", "minhas", "r", "tudo", "bem", "obrigado", "obrigada", "sim", "nao", "ok",
    "la", "aqui", "ate", "entre", "acima", "abaixo", "menos", "partir", "maximo", "minimo", "pelo", "pela", "mil",
    "reais", "real", "k", "ter", "tiver", "estou", "esta", "estao", "sou", "ser", "e", "era", "foi", "pode",
    "poderia", "podia", "consegue", "consigo", "se", "so", "tipo", "coisa", "alguem", "moco", "moca", "amigo",
    "amiga", "senhor", "senhora", "sr", "sra", "dona", "ne", "entao", "tambem", "muito", "pouco", "bastante", "bem",
    "legal", "show", "top", "certo", "beleza", "opa", "olha", "gente", "pessoal", "tchau", "valeu", "assim", "mesmo",
    "agora", "ja", "depois", "antes", "ainda", "porque", "pois", "como", "onde", "quando", "quem", "qualquer",
    "outro", "outra", "outros", "outras", "opcao", "opcoes", "informacao", "informacoes", "interesse", "interessado",
    "interessada", "urgente", "rapido", "favor", "informar", "passar", "mandar", "manda", "envia", "enviar", "fala",
    "falar", "diz", "dizer", "mostra", "mostrar", "ve", "veja", "vi", "vcs", "pro", "pros", "pras", "uai", "tipo",
    "the", "mes", "mensal", "por", "valor", "preco", "orcamento", "barato", "barata", "baratos", "caro", "cara",
    "custando", "comprar", "compra", "adquirir", "mim", "te", "ti", "lhe", "nosso", "nossa", "seu", "sua", "seus",
    "suas", "meio", "tal", "cada", "todo", "toda", "nada", "aquilo", "dai", "vou", "vai", "vamos", "fazer", "faz",
    "sei", "acho", "quer", "precisava", "preciso", "precisando", "estava", "estaria", "alguma", "algo", "tambem",
    "ja", "la", "so", "kkk", "rs", "haha", "pouca", "pouco", "poucos", "poucas", "baixa", "baixo", "alta", "alto",
    "muita", "muitos", "muitas", "bastante", "querendo", "pensando", "penso", "pensei", "to", "tou", "tava",
    "achar", "encontrar", "arrumar", "conseguir", "pegar", "levar", "iria", "desejo", "deseja", "interessa",
    "trabalham", "trabalha", "vez", "vezes", "fazem", "realizam", "realiza", "oferecem", "oferece", "mexem",
    "mexe",
];

/// Whether `w` is a stopword.
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_punctuation_and_abbreviations() {
        assert_eq!(normalize("Ônibus Câmbio"), "onibus cambio");
        assert_eq!(normalize("  Quanto  custa a HÍLUX?? "), "quanto custa a hilux");
        assert_eq!(normalize("vc tem óleo 5w-30 por R$ 1.234,50?"), "voce tem oleo 5w 30 por r 1.234,50");
        assert_eq!(normalize("AÇÃO, pão; Ñ"), "acao pao nao");
        assert_eq!(normalize("dia 15/03 às 10:30"), "dia 15/03 as 10:30");
        assert_eq!(
            normalize("apto 2 qto, qto custa? tb quero blz"),
            "apartamento 2 quartos quanto custa tambem quero beleza"
        );
        assert_eq!(normalize("siiiiim, oiii!! kkkk"), "sim oi k");
        assert_eq!(normalize("carro"), "carro");
    }

    #[test]
    fn phrases_are_whole_words() {
        assert!(has_phrase("quero falar com alguem", "falar com alguem"));
        assert!(!has_phrase("atendentes", "atendente"));
        assert!(has_phrase("o atendente", "atendente"));
        assert!(!has_phrase("abcd", ""));
        assert!(has_phrase("xab ab", "ab"));
        assert!(!has_phrase("xab abx", "ab"));
        assert!(has_phrase("tem civic 2020", "civic 2020"));
        assert!(!has_phrase("civic", "civic 2020"));
    }

    #[test]
    fn stems_meet_across_plural_and_gender() {
        for (a, b) in [
            ("carros", "carro"),
            ("branca", "branco"),
            ("motores", "motor"),
            ("amortecedores", "amortecedor"),
            ("pastilhas", "pastilha"),
            ("automatica", "automatico"),
            ("apartamentos", "apartamento"),
            ("botoes", "botao"),
            ("jardins", "jardim"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("gol"), "gol");
        assert_ne!(stem("gol"), stem("golf"));
        assert_eq!(stem("5w30"), "5w30");
        assert_eq!(stem("onibus"), "onibus");
    }
}
