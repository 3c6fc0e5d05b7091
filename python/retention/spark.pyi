from typing import Any, Optional

from pyspark.sql import DataFrame

from ._scale import COMPRESS_MAX_ROWS as COMPRESS_MAX_ROWS
from ._scale import Compressed as Compressed
from .model import ChurnModel
from .rules import BacktestResult

__all__ = ["COMPRESS_MAX_ROWS", "Compressed", "summary", "compress", "score", "backtest"]

#: Rows a back-test task gathers (whole customers) before one run of the single-machine back-test.
BACKTEST_CHUNK_ROWS: int

def summary(
    df: DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    partitions: Optional[int] = None,
) -> DataFrame:
    """Per-customer summary (frequency, recency, T [, monetary_value]) as a Spark DataFrame,
    equal row for row to retention.summary_data_from_transaction_data, computed by Spark SQL
    aggregations (groupBy customer and period, then customer) after one shuffle. DATE as is,
    TIMESTAMP at its local date in spark.sql.session.timeZone, TIMESTAMP_NTZ at its wall-clock
    date. Raises ValidationError on the driver (missing column, wrong type, missing ids/dates,
    dates outside 1900-9999, missing/negative/NaN/infinite amounts naming the column, bad freq,
    no transactions)."""

def compress(summary_df: DataFrame, max_rows: int = ...) -> Compressed:
    """Distinct (frequency, recency, T) rows with weight, and repeat buyers' distinct
    (frequency, monetary_value) rows with weight, collected as pandas. Raises CapacityError
    (nothing collected) past max_rows (default COMPRESS_MAX_ROWS = 5 000 000) distinct rows."""

def score(
    df: DataFrame,
    model: ChurnModel | bytes,
    columns: Optional[tuple[str, ...]] = None,
    t: Optional[float] = None,
    *,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    mean_spend_minor_col: Optional[str] = None,
) -> DataFrame:
    """df with ChurnModel.score columns added through mapInArrow. Raises DecodeError (corrupt
    model bytes) and ValidationError (unknown column, wrong type) on the driver."""

def backtest(
    transactions_df: DataFrame,
    rule_set: Any,
    customers_df: Optional[DataFrame] = None,
    *,
    utc_offset_minutes: int = 0,
    skip_invalid: bool = False,
    churn_model: ChurnModel | bytes | None = None,
    feedback: Optional[DataFrame] = None,
    partitions: Optional[int] = None,
) -> BacktestResult:
    """RuleSet.backtest of Spark
    DataFrames (feedback: NPS answers, as the single-machine feedback=), equal attribute by
    attribute to the single-machine back-test:
    baskets, skipped, first_skipped (row in the input's order, reason), by_rule, by_segment,
    by_rule_segment (segment labels the customers' own values, None for none) and customers
    (every customer's record, sorted by id, collected: a few hundred bytes a customer while assembled)."""
