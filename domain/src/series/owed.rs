//! What a series' latest outcome asks of its invoices.
//!
//! The saga records an outcome on the series first and on the invoices after. A worker that
//! stops in between leaves invoices behind the series; the next driver finds here what they
//! still need and applies it (each step is a no-op on an invoice that already shows it).
//! Only the latest outcome can be owed: a driver settles it before it sends anything else, so
//! the list starts afresh with every submission.

use std::collections::BTreeMap;

use time::Date;

use super::events::{ReleaseReason, UncertainReason};
use super::fingerprint::ContentDigest;
use crate::ids::InvoiceId;
use crate::invoice::ArcaMessage;

/// What one invoice is owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owed {
    /// ARCA authorized it at `number`.
    Cae {
        /// The voucher number.
        number: u64,
        /// The CAE.
        cae: String,
        /// `CAEFchVto`.
        cae_due_date: Date,
        /// ARCA's observations on the approved voucher.
        observations: Vec<ArcaMessage>,
    },
    /// ARCA refused it for good.
    Rejection {
        /// Request-level errors.
        errors: Vec<ArcaMessage>,
        /// Detail-level reasons.
        observations: Vec<ArcaMessage>,
    },
    /// It was sent and the answer is in doubt until the series is reconciled.
    Unknown(UncertainReason),
    /// Its number was given back (ARCA consumed none of it): it is numbered again, with the
    /// same content.
    Renumber {
        /// Its content, for the new reservation.
        digest: ContentDigest,
        /// Why the number was given back.
        reason: ReleaseReason,
    },
}

/// The owed steps of a series, in the order they arose, one per invoice (a later outcome for
/// the same invoice replaces an earlier one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct OwedList {
    entries: Vec<(InvoiceId, Owed)>,
    /// Where each invoice's entry is.
    index: BTreeMap<InvoiceId, usize>,
    /// Changes with every change of `entries`: same stream, same serial, same list.
    serial: u64,
}

impl OwedList {
    pub(super) fn entries(&self) -> &[(InvoiceId, Owed)] {
        &self.entries
    }

    pub(super) fn serial(&self) -> u64 {
        self.serial
    }

    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.serial += 1;
    }

    pub(super) fn owe(&mut self, invoice: InvoiceId, owed: Owed) {
        match self.index.get(&invoice) {
            Some(&at) => {
                if let Some(entry) = self.entries.get_mut(at) {
                    entry.1 = owed;
                }
            }
            None => {
                self.index.insert(invoice, self.entries.len());
                self.entries.push((invoice, owed));
            }
        }
        self.serial += 1;
    }
}
