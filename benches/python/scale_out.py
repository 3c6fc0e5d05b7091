#!/usr/bin/env python3
"""Throughput of retention.spark and retention.dask against the in-process API, and how much
compression shrinks real and synthetic summaries. Its output is the figures in
docs/scale-out.md (``--docs`` rewrites that section; nobody edits the numbers by hand).

    .venv/bin/python benches/python/scale_out.py [--rows 1000000] [--repeat 2] [--docs]

Data (seeded): ``--rows`` transactions of ``rows / 10`` customers over four years
(python/tests/scale_data.py's generator) for the summary; their summary, repeated to ``--rows``
rows, for scoring; a grocery history of ``--rows`` basket lines for the back-test
(examples/programs/grocery.toml). Rows per second count input rows.

Engines: the in-process API with 1 thread (the process pinned to one CPU with
``sched_setaffinity``; the core's batch scorer follows the affinity) and 2 threads (customers
split in two halves run on two Python threads; the core releases the GIL); Spark ``local[1]``
and ``local[2]`` (input cached before timing; results written to the ``noop`` sink or
collected); Dask ``distributed.LocalCluster`` with 1 and 2 single-threaded worker processes
(input persisted on the workers before timing). Each figure is the best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))

import retention  # noqa: E402
from scale_data import generated_transactions, grocery, grocery_history  # noqa: E402

MARK_BEGIN, MARK_END = "<!-- scale_out.py begin -->", "<!-- scale_out.py end -->"


def best(repeat: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def halves(frame: pd.DataFrame, column: str, parts: int) -> list[pd.DataFrame]:
    codes = pd.factorize(frame[column])[0] % parts
    return [frame[codes == i] for i in range(parts)]


def in_process(data: dict[str, Any], repeat: int, threads: int) -> dict[str, float]:
    all_cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(sorted(all_cpus)[:threads]))
    try:
        pool = ThreadPoolExecutor(threads)
        tx, summ, hist, people, rules, model = (
            data[k] for k in ("transactions", "summary_rows", "history", "people", "rules", "model")
        )
        end = data["end"]

        def summary() -> None:
            parts = halves(tx, "id", threads)
            list(pool.map(lambda p: retention.summary_data_from_transaction_data(p, "id", "date", "amount", observation_period_end=end), parts))

        def score() -> None:
            model.score(summ["frequency"], summ["recency"], summ["T"])

        def backtest() -> None:
            parts = halves(hist, "customer_id", threads)
            list(pool.map(lambda p: rules.backtest(p, people, progress=False), parts))

        return {"summary": best(repeat, summary), "score": best(repeat, score), "backtest": best(repeat, backtest)}
    finally:
        os.sched_setaffinity(0, all_cpus)


def spark_run(data: dict[str, Any], repeat: int, cores: int) -> dict[str, float]:
    from pyspark.sql import SparkSession

    import retention.spark as rs

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.sql.shuffle.partitions", str(2 * cores))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        def cached(frame: pd.DataFrame) -> Any:
            df = session.createDataFrame(frame).repartition(2 * cores).cache()
            df.count()
            return df

        tx, summ, hist = cached(data["transactions"]), cached(data["summary_rows"]), cached(data["history"])
        people = session.createDataFrame(data["people"]).cache()
        model = data["model"]
        out = {
            "summary": best(repeat, lambda: rs.summary(tx, "id", "date", "amount", observation_period_end=data["end"]).write.format("noop").mode("overwrite").save()),
            "score": best(repeat, lambda: rs.score(summ, model).write.format("noop").mode("overwrite").save()),
            "backtest": best(repeat, lambda: rs.backtest(hist, data["rules"], people)),
        }
        return out
    finally:
        session.stop()


def dask_run(data: dict[str, Any], repeat: int, workers: int) -> dict[str, float]:
    import dask.dataframe as dd
    import distributed

    import retention.dask as rd

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            def persisted(frame: pd.DataFrame) -> Any:
                df = client.persist(dd.from_pandas(frame, npartitions=2 * workers))
                distributed.wait(df)
                return df

            tx, summ, hist = persisted(data["transactions"]), persisted(data["summary_rows"]), persisted(data["history"])
            people = persisted(data["people"])
            model = data["model"]
            return {
                "summary": best(repeat, lambda: rd.summary(tx, "id", "date", "amount", observation_period_end=data["end"]).map_partitions(len).compute()),
                "score": best(repeat, lambda: rd.score(summ, model).map_partitions(len).compute()),
                "backtest": best(repeat, lambda: rd.backtest(hist, data["rules"], people)),
            }


def compression(frame: pd.DataFrame, id_col: str, date_col: str, **settings: Any) -> dict[str, Any]:
    rows = {}
    for label, extra in (("day", {"freq": "D"}), ("week", {"freq": "W"})):
        summary = retention.summary_data_from_transaction_data(frame, id_col, date_col, **settings, **extra)
        distinct = len(summary[["frequency", "recency", "T"]].drop_duplicates())
        rows[label] = (len(summary), distinct)
    return rows


def cdnow() -> pd.DataFrame:
    frame = pd.read_csv(
        REPO / "data" / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "id", "date", "cds", "amount"], dtype={"date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["id", "date", "amount"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--docs", action="store_true", help="rewrite the figures in docs/scale-out.md")
    args = parser.parse_args()

    transactions = generated_transactions(args.rows, max(args.rows // 10, 10), seed=2026)
    end = transactions["date"].max()
    summary = retention.summary_data_from_transaction_data(transactions, "id", "date", "amount", observation_period_end=end)
    # Scoring speed does not depend on the parameters: CDNOW's Pareto/NBD fit in days, rounded.
    model = retention.ChurnModel("pareto_nbd", [0.55, 75.0, 0.61, 80.0])
    summary_rows = summary.iloc[np.arange(args.rows) % len(summary)].reset_index(drop=True)
    history, people = grocery_history(args.rows, max(args.rows // 30, 10), seed=2027)
    data = {
        "transactions": transactions, "end": end, "summary_rows": summary_rows[["frequency", "recency", "T"]],
        "history": history, "people": people, "rules": grocery(), "model": model,
    }

    results: dict[str, dict[str, float]] = {}
    results["in-process, 1 thread"] = in_process(data, args.repeat, 1)
    results["in-process, 2 threads"] = in_process(data, args.repeat, 2)
    for cores in (1, 2):
        results[f"Spark local[{cores}]"] = spark_run(data, args.repeat, cores)
    for workers in (1, 2):
        results[f"Dask, {workers} worker{'s' if workers > 1 else ''}"] = dask_run(data, args.repeat, workers)

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{args.rows:,} rows per task, best of {args.repeat}.",
        "",
        "| engine | summary rows/s | scoring rows/s | back-test rows/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for engine, times in results.items():
        lines.append(
            f"| {engine} | " + " | ".join(f"{args.rows / times[task]:,.0f}" for task in ("summary", "score", "backtest")) + " |"
        )
    single = results["in-process, 1 thread"]
    lines += ["", "Two workers' throughput over 2 × one in-process thread's (goal: at least 0.80):", ""]
    lines += ["| engine | summary | scoring | back-test |", "| --- | ---: | ---: | ---: |"]
    for engine in ("Spark local[2]", "Dask, 2 workers"):
        lines.append(
            f"| {engine} | " + " | ".join(f"{single[t] / results[engine][t] / 2:.2f}" for t in ("summary", "score", "backtest")) + " |"
        )
    lines += ["", "Compression (distinct (frequency, recency, T) rows of the summary):", ""]
    lines += ["| data | customers | distinct, day grain | distinct, week grain |", "| --- | ---: | ---: | ---: |"]
    for name, rows in (
        ("CDNOW sample", compression(cdnow(), "id", "date")),
        (f"synthetic, {args.rows:,} transactions", compression(transactions, "id", "date")),
    ):
        (customers, day), (_, week) = rows["day"], rows["week"]
        lines.append(f"| {name} | {customers:,} | {day:,} ({day / customers:.1%}) | {week:,} ({week / customers:.1%}) |")
    text = "\n".join(lines)
    print(text)
    if args.docs:
        path = REPO / "docs" / "scale-out.md"
        doc = path.read_text(encoding="utf-8")
        head, rest = doc.split(MARK_BEGIN)
        _, tail = rest.split(MARK_END)
        path.write_text(f"{head}{MARK_BEGIN}\n{text}\n{MARK_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
