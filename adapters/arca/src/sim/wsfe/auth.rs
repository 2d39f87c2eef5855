//! Token checks of every operation but FEDummy: 500, 600 and 601, in ARCA's order.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::sim::SimState;
use crate::sim::token::verify;
use crate::wsaa::ticket::decode_sso;
use crate::wsfe::{Auth, Code};

fn err(code: i32, msg: impl Into<String>) -> Code {
    Code {
        code,
        msg: msg.into(),
    }
}

/// `7/1/2021 8:19:19 PM`, the .NET invariant format ARCA prints.
fn us(t: OffsetDateTime) -> String {
    let f = format_description!(
        "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period]"
    );
    t.format(&f).unwrap_or_default()
}

/// Returns the CUIT acted for, or the error ARCA would report.
pub fn check(sim: &SimState, auth: Option<&Auth>, now: OffsetDateTime) -> Result<u64, Code> {
    let Some(a) = auth else {
        return Err(err(500, "Campo Auth no fue ingresado o esta mal formado."));
    };
    if a.token.is_empty() {
        return Err(err(
            600,
            "ValidacionDeToken: Parametro nulo o vacio (token)",
        ));
    }
    if a.sign.is_empty() {
        return Err(err(600, "ValidacionDeToken: Parametro nulo o vacio (sign)"));
    }
    let sso = decode_sso(&a.token).map_err(|_| {
        err(
            600,
            "ValidacionDeToken: Error al verificar hash: token invalido",
        )
    })?;
    if sso.service != "wsfe" {
        return Err(err(
            600,
            format!(
                "ValidacionDeToken: No valido Id Sistema: wsfe(Id Sistema de token es: {})",
                sso.service
            ),
        ));
    }
    let now_s = now.unix_timestamp();
    if now_s < sso.gen_time || now_s > sso.exp_time {
        let t = |s: i64| {
            OffsetDateTime::from_unix_timestamp(s)
                .map(us)
                .unwrap_or_default()
        };
        return Err(err(
            600,
            format!(
                "ValidacionDeToken: No validaron las fechas del token GenTime, ExpTime, NowUTC: {} ({}), {} ({}), {}",
                sso.gen_time,
                t(sso.gen_time),
                sso.exp_time,
                t(sso.exp_time),
                us(now.to_offset(time::UtcOffset::UTC))
            ),
        ));
    }
    let trusted = sim
        .config
        .trusted_tickets
        .iter()
        .any(|(t, s)| t == &a.token && s == &a.sign);
    if !trusted && !verify(&sim.token_key, &a.token, &a.sign) {
        return Err(err(600, "ValidacionDeToken: Error al verificar hash: "));
    }
    if !sso
        .relations
        .iter()
        .any(|r| r.parse::<u64>().ok() == Some(a.cuit))
    {
        return Err(err(601, "CUIT representada no incluida en token."));
    }
    Ok(a.cuit)
}
