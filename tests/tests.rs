//! HelixAI's integration tests: one crate, real SQLite files in temp dirs, the real server on
//! 127.0.0.1 with an ephemeral port, the real binary for CLI tests.

// Shared fixtures: temp data dirs, an in-process server, HTTP client, the built binary.
mod support;

// CLI end to end through the built binary: tenant create/list, migrate, user create, serve.
mod cli;
// Schema migrations on central and tenant files.
mod migrations;
// TenantManager: LRU of pools under concurrency, isolation, descriptor bounds.
mod tenants;
// Creating empresas: validation and all-or-nothing.
mod tenant_create;
// The HTTP server machinery: panics become 500s, security headers, body caps.
mod server;
// The WhatsApp Graph API client against a local fake Graph server.
mod whatsapp_client;
// Login, sessions, roles, throttling, CSRF over HTTP.
mod auth;
// The OpenAI-compatible LLM client and the bot's tool loop against a strict fake server.
mod llm_client;
// The WhatsApp webhook over HTTP: reference payloads, signatures, bad bodies, routing.
mod webhook;
// The message pipeline end to end: webhook → bot → Graph send → statuses; retries, debounce.
mod pipeline;
// kill -9 of the real server between ack and reply: every reply sent exactly once.
mod crash;
// `helixai tenant set`: channel and LLM settings, secrets from stdin, encrypted at rest.
mod tenant_set;
// Superadmin API: empresas (roles, create like the CLI, usage, suspend, purge).
mod admin_empresas;
// Superadmin API: planos, assinaturas, pagamentos, due dates and suspension for non-payment.
mod admin_cobranca;
// Superadmin API: usuarios, the audit log (filters, IP, acting inside a tenant), sistema.
mod admin_usuarios;
// Leads, conversas and mensagens: filters, pagination, bot/humano modes.
mod api_inbox;
// Attendants' tools: assignment, resolution, quick replies, tags, CSV exports, one monthly count.
mod atendimento;
// Inbox search: accent-insensitive FTS5 over messages, names and phones; literal terms, paging.
mod busca;
// The handoff never talks over a person: takeover by reply, idle time, alerts, late bot replies.
mod handoff;
// The empresa admin's settings: team, WhatsApp, bot, reports, catalog CSV import.
mod api_empresa;
// The isolation matrix: A never reaches B's data (path, query, body); roles, 401, 413, pagination.
mod isolamento;
// Secrets at rest through the real binary: never in responses, logs (RUST_LOG=debug) or db bytes.
mod segredos;
// Online backups and restores: concurrent writes, retention, refused and successful swaps.
mod backup;
// Export/import of an empresa between data dirs: round trip, no secrets, clashes.
mod transfer;
// backup/restore/tenant export/import through the built binary.
mod ops_cli;
// /metrics with real traffic and its token mode, the backup schedule, /healthz disk check.
mod metrics;
// Superadmin backup endpoints: take, list, download, restore, refusals, audit.
mod admin_backups;
// Panel bot endpoints: simulator, human replies through the sending path, plan quota, metrics.
mod api_bot;
// The pt-BR question set of every setor through the rule engine: pass rate, no invented price.
mod bot_perguntas;
// The sales conversation through the webhook: booking without a key, cancelling, five LLM turns.
mod conversa_venda;
// Appointments over HTTP: create, move, cancel, no double booking, free times, isolation; the sandbox quota.
mod api_agendamentos;
// Fault tests: crash during a send, slow LLM + failing Graph, kill -9 under load, full disk.
mod faults;
// The embedded admin panel: index, assets, deep links, no path traversal.
mod panel;
// The webhook journal: restart pickup, unreadable rows, clean stop.
mod journal;
// Evolution API (QR-code channel): the webhook with every reference payload, secrets, 9th digit.
mod evolution;
// Evolution API: replies through sendText, echoes, failures and retries, human replies.
mod evolution_envio;
// Evolution API: pairing from the panel API and from `helixai tenant connect`.
mod evolution_conexao;
// Media from customers on the Cloud API: download by id → URL with the token, sniffed,
// stored per tenant, served only to that empresa; expired URLs, the 16 MB cap, the quota.
mod midia_cloud;
// Voice notes: transcribed with the empresa's key and answered like text; no key → a notice.
mod midia_audio;
// Media on the QR-code channel: base64 in the webhook or fetched from the instance; sendMedia.
mod midia_evolution;
// Attachments from the panel, catalog photos, the photo of the item the bot presents.
mod midia_painel;
// Media in backups, restores, exports/imports and purges.
mod midia_backup;
// Off-site replica without a bucket: change marks, pt-BR refusals, panel and healthz when off.
mod replica;
// Off-site replica against real S3 servers (moto, s3s-fs; #[ignore]d, run by .ci/run): round
// trip of 50 tenants under load, kill -9 mid-upload, bucket down then back, wrong keys.
mod replica_s3;
// Input limits: capped and literal search terms, object-only JSON bodies, repeated keys.
mod limites;
// The catalog API: GET → PUT the same body → GET is equal for every setor, demo catalogs included.
mod catalogo;
// Customer identity: phone, BSUID and username on one lead; number changes; unidentified
// senders; replies to a BSUID; `@lid` chats; the 0011 migration.
mod identidade;
