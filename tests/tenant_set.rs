//! `helixai tenant set` through the built binary: secrets from stdin in flag order, encrypted
//! at rest and never printed; a phone_number_id owned by another empresa is refused.

use helixai::config::{DataDir, ServerConfig};

use crate::support::{run_bin, TestDir};

#[test]
fn tenant_set_stores_settings_and_encrypted_secrets_in_flag_order() {
    let dir = TestDir::new();
    let data = dir.data();
    for slug in ["a", "b"] {
        let (code, _, err) =
            run_bin(&data, &["tenant", "create", "--nome", slug, "--slug", slug, "--setor", "varejo"], None, &[]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = run_bin(
        &data,
        &[
            "tenant",
            "set",
            "a",
            "--llm-key-stdin",
            "--whatsapp-phone-number-id",
            "111222",
            "--whatsapp-numero",
            "+5511999990000",
            "--whatsapp-token-stdin",
            "--llm-base-url",
            "http://127.0.0.1:11434/v1",
            "--llm-modelo",
            "llama3",
        ],
        Some("sk-chave-secreta-do-llm-9876\nEAAG-token-secreto-1234\n"),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("••••9876") && out.contains("••••1234"), "masked: {out}");
    assert!(!out.contains("sk-chave") && !out.contains("EAAG-token"), "never printed: {out}");
    let (app, _) = helixai::app::App::open(DataDir::new(&data), ServerConfig::default()).expect("open");
    let e = app.central.empresa_por_slug("a").expect("q").expect("a");
    assert_eq!(e.whatsapp_phone_number_id.as_deref(), Some("111222"));
    assert_eq!(e.whatsapp_numero.as_deref(), Some("5511999990000"));
    assert_eq!(
        (e.llm_base_url.as_deref(), e.llm_modelo.as_deref()),
        (Some("http://127.0.0.1:11434/v1"), Some("llama3"))
    );
    let s = app.central.empresa_segredos(e.id).expect("secrets");
    let dec = |c: Option<Vec<u8>>| app.key.decrypt(&c.expect("set")).expect("decrypt").expose().to_owned();
    assert_eq!(dec(s.openai_api_key), "sk-chave-secreta-do-llm-9876", "first stdin line = first flag");
    assert_eq!(dec(s.whatsapp_token), "EAAG-token-secreto-1234");
    drop(app);
    for file in ["helixai.db", "helixai.db-wal"] {
        let bytes = std::fs::read(data.join(file)).unwrap_or_default();
        assert!(!bytes.windows(10).any(|w| w == b"EAAG-token"), "{file} holds no plaintext token");
    }
    let (code, _, err) = run_bin(&data, &["tenant", "set", "b", "--whatsapp-phone-number-id", "111222"], None, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("já pertence a outra empresa"), "{err}");
    let (code, _, err) = run_bin(&data, &["tenant", "set", "b", "--llm-key-stdin"], Some(""), &[]);
    assert_ne!(code, 0);
    assert!(err.contains("vazio"), "{err}");
    let (code, _, _) = run_bin(&data, &["tenant", "set", "nao-existe", "--llm-modelo", "x"], None, &[]);
    assert_ne!(code, 0);
}

#[test]
fn help_documents_the_pipeline_flags() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::BIN).args(args).output().expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let serve = help(&["serve", "--help"]);
    for flag in
        ["--bot-workers", "--debounce-ms", "--whatsapp-app-secret", "--whatsapp-verify-token", "--graph-api-url"]
    {
        assert!(serve.contains(flag), "{flag} missing from serve --help");
    }
    let set = help(&["tenant", "set", "--help"]);
    for flag in [
        "--whatsapp-phone-number-id",
        "--whatsapp-numero",
        "--whatsapp-token-stdin",
        "--app-secret-stdin",
        "--llm-base-url",
        "--llm-modelo",
        "--llm-key-stdin",
    ] {
        assert!(set.contains(flag), "{flag} missing from tenant set --help");
    }
}
