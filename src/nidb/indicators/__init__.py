"""Indicator values per unit-year (`values`) and peer-relative standings (`peers`)."""

from nidb.indicators.peers import PeerStanding, peer_positions, peer_standings
from nidb.indicators.values import (
    feature_leaves,
    feature_values,
    indicator_values,
    local_gdp_growth,
    measure_array,
    measure_values,
    missing_summary,
    resolved_parameters,
    table,
    unit_registry,
)

__all__ = [
    "PeerStanding",
    "feature_leaves",
    "feature_values",
    "indicator_values",
    "local_gdp_growth",
    "measure_array",
    "measure_values",
    "missing_summary",
    "peer_positions",
    "peer_standings",
    "resolved_parameters",
    "table",
    "unit_registry",
]
