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
// Superadmin API: empresas (roles, create like the CLI, usage, suspend, purge).
mod admin_empresas;
// Superadmin API: planos, assinaturas, pagamentos, due dates and suspension for non-payment.
mod admin_cobranca;
// Superadmin API: usuarios, the audit log (filters, IP, acting inside a tenant), sistema.
mod admin_usuarios;
// The embedded admin panel: index, assets, deep links, no path traversal.
mod panel;
