//! SQL for an empresa's Evolution API instance (`evolution_instancias`): its name, encrypted
//! instance token and webhook secret (with the secret's hash as the webhook routing key), the
//! connection state reported by `connection.update`, and the latest QR / pairing code.
//! Also the empresa's channel switch (`empresas.whatsapp_canal`).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::CentralDb;
use crate::domain::{Canal, EmpresaId};
use crate::error::{Error, Result};

/// Connection states as stored (and shown).
pub const CONECTADO: &str = "conectado";
pub const CONECTANDO: &str = "conectando";
pub const DESCONECTADO: &str = "desconectado";
pub const RECUSADO: &str = "recusado";

/// An empresa's Evolution instance as stored. Ciphertexts are skipped when serialised.
#[derive(Clone, Serialize)]
pub struct InstanciaEvolution {
    pub empresa_id: EmpresaId,
    pub instancia: String,
    #[serde(skip)]
    pub token_cifrado: Option<Vec<u8>>,
    #[serde(skip)]
    pub segredo_cifrado: Vec<u8>,
    pub estado: String,
    pub motivo_codigo: Option<i64>,
    pub motivo: Option<String>,
    pub numero: Option<String>,
    pub nome_perfil: Option<String>,
    /// Shown to the empresa's own admin (`conexao::EstadoConexao`), not in lists.
    #[serde(skip)]
    pub qr_code: Option<String>,
    #[serde(skip)]
    pub pairing_code: Option<String>,
    pub qr_em: Option<String>,
    pub estado_em: String,
}

impl std::fmt::Debug for InstanciaEvolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanciaEvolution")
            .field("empresa_id", &self.empresa_id)
            .field("instancia", &self.instancia)
            .field("estado", &self.estado)
            .finish_non_exhaustive()
    }
}

/// A connection change to record.
#[derive(Debug, Clone, Default)]
pub struct MudancaEstado<'a> {
    pub estado: &'a str,
    pub motivo_codigo: Option<i64>,
    pub motivo: Option<&'a str>,
    pub numero: Option<&'a str>,
    pub nome_perfil: Option<&'a str>,
}

const COLS: &str =
    "empresa_id, instancia, token, webhook_segredo, estado, motivo_codigo, motivo, numero, nome_perfil, \
                    qr_code, pairing_code, qr_em, estado_em";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InstanciaEvolution> {
    Ok(InstanciaEvolution {
        empresa_id: EmpresaId(r.get(0)?),
        instancia: r.get(1)?,
        token_cifrado: r.get(2)?,
        segredo_cifrado: r.get(3)?,
        estado: r.get(4)?,
        motivo_codigo: r.get(5)?,
        motivo: r.get(6)?,
        numero: r.get(7)?,
        nome_perfil: r.get(8)?,
        qr_code: r.get(9)?,
        pairing_code: r.get(10)?,
        qr_em: r.get(11)?,
        estado_em: r.get(12)?,
    })
}

impl CentralDb {
    /// Switches the empresa's WhatsApp channel.
    pub fn empresa_definir_canal(&self, id: EmpresaId, canal: Canal) -> Result<()> {
        let n = self.conn()?.execute(
            "UPDATE empresas SET whatsapp_canal = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE id = ?1",
            params![id.0, canal.as_str()],
        )?;
        if n == 0 {
            return Err(Error::NotFound("empresa"));
        }
        Ok(())
    }

    /// The empresa's instance, if it has one.
    pub fn evolution_instancia(&self, id: EmpresaId) -> Result<Option<InstanciaEvolution>> {
        let sql = format!("SELECT {COLS} FROM evolution_instancias WHERE empresa_id = ?1");
        Ok(self.conn()?.query_row(&sql, [id.0], row).optional()?)
    }

    /// The instance whose webhook secret hashes to `hash` (webhook routing).
    pub fn evolution_por_segredo(&self, hash: &str) -> Result<Option<InstanciaEvolution>> {
        let sql = format!("SELECT {COLS} FROM evolution_instancias WHERE webhook_segredo_hash = ?1");
        Ok(self.conn()?.query_row(&sql, [hash], row).optional()?)
    }

    /// Creates the empresa's instance row unless it exists; returns the row as stored (an
    /// existing row keeps its name and secret, so Evolution's webhook URL stays valid).
    pub fn evolution_garantir(
        &self,
        id: EmpresaId,
        instancia: &str,
        segredo_cifrado: &[u8],
        segredo_hash: &str,
    ) -> Result<InstanciaEvolution> {
        self.conn()?.execute(
            "INSERT INTO evolution_instancias (empresa_id, instancia, webhook_segredo, webhook_segredo_hash)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT(empresa_id) DO NOTHING",
            params![id.0, instancia, segredo_cifrado, segredo_hash],
        )?;
        self.evolution_instancia(id)?.ok_or(Error::NotFound("instância"))
    }

    /// Stores (or clears) the instance token, as a ciphertext.
    pub fn evolution_definir_token(&self, id: EmpresaId, token_cifrado: Option<&[u8]>) -> Result<()> {
        self.conn()?.execute(
            "UPDATE evolution_instancias SET token = ?2, atualizado_em = CURRENT_TIMESTAMP WHERE empresa_id = ?1",
            params![id.0, token_cifrado],
        )?;
        Ok(())
    }

    /// Records a connection change. Only `conectando` keeps the QR and pairing codes (a
    /// paired, closed or refused instance has no QR to scan); a change without a number or
    /// profile keeps the ones known.
    pub fn evolution_registrar_estado(&self, id: EmpresaId, m: &MudancaEstado<'_>) -> Result<()> {
        self.conn()?.execute(
            "UPDATE evolution_instancias SET estado = ?2, motivo_codigo = ?3, motivo = ?4,
                 numero = COALESCE(?5, numero), nome_perfil = COALESCE(?6, nome_perfil),
                 qr_code = CASE WHEN ?2 = 'conectando' THEN qr_code ELSE NULL END,
                 pairing_code = CASE WHEN ?2 = 'conectando' THEN pairing_code ELSE NULL END,
                 estado_em = CURRENT_TIMESTAMP, atualizado_em = CURRENT_TIMESTAMP
             WHERE empresa_id = ?1",
            params![id.0, m.estado, m.motivo_codigo, m.motivo, m.numero, m.nome_perfil],
        )?;
        Ok(())
    }

    /// Records a fresh QR (and pairing code, if any); the instance is now waiting for a scan.
    /// Ignored once connected: a refresh that raced the `open` webhook must not bring a
    /// stale QR back.
    pub fn evolution_registrar_qr(
        &self,
        id: EmpresaId,
        qr_code: Option<&str>,
        pairing_code: Option<&str>,
    ) -> Result<()> {
        self.conn()?.execute(
            "UPDATE evolution_instancias SET qr_code = ?2, pairing_code = COALESCE(?3, pairing_code),
                 qr_em = CURRENT_TIMESTAMP, estado = 'conectando', atualizado_em = CURRENT_TIMESTAMP
             WHERE empresa_id = ?1 AND estado != 'conectado'",
            params![id.0, qr_code, pairing_code],
        )?;
        Ok(())
    }

    /// Forgets the empresa's instance (after deleting it on the Evolution server).
    pub fn evolution_excluir(&self, id: EmpresaId) -> Result<()> {
        self.conn()?.execute("DELETE FROM evolution_instancias WHERE empresa_id = ?1", [id.0])?;
        Ok(())
    }

    /// Every instance, for the superadmin's view of connections.
    pub fn evolution_instancias(&self) -> Result<Vec<InstanciaEvolution>> {
        let sql = format!("SELECT {COLS} FROM evolution_instancias ORDER BY empresa_id");
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
