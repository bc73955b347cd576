//! `serve --demo`: three realistic pt-BR empresas with catalogs and an admin each, so a fresh
//! install can be shown at once. Created only when the data dir has no empresas.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::password;
use crate::catalogo::NovoItem;
use crate::crypto::random_password;
use crate::domain::{Papel, Setor};
use crate::error::Result;
use crate::provision::{criar_empresa, PedidoEmpresa};
use crate::store::central::NovoUsuario;

/// A demo login to print.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub empresa: String,
    pub email: String,
    pub senha: String,
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn veiculos() -> Vec<NovoItem> {
    // (marca, modelo, versão, ano, km, preço em reais, câmbio, combustível, cor)
    type Row = (&'static str, &'static str, &'static str, i64, i64, i64, &'static str, &'static str, &'static str);
    let rows: &[Row] = &[
        ("Toyota", "Corolla", "XEi 2.0", 2021, 42_000, 118_900, "automático", "flex", "prata"),
        ("Toyota", "Hilux", "SRV 2.8 4x4", 2020, 78_000, 214_900, "automático", "diesel", "branca"),
        ("Toyota", "Yaris", "XL 1.5", 2022, 25_000, 89_900, "automático", "flex", "preta"),
        ("Honda", "Civic", "EXL 2.0", 2019, 61_000, 112_500, "automático", "flex", "cinza"),
        ("Honda", "HR-V", "EX 1.8", 2020, 55_000, 109_900, "automático", "flex", "branca"),
        ("Honda", "Fit", "LX 1.5", 2018, 70_000, 72_900, "manual", "flex", "vermelha"),
        ("Volkswagen", "Gol", "1.0 MPI", 2021, 38_000, 58_900, "manual", "flex", "branca"),
        ("Volkswagen", "Polo", "Highline 200 TSI", 2022, 21_000, 104_900, "automático", "flex", "azul"),
        ("Volkswagen", "T-Cross", "Comfortline 1.0 TSI", 2021, 40_000, 117_900, "automático", "flex", "prata"),
        ("Volkswagen", "Amarok", "Highline V6", 2019, 95_000, 229_900, "automático", "diesel", "preta"),
        ("Chevrolet", "Onix", "LT 1.0 Turbo", 2022, 19_000, 82_900, "automático", "flex", "vermelha"),
        ("Chevrolet", "Tracker", "Premier 1.2 Turbo", 2021, 33_000, 124_900, "automático", "flex", "branca"),
        ("Chevrolet", "S10", "LTZ 2.8 4x4", 2018, 120_000, 169_900, "automático", "diesel", "prata"),
        ("Chevrolet", "Spin", "Premier 1.8", 2020, 64_000, 84_900, "automático", "flex", "cinza"),
        ("Fiat", "Argo", "Drive 1.3", 2021, 36_000, 71_900, "manual", "flex", "branca"),
        ("Fiat", "Toro", "Volcano 2.0 Diesel 4x4", 2021, 58_000, 159_900, "automático", "diesel", "vermelha"),
        ("Fiat", "Strada", "Freedom 1.3 Cabine Dupla", 2022, 28_000, 94_900, "manual", "flex", "prata"),
        ("Fiat", "Mobi", "Like 1.0", 2020, 41_000, 49_900, "manual", "flex", "branca"),
        ("Jeep", "Compass", "Limited 1.3 T270", 2022, 30_000, 169_900, "automático", "flex", "preta"),
        ("Jeep", "Renegade", "Sport 1.8", 2019, 72_000, 86_900, "automático", "flex", "verde"),
        ("Hyundai", "HB20", "Comfort 1.0", 2021, 45_000, 67_900, "manual", "flex", "prata"),
        ("Hyundai", "Creta", "Prestige 2.0", 2020, 52_000, 119_900, "automático", "flex", "branca"),
        ("Renault", "Kwid", "Zen 1.0", 2022, 17_000, 52_900, "manual", "flex", "laranja"),
        ("Renault", "Duster", "Iconic 1.3 Turbo", 2021, 39_000, 104_900, "automático", "flex", "cinza"),
        ("Nissan", "Kicks", "SV 1.6", 2021, 47_000, 99_900, "automático", "flex", "vermelha"),
        ("Ford", "Ranger", "XLT 3.2 4x4", 2019, 101_000, 189_900, "automático", "diesel", "azul"),
        ("Ford", "Ka", "SE 1.0", 2020, 49_000, 54_900, "manual", "flex", "branca"),
        ("Mitsubishi", "L200", "Triton Sport HPE", 2020, 88_000, 179_900, "automático", "diesel", "prata"),
    ];
    rows.iter()
        .map(|(marca, modelo, versao, ano, km, preco, cambio, comb, cor)| NovoItem {
            nome: format!("{marca} {modelo} {versao} {ano}"),
            descricao: format!("{marca} {modelo} {versao}, {ano}, {km} km, câmbio {cambio}, {comb}, cor {cor}. Revisado, com garantia de 3 meses."),
            categoria: Some(if *comb == "diesel" { "Picape/SUV diesel" } else { "Seminovo" }.to_owned()),
            preco_centavos: Some(preco * 100),
            disponivel: true,
            atributos: attrs(json!({"marca": marca, "modelo": modelo, "versao": versao, "ano": ano, "km": km,
                "cambio": cambio, "combustivel": comb, "cor": cor})),
        })
        .collect()
}

fn pecas() -> Vec<NovoItem> {
    // (peça, marca, código OEM base, aplicação, preço em centavos)
    let pecas: &[(&str, &str, &str, &str, i64)] = &[
        ("Pastilha de freio dianteira", "Cobreq", "5U0698151", "Gol/Voyage/Fox G5-G7", 8_990),
        ("Disco de freio ventilado", "Fremax", "5U0615301", "Gol/Voyage/Fox G5-G7", 15_990),
        ("Filtro de óleo", "Tecfil", "030115561AN", "VW motores EA111 1.0/1.6", 2_490),
        ("Filtro de ar", "Mann", "6Q0129620", "Polo/Fox/Gol 1.0/1.6", 3_990),
        ("Vela de ignição", "NGK", "101905601B", "VW EA111 / Fiat Fire", 2_190),
        ("Correia dentada", "Gates", "036109119AA", "Gol/Fox 1.0/1.6 8V", 7_990),
        ("Amortecedor dianteiro", "Cofap", "5U0413031", "Gol G5-G7", 28_990),
        ("Bomba d'água", "Urba", "030121005N", "Gol/Fox 1.0/1.6", 12_990),
        ("Pastilha de freio dianteira", "Bosch", "77365447", "Fiat Palio/Uno/Strada", 7_990),
        ("Filtro de óleo", "Fram", "55238303", "Fiat Fire 1.0/1.4", 2_290),
        ("Kit embreagem", "Sachs", "55256484", "Fiat Palio/Uno Fire 1.0", 44_990),
        ("Sonda lambda", "Bosch", "55212746", "Fiat Fire Flex", 23_990),
        ("Radiador", "Visconde", "51840519", "Fiat Palio/Strada 1.0/1.4", 39_990),
        ("Pastilha de freio dianteira", "Jurid", "93388064", "Chevrolet Onix/Prisma", 9_490),
        ("Filtro de combustível", "Tecfil", "93367253", "Chevrolet Onix/Cobalt/Spin", 3_290),
        ("Bobina de ignição", "Delphi", "55570160", "Chevrolet Onix 1.0/1.4", 21_990),
        ("Amortecedor traseiro", "Monroe", "52098624", "Chevrolet Onix/Prisma", 24_990),
        ("Óleo de motor 5W30 sintético 1L", "Mobil", "MOB5W30", "Uso geral (API SN)", 4_990),
        ("Palheta limpador par", "Bosch", "3397007488", "Universal 22\"/18\"", 6_990),
        ("Bateria 60Ah", "Moura", "M60GD", "Carros populares 1.0-1.6", 54_990),
        ("Lâmpada H4 par", "Philips", "12342PR", "Farol H4 universal", 4_590),
        ("Filtro de cabine", "Wega", "6Q0819653", "Polo/Virtus/T-Cross", 4_290),
        ("Terminal de direção", "Nakata", "6Q0423811", "Polo/Fox/Gol", 8_490),
        ("Pivô de suspensão", "Viemar", "6Q0407365", "Polo/Fox/Gol", 7_490),
        ("Coxim do motor", "Sampel", "6Q0199555", "Polo/Fox 1.6", 13_990),
    ];
    let variantes = [("", 0_i64, 12), ("Linha premium — ", 2_500, 4)];
    let mut out = Vec::new();
    for (prefixo, extra, estoque) in variantes {
        for (i, (peca, marca, oem, aplic, preco)) in pecas.iter().enumerate() {
            if !prefixo.is_empty() && i % 5 == 4 {
                continue;
            }
            let codigo = if prefixo.is_empty() { (*oem).to_owned() } else { format!("{oem}-P") };
            out.push(NovoItem {
                nome: format!("{prefixo}{peca} {marca}"),
                descricao: format!("{peca} marca {marca}, código OEM {codigo}. Aplicação: {aplic}."),
                categoria: Some(peca.split_whitespace().next().unwrap_or("Peça").to_owned()),
                preco_centavos: Some(preco + extra),
                disponivel: true,
                atributos: attrs(json!({"codigo_oem": codigo, "marca": marca, "aplicacao": aplic,
                    "estoque": estoque + (i as i64 % 7)})),
            });
        }
    }
    out
}

fn imoveis() -> Vec<NovoItem> {
    // (tipo, finalidade, bairro, quartos, banheiros, vagas, área, preço em reais)
    type Row = (&'static str, &'static str, &'static str, i64, i64, i64, f64, i64);
    let rows: &[Row] = &[
        ("Apartamento", "venda", "Moema", 3, 2, 2, 98.0, 1_250_000),
        ("Apartamento", "venda", "Pinheiros", 2, 2, 1, 72.0, 890_000),
        ("Apartamento", "aluguel", "Vila Mariana", 2, 1, 1, 65.0, 3_800),
        ("Apartamento", "aluguel", "Bela Vista", 1, 1, 0, 38.0, 2_400),
        ("Casa", "venda", "Butantã", 3, 3, 2, 180.0, 1_100_000),
        ("Casa", "venda", "Santana", 4, 3, 3, 240.0, 1_480_000),
        ("Casa", "aluguel", "Mooca", 3, 2, 2, 150.0, 5_200),
        ("Sobrado", "venda", "Tatuapé", 3, 4, 2, 160.0, 950_000),
        ("Studio", "aluguel", "Consolação", 1, 1, 0, 28.0, 2_900),
        ("Studio", "venda", "Vila Madalena", 1, 1, 1, 34.0, 520_000),
        ("Cobertura", "venda", "Perdizes", 4, 4, 3, 260.0, 2_900_000),
        ("Apartamento", "venda", "Tatuapé", 2, 1, 1, 58.0, 460_000),
        ("Apartamento", "aluguel", "Moema", 3, 2, 2, 110.0, 7_500),
        ("Sala comercial", "aluguel", "Itaim Bibi", 0, 1, 1, 45.0, 4_200),
        ("Sala comercial", "venda", "Paulista", 0, 2, 1, 60.0, 780_000),
        ("Terreno", "venda", "Granja Viana", 0, 0, 0, 450.0, 680_000),
        ("Casa em condomínio", "venda", "Alphaville", 4, 5, 4, 350.0, 3_200_000),
        ("Apartamento", "venda", "Santo Amaro", 2, 2, 1, 68.0, 610_000),
        ("Kitnet", "aluguel", "Liberdade", 1, 1, 0, 25.0, 1_700),
        ("Apartamento", "aluguel", "Pinheiros", 2, 2, 1, 80.0, 5_900),
        ("Casa", "aluguel", "Jardim Europa", 5, 6, 4, 520.0, 32_000),
        ("Apartamento", "venda", "Brooklin", 3, 3, 2, 120.0, 1_650_000),
    ];
    rows.iter()
        .map(|(tipo, fin, bairro, q, b, v, area, preco)| NovoItem {
            nome: format!("{tipo} {q} quartos — {bairro}").replace(" 0 quartos", ""),
            descricao: format!(
                "{tipo} para {fin} no bairro {bairro}, São Paulo: {area} m², {q} quarto(s), {b} banheiro(s), {v} vaga(s)."
            ),
            categoria: Some((*tipo).to_owned()),
            preco_centavos: Some(preco * 100),
            disponivel: true,
            atributos: attrs(json!({"tipo": tipo, "finalidade": fin, "bairro": bairro, "cidade": "São Paulo",
                "quartos": q, "banheiros": b, "vagas": v, "area_m2": area})),
        })
        .collect()
}

/// The demo empresas: (nome, slug, setor, catalog).
pub fn empresas_demo() -> Vec<(&'static str, &'static str, Setor, Vec<NovoItem>)> {
    vec![
        ("Feirão ShowCar", "feirao-showcar", Setor::Veiculos, veiculos()),
        ("AutoPeças XYZ", "autopecas-xyz", Setor::Autopecas, pecas()),
        ("Imobiliária Premium", "imobiliaria-premium", Setor::Imoveis, imoveis()),
    ]
}

/// Creates the demo empresas when there are none. Returns the logins to print (empty when
/// the data dir already had empresas).
pub fn criar_demo(app: &App) -> Result<Vec<DemoLogin>> {
    if app.central.empresas_total()? > 0 {
        return Ok(Vec::new());
    }
    let mut logins = Vec::new();
    for (nome, slug, setor, itens) in empresas_demo() {
        let empresa = criar_empresa(
            app,
            &PedidoEmpresa {
                nome: nome.into(),
                slug: slug.into(),
                setor,
                whatsapp_phone_number_id: None,
                plano_id: None,
            },
        )?;
        let validos = itens.iter().map(|i| i.validar(setor)).collect::<Result<Vec<_>>>()?;
        app.tenant_db(&empresa)?.catalogo_criar_varios(&validos)?;
        let senha = random_password(12)?;
        let email = format!("admin@{slug}.demo");
        app.central.usuario_criar(&NovoUsuario {
            email: email.clone(),
            nome: format!("Admin {nome}"),
            papel: Papel::Admin,
            empresa_id: Some(empresa.id),
            senha_hash: password::hash(&senha)?,
        })?;
        logins.push(DemoLogin { empresa: nome.to_owned(), email, senha });
    }
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalogs_are_valid_and_large_enough() {
        let e = empresas_demo();
        let min = [25, 40, 20];
        for ((_, _, setor, itens), min) in e.iter().zip(min) {
            assert!(itens.len() >= min, "{setor}: {}", itens.len());
            for i in itens {
                i.validar(*setor).unwrap();
            }
        }
    }
}
