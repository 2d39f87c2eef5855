//! The simulator's ledger: every authorized voucher per series (CUIT, point of sale, voucher
//! type), kept in memory and appended to a JSON-lines journal so it survives restarts.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::wsfe::{Code, VoucherDetail};

/// (issuer CUIT, point of sale, voucher type).
pub type SeriesKey = (u64, u32, u16);

/// One authorized voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVoucher {
    pub cuit: u64,
    pub point_of_sale: u32,
    pub voucher_type: u16,
    pub detail: VoucherDetail,
    pub cae: String,
    #[serde(with = "crate::wsfe::types::ymd")]
    pub cae_due: Date,
    /// `yyyymmddhhmmss`.
    pub processed_at: String,
    pub observations: Vec<Code>,
}

/// A journal line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Entry {
    Voucher(Box<StoredVoucher>),
    /// History that happened before this ledger existed (recorded sessions, imports).
    Seed {
        cuit: u64,
        point_of_sale: u32,
        voucher_type: u16,
        last: u64,
        last_date: Option<Date>,
    },
}

#[derive(Debug, Default, Clone)]
struct Series {
    seeded_last: u64,
    last: u64,
    last_date: Option<Date>,
    vouchers: BTreeMap<u64, StoredVoucher>,
    /// Every number granted, in order, duplicates included (what the report checks).
    granted: Vec<u64>,
}

/// Per-series figures for tests and operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesReport {
    pub cuit: u64,
    pub point_of_sale: u32,
    pub voucher_type: u16,
    /// Numbers granted by this simulator (seeded history not counted).
    pub count: usize,
    pub last: u64,
    pub gaps: Vec<u64>,
    pub duplicates: Vec<u64>,
}

/// The ledger.
#[derive(Debug, Default)]
pub struct Ledger {
    series: HashMap<SeriesKey, Series>,
    journal: Option<PathBuf>,
}

impl Ledger {
    /// An in-memory ledger, or one backed by `journal` (replayed if it exists).
    pub fn open(journal: Option<&Path>) -> std::io::Result<Self> {
        let mut l = Self {
            series: HashMap::new(),
            journal: journal.map(Path::to_path_buf),
        };
        if let Some(p) = journal
            && p.exists()
        {
            let f = std::io::BufReader::new(std::fs::File::open(p)?);
            for line in f.lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let e: Entry = serde_json::from_str(&line).map_err(std::io::Error::other)?;
                l.apply(e);
            }
        }
        Ok(l)
    }

    fn apply(&mut self, e: Entry) {
        match e {
            Entry::Seed {
                cuit,
                point_of_sale,
                voucher_type,
                last,
                last_date,
            } => {
                let s = self
                    .series
                    .entry((cuit, point_of_sale, voucher_type))
                    .or_default();
                s.seeded_last = last;
                s.last = s.last.max(last);
                s.last_date = last_date.max(s.last_date);
            }
            Entry::Voucher(v) => {
                let v = *v;
                let s = self
                    .series
                    .entry((v.cuit, v.point_of_sale, v.voucher_type))
                    .or_default();
                s.granted.extend(v.detail.number_from..=v.detail.number_to);
                s.last = s.last.max(v.detail.number_to);
                s.last_date = v.detail.date.max(s.last_date);
                s.vouchers.insert(v.detail.number_from, v);
            }
        }
    }

    fn append(&mut self, entries: Vec<Entry>) -> std::io::Result<()> {
        if let Some(p) = &self.journal {
            let mut buf = String::new();
            for e in &entries {
                buf.push_str(&serde_json::to_string(e).map_err(std::io::Error::other)?);
                buf.push('\n');
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?;
            f.write_all(buf.as_bytes())?;
            f.flush()?;
        }
        for e in entries {
            self.apply(e);
        }
        Ok(())
    }

    /// Records history: the series' last number and date before this simulator.
    pub fn seed(
        &mut self,
        key: SeriesKey,
        last: u64,
        last_date: Option<Date>,
    ) -> std::io::Result<()> {
        let (cuit, point_of_sale, voucher_type) = key;
        self.append(vec![Entry::Seed {
            cuit,
            point_of_sale,
            voucher_type,
            last,
            last_date,
        }])
    }

    /// Commits authorized vouchers (durably, when journaled) before anyone is told.
    pub fn commit(&mut self, vouchers: Vec<StoredVoucher>) -> std::io::Result<()> {
        self.append(
            vouchers
                .into_iter()
                .map(|v| Entry::Voucher(Box::new(v)))
                .collect(),
        )
    }

    /// Last number and date of a series (0 / None when empty).
    pub fn last(&self, key: SeriesKey) -> (u64, Option<Date>) {
        self.series
            .get(&key)
            .map(|s| (s.last, s.last_date))
            .unwrap_or((0, None))
    }

    /// The voucher holding `number`, if authorized here.
    pub fn find(&self, key: SeriesKey, number: u64) -> Option<&StoredVoucher> {
        let s = self.series.get(&key)?;
        let (_, v) = s.vouchers.range(..=number).next_back()?;
        (v.detail.number_to >= number).then_some(v)
    }

    /// Every voucher authorized here, by series and number.
    pub fn vouchers(&self) -> Vec<StoredVoucher> {
        let mut out: Vec<StoredVoucher> = self
            .series
            .values()
            .flat_map(|s| s.vouchers.values().cloned())
            .collect();
        out.sort_by_key(|v| {
            (
                v.cuit,
                v.point_of_sale,
                v.voucher_type,
                v.detail.number_from,
            )
        });
        out
    }

    /// One report per series.
    pub fn report(&self) -> Vec<SeriesReport> {
        let mut out: Vec<SeriesReport> = self
            .series
            .iter()
            .map(|(&(cuit, point_of_sale, voucher_type), s)| {
                let mut seen = std::collections::HashSet::new();
                let duplicates = s
                    .granted
                    .iter()
                    .copied()
                    .filter(|n| !seen.insert(*n))
                    .collect();
                let gaps = ((s.seeded_last + 1)..=s.last)
                    .filter(|n| !seen.contains(n))
                    .collect();
                SeriesReport {
                    cuit,
                    point_of_sale,
                    voucher_type,
                    count: s.granted.len(),
                    last: s.last,
                    gaps,
                    duplicates,
                }
            })
            .collect();
        out.sort_by_key(|r| (r.cuit, r.point_of_sale, r.voucher_type));
        out
    }
}
