"""Steps `make site` runs after MkDocs, in order: pdf, worksheets, offline, hosting (python -m scripts.build.X SITE_DIR)."""
