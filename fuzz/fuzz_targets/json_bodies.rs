//! Fuzz target: typed JSON request bodies (catalog items for every setor, plans) and the
//! per-setor validation must reject bad input with an error, never a panic.
#![no_main]

use helixai::catalogo::NovoItem;
use helixai::domain::Setor;
use helixai::http::Request;
use helixai::store::central::NovoPlano;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let req = Request::synthetic("POST", "/api/catalogo?q=x", vec![], data.to_vec());
    if let Ok(item) = req.json::<NovoItem>() {
        for setor in Setor::ALL {
            if let Ok(valido) = item.validar(setor) {
                let _ = valido.texto_busca();
            }
        }
    }
    let _ = req.json::<NovoPlano>();
    let _ = req.json::<serde_json::Value>();
});
