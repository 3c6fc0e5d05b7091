"""Churn scoring from a data script's point of view: fit the models on the CDNOW sample, compare
with the published figures, find the customers most at risk and whom a win-back offer pays for,
and write the model blob a till loads (examples/c/churn.c scores one customer from it).

Run from the repository root (scripts/demo.sh does): python examples/python/churn.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import retention
from retention import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter, targeting

OUT = Path("target/demo")
END = "1997-09-30"  # the calibration period of the published figures

transactions = pd.read_csv(
    "data/cdnow/CDNOW_sample.txt",
    sep=r"\s+",
    header=None,
    names=["master_id", "customer", "date", "cds", "amount"],
    dtype={"date": str},
)
transactions["date"] = pd.to_datetime(transactions["date"], format="%Y%m%d")
# Cents, as a till records them: the summary's mean spend is then exact, as on the till.
transactions["cents"] = (transactions["amount"] * 100).round().astype("int64")

summary = retention.summary_data_from_transaction_data(
    transactions, "customer", "date", "cents", observation_period_end=END, freq="D", freq_multiplier=7
)
x, t_x, age = summary["frequency"], summary["recency"], summary["T"]
print(f"CDNOW: {len(transactions):,} transactions of {len(summary):,} customers; calibration to {END}, in weeks")

published = {
    "BG/NBD": (BetaGeoFitter, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4),
    "MBG/NBD": (ModifiedBetaGeoFitter, None, None),
    "Pareto/NBD": (ParetoNBDFitter, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0),
}
fitted = {}
print(f"\n{'model':11} {'parameter':>9} {'fitted':>10} {'published':>10}")
for name, (cls, figures, ll) in published.items():
    model = cls().fit(x, t_x, age)
    fitted[name] = model
    for param, value in model.params_.items():
        shown = "" if figures is None else f"{figures[param]:>10.3f}"
        print(f"{name:11} {param:>9} {value:>10.4f} {shown}")
    print(f"{name:11} {'LL':>9} {model.log_likelihood_:>10.2f} {'' if ll is None else f'{ll:>10.1f}'}")

repeat = summary[summary["frequency"] > 0]
ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"] / 100)  # in dollars
for param, value in ggf.params_.items():
    print(f"{'Gamma-Gamma':11} {param:>9} {value:>10.4f} {dict(p=6.25, q=3.74, v=15.44)[param]:>10.2f}")
print(f"{'Gamma-Gamma':11} {'LL':>9} {ggf.log_likelihood_:>10.2f} {-4055.92:>10.2f}")
bgf = fitted["BG/NBD"]
print(
    f"\nCustomer x = 2, t_x = 30.43, T = 38.86: BG/NBD P(alive) "
    f"{bgf.conditional_probability_alive(2, 30.43, 38.86)[0]:.4f} (published 0.7266), E[Y(39)] "
    f"{bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86):.3f} (1.226); "
    f"expected spend at z̄ = 22.35: {ggf.conditional_expected_average_profit(2, 22.35):.3f} (24.659)"
)

# The till's model: Pareto/NBD (one-time buyers can lapse), with the spend model for CLV.
pnf = fitted["Pareto/NBD"]
model = pnf.to_model(freq="D", freq_multiplier=7, spend_model=ggf, clv_months=12, discount_rate=0.01, money_unit=100)
blob = model.to_bytes()
scores = model.score(x, t_x, age, summary["monetary_value"])
scores["clv"] = scores["clv_minor"] / 100
table = summary.join(scores)

print("\nThe ten customers most at risk, most valuable first (risk 0..1000, CLV over 12 months in $):")
at_risk = table.sort_values(["risk", "clv"], ascending=[False, False]).head(10)
print(
    at_risk[["frequency", "recency", "T", "p_alive", "risk", "band_name", "clv"]]
    .round({"recency": 2, "T": 2, "p_alive": 4, "clv": 2})
    .to_string()
)

cost, uplift = 2.50, 0.15
chosen = targeting.target(table["p_alive"], table["clv"], cost=cost, uplift=uplift)
print(
    f"\nWin-back offer costing ${cost:.2f} that keeps {uplift:.0%} of would-be-lost customers: worth it "
    f"for {len(chosen):,} of {len(table):,} customers, expected net value ${chosen['expected_value'].sum():,.2f}"
)
print(chosen.head(10).round({"p_alive": 4, "clv": 2, "expected_value": 2}).to_string())

OUT.mkdir(parents=True, exist_ok=True)
(OUT / "churn_model.bin").write_bytes(blob)
print(f"\nModel blob: {len(blob)} bytes (at most {retention.CHURN_MODEL_MAX_LEN}) -> {OUT / 'churn_model.bin'}")
print(f"  {blob.hex()}")

# One customer for the till: the first of the targeting list, with their purchases up to the end.
customer = chosen.index[0]
row = table.loc[customer]
mine = transactions[(transactions["customer"] == customer) & (transactions["date"] <= END)]
epoch = pd.Timestamp("1970-01-01")
now = (pd.Timestamp(END) - epoch) // pd.Timedelta(seconds=1)
with open(OUT / "churn_customer.txt", "w", encoding="utf-8") as f:
    f.write(f"customer {customer}\nnow {now}\n")
    for date, cents in zip(mine["date"], mine["cents"]):
        f.write(f"purchase {(date - epoch) // pd.Timedelta(seconds=1)} {cents}\n")
    f.write(f"expect {float(row['p_alive'])!r} {int(row['risk'])} {int(row['band'])} {int(row['clv_minor'])}\n")
print(
    f"Customer {customer} scored in Python: P(alive) {float(row['p_alive'])!r}, risk {row['risk']}, band "
    f"{row['band_name']}, CLV {row['clv_minor']} cents -> {OUT / 'churn_customer.txt'}"
)
assert np.isfinite(scores["p_alive"]).all()
