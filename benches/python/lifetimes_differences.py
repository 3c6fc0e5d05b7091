"""The numbers behind the deliberate differences from lifetimes 0.11.3 that docs/churn.md,
docs/python.md and the fitters' docstrings state, printed on the bundled CDNOW data:

1. Penalized fits: lifetimes' scipy stops early (its default tolerances); ours runs BFGS to a
   gradient of 1e-6. Both parameter sets are scored with lifetimes' own objective function
   (`_negative_log_likelihood`: −Σw·LL/Σw + penalizer·Σparams², on parameters in time scaled
   so that the largest age is 1; Pareto/NBD: −Σw·LL/mean(w) + ...), so lower is better by
   lifetimes' own measure.
2. Holdout spend: `calibration_and_holdout_data(..., monetary_value_col=...)` averages the
   holdout amounts per period (purchases of one period summed), lifetimes per transaction.

Run with benches/python/run.sh's environment (lifetimes, scipy, autograd; see
requirements.txt), e.g. `target/bench-venv/bin/python benches/python/lifetimes_differences.py`
with the retention wheel installed there. Not part of the test command.
"""

from __future__ import annotations

import warnings

import lifetimes
import lifetimes.utils
import numpy as np
import pandas as pd

import retention
import retention.utils
from retention.datasets import load_cdnow_summary_data_with_monetary_value, load_dataset

warnings.simplefilter("ignore")

PENALIZERS = (0.001, 0.01, 0.1)


def purchase_model(name: str, summary: pd.DataFrame, penalizers: tuple[float, ...] = PENALIZERS) -> None:
    """BG/NBD, MBG/NBD (lifetimes: log-parameters, mean objective) or Pareto/NBD (lifetimes:
    natural parameters, −Σw·LL/mean(w): a penalty Σw times weaker than the others')."""
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    weights = np.ones_like(x)
    theirs_class = getattr(lifetimes, name)
    names = ["r", "alpha", "s", "beta"] if name == "ParetoNBDFitter" else ["r", "alpha", "a", "b"]
    print(f"{name} on CDNOW (2,357 customers, weeks): lifetimes' objective at each fit's parameters")
    print(f"{'penalizer':>9} {'lifetimes':>14} {'retention':>14} {'ours lower by':>14}  parameters ({', '.join(names)}) lifetimes | retention")
    for c in penalizers:
        theirs = theirs_class(penalizer_coef=c).fit(x, t_x, T)
        ours = getattr(retention, name)(penalizer_coef=c).fit(x, t_x, T)
        scale = theirs._scale

        def objective(params: pd.Series) -> float:
            p = params[names].to_numpy(dtype=float).copy()
            p[1] *= scale
            if name == "ParetoNBDFitter":
                p[3] *= scale
                return float(theirs_class._negative_log_likelihood(p, x, t_x * scale, T * scale, weights, c))
            return float(theirs_class._negative_log_likelihood(np.log(p), x, t_x * scale, T * scale, weights, c))

        o_t, o_o = objective(theirs.params_), objective(ours.params_)
        print(
            f"{c:>9} {o_t:>14.9f} {o_o:>14.9f} {o_t - o_o:>14.3e}  "
            f"{np.round(theirs.params_.to_numpy(), 4)} | {np.round(ours.params_.to_numpy(), 4)}"
        )


def gamma_gamma(data: pd.DataFrame) -> None:
    repeat = data[data["frequency"] > 0]
    x = repeat["frequency"].to_numpy(dtype=float)
    m = repeat["monetary_value"].to_numpy(dtype=float)
    weights = np.ones_like(x)
    print(f"Gamma-Gamma on CDNOW ({len(x):,} repeat buyers): lifetimes' objective at each fit's parameters")
    print(f"{'penalizer':>9} {'lifetimes':>14} {'retention':>14} {'ours lower by':>14}  parameters (p, q, v) lifetimes | retention")
    for c in PENALIZERS:
        theirs = lifetimes.GammaGammaFitter(penalizer_coef=c).fit(x, m)
        ours = retention.GammaGammaFitter(penalizer_coef=c).fit(x, m)

        def objective(params: pd.Series) -> float:
            log_params = np.log(params[["p", "q", "v"]].to_numpy(dtype=float))
            return float(lifetimes.GammaGammaFitter._negative_log_likelihood(log_params, x, m, weights, c))

        o_t, o_o = objective(theirs.params_), objective(ours.params_)
        print(
            f"{c:>9} {o_t:>14.9f} {o_o:>14.9f} {o_t - o_o:>14.3e}  "
            f"{np.round(theirs.params_.to_numpy(), 4)} | {np.round(ours.params_.to_numpy(), 4)}"
        )


def holdout_spend() -> None:
    tx = load_dataset("CDNOW_sample.txt", header=None, sep=r"\s+")
    tx.columns = ["customer_id", "customer_index", "date", "quantity", "amount"]
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    args = ("customer_id", "date", "1997-09-30")
    kwargs = {"observation_period_end": "1998-06-30", "monetary_value_col": "amount", "freq": "D"}
    theirs = lifetimes.utils.calibration_and_holdout_data(tx, *args, **kwargs)
    ours = retention.utils.calibration_and_holdout_data(tx, *args, **kwargs)
    theirs.index = theirs.index.astype(ours.index.dtype)
    both = ours[["monetary_value_holdout", "frequency_holdout"]].join(
        theirs[["monetary_value_holdout"]], rsuffix="_lifetimes"
    )
    buyers = both[both["frequency_holdout"] > 0]
    diff = (buyers["monetary_value_holdout"] - buyers["monetary_value_holdout_lifetimes"]).abs()
    differ = diff > 1e-9
    print(
        "calibration_and_holdout_data on CDNOW_sample.txt (calibration to 1997-09-30, holdout to "
        "1998-06-30, days): monetary_value_holdout"
    )
    print(f"  customers with holdout purchases: {len(buyers):,}; whose holdout spend differs: {int(differ.sum()):,}")
    print(
        f"  mean holdout spend over them: retention {buyers['monetary_value_holdout'].mean():.4f}, "
        f"lifetimes {buyers['monetary_value_holdout_lifetimes'].mean():.4f}; largest difference {diff.max():.2f}"
    )
    # Per period, the spends of one day are summed: lifetimes' per-transaction mean is smaller.
    same_day = (
        tx[tx["date"] > pd.Timestamp("1997-09-30")].groupby(["customer_id", "date"]).size().gt(1).groupby("customer_id").any()
    )
    print(f"  customers with two or more transactions on one holdout day: {int(same_day.sum()):,}")


def main() -> None:
    print(f"lifetimes {lifetimes.__version__}, retention {retention.__version__}")
    summary = load_cdnow_summary_data_with_monetary_value()
    for name in ("BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter"):
        purchase_model(name, summary)
        print()
    gamma_gamma(load_cdnow_summary_data_with_monetary_value())
    print()
    holdout_spend()


if __name__ == "__main__":
    main()
