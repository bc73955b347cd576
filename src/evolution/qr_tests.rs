//! Tests of the QR renderers with a code shaped like WhatsApp's (`2@ref,noise,identity,adv`).

use super::*;

const CODE: &str = "2@y8eK+bjtEjUWy9/FOMBvrTRknkfFpDDf0HrgRQdb4zyTfw3Rzq1u6SV2mq/y6KlYhUx7bZCBTlTbRw==,\
     uKJC9Fv7lZ06cD3WHzgtEFbyVp0WfbTVwKnZZCE0hUQ=,6bmwvn1YxbjEgxgtYdOFWGGeGE4+8bsTFy8YjUEc/2o=,\
     hPKZcj7Y1QyGB1uyg/NslfVp6PTQeOyHmCPb3MYMJm8=";

#[test]
fn terminal_qr_has_quiet_zone_and_fits_80_columns() {
    let t = texto(CODE).unwrap();
    let linhas: Vec<&str> = t.lines().collect();
    let largura = linhas[0].chars().count();
    assert!(largura > 21 && largura <= 80, "{largura} colunas");
    assert!(linhas.iter().all(|l| l.chars().count() == largura));
    // Light modules are drawn as blocks, so the quiet zone (all light) is a row of full blocks.
    assert!(linhas[0].chars().all(|c| c == '█'), "{:?}", linhas[0]);
    assert!(linhas.iter().all(|l| l.starts_with("████") || l.chars().all(|c| c == '▀')));
    assert!(t.contains(' ') || t.contains('▀') || t.contains('▄'));
}

#[test]
fn svg_is_a_complete_document() {
    let s = svg(CODE).unwrap();
    assert!(s.starts_with("<svg "), "{}", &s[..40]);
    assert!(s.trim_end().ends_with("</svg>"));
    assert!(s.contains(r##"fill="#000000""##) && s.contains(r##"fill="#ffffff""##));
    let largura: u32 = s.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!(largura >= 240, "{largura}");
}

#[test]
fn nothing_to_draw() {
    assert_eq!(texto(""), None);
    assert_eq!(svg(""), None);
    let grande = "x".repeat(8000);
    assert_eq!(texto(&grande), None);
    assert_eq!(svg(&grande), None);
}
