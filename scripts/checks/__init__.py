"""Editorial rules the hooks and the tests share: bib lint, reading level, spelling."""
