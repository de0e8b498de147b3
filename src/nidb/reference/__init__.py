"""Reference data shipped with the package (real, public data; see the `.md` beside each file)."""

from pathlib import Path

ASEM_DIR = Path(__file__).with_name("asem")
"""COINr's ASEM example (data and metadata tables), used to check the generic engine."""
