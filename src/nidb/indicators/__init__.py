"""Indicator values per unit-year (`values`) and peer-relative standings (`peers`)."""

from nidb.indicators.peers import PeerStanding, peer_positions, peer_standings
from nidb.indicators.values import (
    LOCAL_GDP_LEVELS,
    feature_leaves,
    feature_values,
    gdp_lookup,
    indicator_values,
    local_gdp,
    local_gdp_growth,
    measure_array,
    measure_values,
    missing_summary,
    resolved_parameters,
    table,
    unit_registry,
)

__all__ = [
    "LOCAL_GDP_LEVELS",
    "PeerStanding",
    "feature_leaves",
    "feature_values",
    "gdp_lookup",
    "indicator_values",
    "local_gdp",
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
