from typing import Any, Optional

# Dask DataFrames are typed as Any (dask ships no complete types for them).

from ._scale import COMPRESS_MAX_ROWS as COMPRESS_MAX_ROWS
from ._scale import Compressed as Compressed
from .model import ChurnModel
from .rules import BacktestResult

__all__ = ["COMPRESS_MAX_ROWS", "Compressed", "summary", "compress", "score", "backtest"]

def summary(
    ddf: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    datetime_format: Optional[str] = None,
    npartitions: Optional[int] = None,
) -> Any:
    """Per-customer summary as a lazy Dask DataFrame indexed by customer id, equal row for row
    to retention.summary_data_from_transaction_data (dates as pandas reads them). Raises
    ValidationError (missing column on the client; missing ids or dates, bad freq)."""

def compress(summary_ddf: Any, max_rows: int = ...) -> Compressed:
    """Distinct (frequency, recency, T) rows with weight, and repeat buyers' distinct
    (frequency, monetary_value) rows with weight, computed to pandas. Raises CapacityError
    (nothing collected) past max_rows (default COMPRESS_MAX_ROWS = 5 000 000) distinct rows."""

def score(
    ddf: Any,
    model: ChurnModel | bytes,
    columns: Optional[tuple[str, ...]] = None,
    t: Optional[float] = None,
    *,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    mean_spend_minor_col: Optional[str] = None,
) -> Any:
    """df with ChurnModel.score columns added through map_partitions. Raises DecodeError (corrupt
    model bytes) and ValidationError (unknown column, wrong type) on the client."""

def backtest(
    transactions_ddf: Any,
    rule_set: Any,
    customers_ddf: Any = None,
    *,
    utc_offset_minutes: int = 0,
    skip_invalid: bool = False,
    churn_model: ChurnModel | bytes | None = None,
    feedback: Any = None,
    npartitions: Optional[int] = None,
) -> BacktestResult:
    """RuleSet.backtest of Dask
    DataFrames (feedback: NPS answers, as the single-machine feedback=), equal attribute by
    attribute to the single-machine back-test:
    baskets, skipped, first_skipped (row in the input's order, reason), by_rule, by_segment,
    by_rule_segment (segment labels the customers' own values, None for none) and customers
    (every customer's record, sorted by id, collected: a few hundred bytes a customer while assembled)."""
