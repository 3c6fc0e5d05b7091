//! `retention.targeting.plan`'s native half: offer planning under a budget and a contact cap
//! (`retention_core::churn::targeting::plan`). Names (feedback groups, risk bands) are read by
//! the core; the group column arrives factorised (codes and the distinct names).

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use retention_core::churn::risk::RiskThresholds;
use retention_core::churn::targeting::plan::{
    self, Eligibility, GROUP_SLOTS, PlanCustomers, PlanError, PlanOffer, PlanSettings, Reason,
    Uplift, feedback_from_name, feedback_name, group_slot,
};
use retention_core::feedback::FeedbackGroup;

use super::columns::{column, day};
use crate::errors::ToPyErr;

/// An offer as the Python layer passes it: `(name, cost, flat uplift or None, uplift by name,
/// eligible groups or None, eligible bands or None)`.
type OfferSpec = (
    String,
    f64,
    Option<f64>,
    Vec<(String, f64)>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

/// The core's offer of a spec; names are read by the core.
fn offer(spec: &OfferSpec) -> Result<PlanOffer<'_>, PlanError> {
    let (name, cost, flat, table, groups, bands) = spec;
    let uplift = match flat {
        Some(uplift) => Uplift::Flat(*uplift),
        None => {
            let pairs: Vec<(&str, f64)> = table.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            Uplift::by_names(name, &pairs)?
        }
    };
    let groups: Option<Vec<&str>> = groups
        .as_ref()
        .map(|names| names.iter().map(String::as_str).collect());
    let bands: Option<Vec<&str>> = bands
        .as_ref()
        .map(|names| names.iter().map(String::as_str).collect());
    let eligible = Eligibility::by_names(name, groups.as_deref(), bands.as_deref())?;
    Ok(PlanOffer {
        name,
        cost: *cost,
        uplift,
        eligible,
    })
}

/// The plan: `(rows, offers, expected values, reason codes, feedback slots, band codes,
/// (expected_value, cost, lp_bound, gap, optimal, eligible, capped))`.
#[pyfunction]
#[pyo3(signature = (ids, p_alive, clv, group_codes, group_names, last_contact, contacts, offers, budget, today, max_contacts, window_days, thresholds))]
#[allow(clippy::too_many_arguments)]
fn targeting_plan<'py>(
    py: Python<'py>,
    ids: Option<PyReadonlyArray1<'py, u64>>,
    p_alive: PyReadonlyArray1<'py, f64>,
    clv: PyReadonlyArray1<'py, f64>,
    group_codes: Option<PyReadonlyArray1<'py, i64>>,
    group_names: Vec<String>,
    last_contact: Option<PyReadonlyArray1<'py, i64>>,
    contacts: Option<PyReadonlyArray1<'py, u32>>,
    offers: Vec<OfferSpec>,
    budget: f64,
    today: i64,
    max_contacts: u32,
    window_days: u32,
    thresholds: (u16, u16, u16),
) -> PyResult<Bound<'py, PyTuple>> {
    let thresholds =
        RiskThresholds::new([thresholds.0, thresholds.1, thresholds.2]).map_err(ToPyErr::to_py)?;
    let settings = PlanSettings {
        budget,
        today: day(today)?,
        max_contacts,
        window_days,
        thresholds,
    };
    let offers = offers
        .iter()
        .map(offer)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ToPyErr::to_py)?;
    // The distinct names of the group column, read by the core.
    let named: Vec<Option<FeedbackGroup>> = group_names
        .iter()
        .map(|name| {
            feedback_from_name(name).ok_or_else(|| PlanError::UnknownName {
                offer: None,
                field: "group",
                name: name.clone(),
            })
        })
        .collect::<Result<_, _>>()
        .map_err(ToPyErr::to_py)?;
    let ids = ids.as_ref().map(column);
    let (p_alive, clv) = (column(&p_alive), column(&clv));
    let codes = group_codes.as_ref().map(column);
    let last = last_contact.as_ref().map(column);
    let contacts = contacts.as_ref().map(column);
    let planned = py.detach(|| {
        // Code −1: no feedback; a code names one of the distinct names.
        let group: Vec<Option<FeedbackGroup>> = codes.as_deref().map_or_else(Vec::new, |codes| {
            codes
                .iter()
                .map(|&code| {
                    usize::try_from(code)
                        .ok()
                        .and_then(|i| named.get(i))
                        .copied()
                        .flatten()
                })
                .collect()
        });
        // i64::MIN: never contacted. Day numbers out of i32 go to the core as out of range.
        let last_contact_day: Vec<Option<i32>> = last.as_deref().map_or_else(Vec::new, |days| {
            days.iter()
                .map(|&d| (d != i64::MIN).then(|| i32::try_from(d).unwrap_or(i32::MIN)))
                .collect()
        });
        let customers = PlanCustomers {
            ids: ids.as_deref().unwrap_or(&[]),
            p_alive: &p_alive,
            clv: &clv,
            group: &group,
            last_contact_day: &last_contact_day,
            contacts_in_window: contacts.as_deref().unwrap_or(&[]),
        };
        plan::plan(&customers, &offers, &settings).map_err(ToPyErr::to_py)
    })?;
    let lines = &planned.assignments;
    let rows: Vec<u64> = lines.iter().map(|a| a.row as u64).collect();
    let offer_indices: Vec<u64> = lines.iter().map(|a| a.offer as u64).collect();
    let values: Vec<f64> = lines.iter().map(|a| a.expected_value).collect();
    let reasons: Vec<u8> = lines.iter().map(|a| a.reason.code()).collect();
    let slots: Vec<u8> = lines
        .iter()
        .map(|a| u8::try_from(group_slot(a.reason.group)).unwrap_or(u8::MAX))
        .collect();
    let bands: Vec<u8> = lines.iter().map(|a| a.reason.band.code()).collect();
    let summary = (
        planned.expected_value,
        planned.cost,
        planned.lp_bound,
        planned.gap(),
        planned.optimal,
        planned.eligible,
        planned.capped,
    );
    PyTuple::new(
        py,
        [
            rows.into_pyarray(py).into_any(),
            offer_indices.into_pyarray(py).into_any(),
            values.into_pyarray(py).into_any(),
            reasons.into_pyarray(py).into_any(),
            slots.into_pyarray(py).into_any(),
            bands.into_pyarray(py).into_any(),
            summary.into_pyobject(py)?.into_any(),
        ],
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(targeting_plan, m)?)?;
    let reasons: Vec<String> = (0..Reason::COUNT)
        .filter_map(Reason::from_code)
        .map(|reason| reason.to_string())
        .collect();
    m.add("TARGETING_REASONS", PyTuple::new(py, reasons)?)?;
    let slots: Vec<&str> = (0..GROUP_SLOTS)
        .map(|slot| {
            feedback_name(FeedbackGroup::from_code(
                u8::try_from(slot).unwrap_or(u8::MAX),
            ))
        })
        .collect();
    m.add("TARGETING_FEEDBACK", PyTuple::new(py, slots)?)?;
    Ok(())
}
