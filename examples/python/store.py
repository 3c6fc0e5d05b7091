"""The store demo's back office, around the till in examples/c/store.c.

``prepare``: fit Pareto/NBD on the CDNOW history, write the model blob; compile the store's
loyalty program (the coffee chain's, plus the win-back offers and the service-recovery and
milestone rules of examples/programs/feedback.json) and sign it with the operator's key; write
four customers' records (a regular, a one-time buyer who lapsed, a newcomer, and a customer who
is about to answer the survey as a detractor) with their churn summaries from CDNOW, sealed with
the store key; write the day: the detractor's survey answer, then the sales.

``check``: after the till ran, open the blobs it wrote (cards, accounts, customer records),
print them, and replay the same day in Python — the answer, evaluate, apply to the card and the
account, the partial return — to show the till and the data script agree byte for byte. Then
the back office's offer plan for the day (``retention.targeting.plan``): the CDNOW customers
scored by the model, with survey answers (synthetic, seeded: CDNOW has none), a budget and a
contact cap.

Run from the repository root (scripts/demo.sh does): python examples/python/store.py prepare|check
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

import retention
import retention.feedback

OUT = Path("target/demo/store")
STORE_KEY = bytes(range(32))  # the store's secret for cards, accounts and records (demo only)
OPERATOR_SECRET = bytes([7] * 32)  # the operator's Ed25519 signing key (demo only)
TODAY = dt.date(1998, 7, 7)  # a Tuesday, a week after the CDNOW history ends
UTC_OFFSET = -300  # the till's clock: US Eastern (CDNOW is a US retailer)
SALE_TIME = int(dt.datetime(1998, 7, 7, 15, 10, tzinfo=dt.timezone(dt.timedelta(minutes=UTC_OFFSET))).timestamp())
CARD = dict(program=1, stamps_per_reward=10, daily_limit=3, lapse_after_days=365)
ACCOUNT = dict(expiry_months=12, pending_days=14)

# (customer, terminal, sequence, [(sku, category, quantity, unit price in cents)]): category 1
# is coffee (a stamp each, once a day), 2 other drinks and beans, 3 food.
SALES = [
    ("regular", 1, 101, [(1001, 1, 2, 350), (3001, 3, 1, 275)]),
    ("lapsed", 1, 102, [(1001, 1, 1, 350), (2101, 2, 1, 1900)]),
    ("newcomer", 2, 7, [(1001, 1, 1, 350)]),
    ("detractor", 2, 8, [(1001, 1, 1, 350), (2101, 2, 1, 1900)]),
]
# (customer, terminal, sequence, score, day, channel): the detractor answered the web survey (the
# survey system is terminal 3) five days ago; the answer reaches the till's record this morning.
FEEDBACK = ("detractor", 3, 1, 3, TODAY - dt.timedelta(days=5), "web")
RETURN = ("lapsed", 1, 103, [0, 1])  # the lapsed customer brings the beans back


def store_program() -> str:
    """The coffee chain's program with the win-back offers (rule ids 5 and 6) and the service
    recovery and milestones of feedback.json (rule ids 7, 8 and 9) added."""
    program = json.loads(Path("examples/programs/coffee.json").read_text())
    winback = json.loads(Path("examples/programs/winback.json").read_text())
    feedback = json.loads(Path("examples/programs/feedback.json").read_text())
    program["name"] = "Coffee chain, win-back, service recovery"
    program["groups"] = winback["groups"]
    for rule in winback["rules"][1:]:
        program["rules"].append(dict(rule, id=rule["id"] + 3))
    for rule in feedback["rules"]:
        program["rules"].append(dict(rule, id=rule["id"] + 6))
    return json.dumps(program)


def cdnow() -> pd.DataFrame:
    tx = pd.read_csv(
        "data/cdnow/CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
        dtype={"date": str},
    )
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    tx["cents"] = (tx["amount"] * 100).round().astype("int64")
    return tx


def record_of(history: pd.DataFrame) -> retention.Customer:
    """A customer record as the till would have kept it over this history (days collapse)."""
    days = history.groupby(history["date"].dt.date)["cents"].sum().sort_index()
    first, last = days.index[0], days.index[-1]
    churn = retention.CustomerChurn(
        grain="D", first=first, last=last, frequency=len(days) - 1, repeat_spend=int(days.iloc[1:].sum())
    )
    return retention.Customer(visits=len(days), last_visit=last, churn=churn)


def prepare() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tx = cdnow()
    summary = retention.summary_data_from_transaction_data(
        tx, "customer", "date", "cents", observation_period_end="1998-06-30", freq="D", freq_multiplier=7
    )
    pareto = retention.ParetoNBDFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    model = pareto.to_bytes(freq="D", freq_multiplier=7)
    (OUT / "model.bin").write_bytes(model)
    params = ", ".join(f"{k} {v:.4f}" for k, v in pareto.params_.items())
    print(f"back office: Pareto/NBD on {len(summary):,} CDNOW customers to 1998-06-30 ({params})")
    print(f"back office: churn model blob, {len(model)} bytes")

    rules = retention.RuleSet.from_json(store_program())
    blob = rules.to_bytes(signing_key=OPERATOR_SECRET)
    (OUT / "rules.bin").write_bytes(blob)
    (OUT / "operator.pub").write_bytes(retention.RuleSet.public_key_of(OPERATOR_SECRET))
    print(f"back office: '{rules.name}' serial {rules.serial}, {len(rules.rules)} rules, signed: {len(blob)} bytes")

    per_day = tx.groupby("customer")["date"].agg(["nunique", "max", "min"])
    regular = per_day[per_day["max"] >= "1998-06-01"].sort_values("nunique").index[-1]
    lapsed = per_day[(per_day["nunique"] == 1) & (per_day["max"] < "1997-02-01")].index[0]
    recent = per_day[(per_day["nunique"] >= 3) & (per_day["max"] >= "1998-06-01")].sort_values("nunique")
    detractor = recent.index[0]
    chosen = {"regular": int(regular), "lapsed": int(lapsed), "detractor": int(detractor)}
    for name, cdnow_id in chosen.items():
        record = record_of(tx[tx["customer"] == cdnow_id])
        (OUT / f"customer-{name}.bin").write_bytes(record.to_bytes(STORE_KEY, name.encode()))
        c = record.churn
        print(
            f"back office: {name:8} (CDNOW #{cdnow_id}): {record.visits} visit days {c.first}..{c.last}, "
            f"{c.frequency} repeats, repeat spend {c.repeat_spend / 100:.2f}"
        )
    (OUT / "customer-newcomer.bin").write_bytes(retention.Customer().to_bytes(STORE_KEY, b"newcomer"))
    with open(OUT / "sales.txt", "w") as f:
        f.write(f"now {SALE_TIME} {UTC_OFFSET}\n")
        f.write(f"card {CARD['program']} {CARD['stamps_per_reward']} {CARD['daily_limit']} {CARD['lapse_after_days']}\n")
        f.write(f"account {ACCOUNT['expiry_months']} {ACCOUNT['pending_days']}\n")
        who, terminal, sequence, score, day, channel = FEEDBACK
        day_number = (day - dt.date(1970, 1, 1)).days
        code = retention.feedback.CHANNELS.index(channel)
        f.write(f"feedback {who} {terminal} {sequence} {score} {day_number} {code}\n")
        for who, terminal, sequence, lines in SALES:
            flat = " ".join(" ".join(str(v) for v in line) for line in lines)
            f.write(f"sale {who} {terminal} {sequence} {len(lines)} {flat}\n")
        who, terminal, sequence, units = RETURN
        f.write(f"return {who} {terminal} {sequence} {len(units)} {' '.join(map(str, units))}\n")


def check() -> None:
    rules = retention.RuleSet.from_bytes(
        (OUT / "rules.bin").read_bytes(), public_key=(OUT / "operator.pub").read_bytes()
    )
    model = retention.ChurnModel.from_bytes((OUT / "model.bin").read_bytes())
    at = dt.datetime.fromtimestamp(SALE_TIME, dt.timezone(dt.timedelta(minutes=UTC_OFFSET)))
    outcomes = {}
    cards, accounts, records = {}, {}, {}
    answered, terminal_id, sequence_no, score, day, channel = FEEDBACK
    for who, terminal, sequence, lines in SALES:
        uid = who.encode()
        record = retention.Customer.from_bytes((OUT / f"customer-{who}.bin").read_bytes(), STORE_KEY, uid)
        if who == answered:
            record, _ = record.record_feedback((terminal_id, sequence_no), score, day=day, today=TODAY, channel=channel)
        outcome = rules.evaluate(lines, record, at=at, event=(terminal, sequence), churn_model=model)
        card, account = outcome.apply(
            retention.PunchCard(**CARD), retention.PointsAccount(**ACCOUNT), today=TODAY
        )
        outcomes[who], cards[who], accounts[who], records[who] = outcome, card, account, outcome.customer
    who, terminal, sequence, units = RETURN
    refund = outcomes[who].refund(units)
    cards[who], accounts[who] = refund.apply((terminal, sequence), cards[who], accounts[who], today=TODAY)

    agree = True
    for who, _, _, _ in SALES:
        uid = who.encode()
        till_card = (OUT / f"card-{who}.bin").read_bytes()
        till_account = (OUT / f"account-{who}.bin").read_bytes()
        till_record = (OUT / f"customer-{who}.out.bin").read_bytes()
        card = retention.PunchCard.from_bytes(till_card, STORE_KEY, uid)
        account = retention.PointsAccount.from_bytes(till_account, STORE_KEY, uid)
        record = retention.Customer.from_bytes(till_record, STORE_KEY, uid)
        s, a = card.summary(), account.summary(TODAY)
        risk = model.risk_of(record, at)
        print(
            f"back office: {who:8} card {len(till_card)} B: {s.stamps} stamps, {s.stamps_to_next_reward} to a free coffee; "
            f"account {len(till_account)} B: {a.available} available, {a.pending} pending; "
            f"record {len(till_record)} B: {record.visits} visit days, churn risk {risk} (bought today)"
        )
        same = (
            cards[who].to_bytes(STORE_KEY, uid) == till_card
            and accounts[who].to_bytes(STORE_KEY, uid) == till_account
            and records[who].to_bytes(STORE_KEY, uid) == till_record
        )
        agree = agree and same
    print(f"back office: Python's replay of the day {'matches the till byte for byte' if agree else 'DIFFERS from the till'}")
    if not agree:
        sys.exit(1)
    recovery = next(entry for entry in outcomes[answered].trace if entry.rule == 7)
    print(f"back office: {answered}'s service recovery at the till: rule {recovery.rule} {recovery.status}, "
          f"{outcomes[answered].discount / 100:.2f} off")
    offer_plan(model)


def offer_plan(model: retention.ChurnModel) -> None:
    """The day's offer plan over the CDNOW customers: P(alive) and expected purchases from the
    churn model, CLV = expected purchases x mean spend, and survey answers for one customer in
    five (synthetic and seeded: CDNOW has none)."""
    import numpy as np

    from retention import targeting
    from retention.targeting import Offer

    tx = cdnow()
    summary = retention.summary_data_from_transaction_data(
        tx, "customer", "date", "cents", observation_period_end=TODAY - dt.timedelta(days=1),
        freq="D", freq_multiplier=7,
    )
    scored = model.score(summary["frequency"], summary["recency"], summary["T"])
    spend = summary["monetary_value"].where(summary["monetary_value"] > 0, tx["cents"].mean()) / 100
    rng = np.random.default_rng(7)
    answered = rng.random(len(summary)) < 0.2
    scores = rng.integers(0, 11, size=len(summary))
    groups = retention.feedback.group_of(scores).astype(object)
    customers = pd.DataFrame(
        {
            "customer_id": summary.index,
            "p_alive": scored["p_alive"].to_numpy(),
            "clv": (scored["expected_purchases"] * spend).to_numpy(),
            "nps_group": np.where(answered, groups, None),
        }
    )
    # Costs and CLV in dollars (CDNOW's unit).
    offers = [
        Offer("service call", 2.0, {"detractor": 0.3}, eligible_groups=["detractor"]),
        Offer("10% voucher", 1.0, {"detractor": 0.06, "passive": 0.08, "promoter": 0.05, "no_feedback": 0.07}),
        Offer("win-back credit", 3.0, {"high": 0.15, "critical": 0.2}),
    ]
    plan = targeting.plan(customers, offers, budget=150.0, today=TODAY, group_col="nps_group",
                          thresholds=model.thresholds)
    print(
        f"back office: offer plan for {TODAY}: {len(plan.contacts)} contacts of {len(customers):,} customers, "
        f"cost {plan.cost:.2f} of {plan.budget:.2f}, expected value {plan.expected_value:.2f} "
        f"(LP bound {plan.lp_bound:.2f}, gap {plan.gap:.2f}{', optimal' if plan.optimal else ''})"
    )
    for offer, count in plan.contacts["offer"].value_counts().sort_index().items():
        print(f"back office:   {offer}: {count} contacts")
    top = plan.contacts.iloc[0]
    print(f"back office:   first: customer {top['customer_id']}, {top['offer']}, "
          f"expected value {top['expected_value']:.2f} ({top['reason']})")


if __name__ == "__main__":
    {"prepare": prepare, "check": check}[sys.argv[1]]()
