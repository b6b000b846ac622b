"""The guide's own code, grouped by when it runs (see CONTRIBUTING.md, "What runs when"):

hooks/   inside `mkdocs build`, as MkDocs event hooks listed in mkdocs.yml `hooks:`
checks/  editorial rules the hooks and the tests share (bib lint, reading level, spelling)
build/   the steps `make site` runs after MkDocs: python -m scripts.build.<step> SITE_DIR
tools/   run by hand or by make: bench, urls, linkcheck, nginx preview, setup.sh

Run everything from the project root with `python -m` (`python -m mkdocs build`, `python -m
scripts.build.pdf site`): that puts the root on sys.path, so `from scripts.checks import biblint`
works everywhere and no module edits sys.path.
"""
