"""nidb: evaluation workbench for China's national new-industrialization industry demonstration bases."""

__version__ = "0.1.0"
