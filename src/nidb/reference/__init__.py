"""Reference data shipped with the package (real, public data; see the `.md` beside each file)."""
