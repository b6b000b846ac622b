# The verbs people run. `make serve` and `make test` set up a fresh machine themselves.
SHELL := /bin/bash
PY := .venv/bin/python
# `python -m mkdocs` puts the project root on sys.path, so the hooks can import the `scripts` package.
MKDOCS := $(PY) -m mkdocs
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
SERVE_ADDR ?= 127.0.0.1:8000
PORT ?= 8080

.PHONY: setup setup-test serve site preview pdf offline test audit urls bench linkcheck review-kit lock clean

setup:
	@bash scripts/tools/setup.sh build

setup-test:
	@bash scripts/tools/setup.sh test

## Build and serve the site with live reload at http://127.0.0.1:8000. After the first full build,
## an edit rebuilds only the changed page (--dirty, so link warnings do not stop the preview);
## every editorial gate still stops it, and `make site` is the strict build.
serve: setup
	STRICT=false $(MKDOCS) serve --dirty -a $(SERVE_ADDR)

## The strict, publishable build into site/: pages, PDFs and the offline bundle, then what hosts need
## (scripts/build/hosting.py: site/_headers, site/_nginx/headers.conf with the CSP's script hashes, .gz files)
site: setup
	$(MKDOCS) build --strict --clean
	$(PY) -m scripts.build.pdf site
	$(PY) -m scripts.build.worksheets site
	$(PY) -m scripts.build.packs site
	$(PY) -m scripts.build.offline site
	$(PY) -m scripts.build.hosting site

## Serve site/ as production does: real nginx with deploy/nginx/site.conf on http://127.0.0.1:$(PORT)/,
## in the foreground (Ctrl-C stops it). Installs nginx when missing.
preview: site
	@bash scripts/tools/setup.sh preview
	$(PY) -m scripts.tools.nginx site $(PORT)

## Every test
test: setup-test
	$(PY) -m pytest

## Like site, but a page past its next_review date fails
audit: setup
	REVIEW_AUDIT=1 $(MKDOCS) build --strict --clean -d .cache/audit-site

## Append newly published URLs and anchors to tests/published-urls.txt (never deletes a line)
urls: site
	$(PY) -m scripts.tools.urls site tests/published-urls.txt

## Speed and size figures (prints a table; never fails on time)
bench: setup-test
	@bash scripts/tools/setup.sh bench
	$(PY) -m scripts.tools.bench

## Check every external link (needs a network; says so and skips without one)
linkcheck: setup
	$(PY) -m scripts.tools.linkcheck docs references.bib

## The clinical review kit: per page a fillable PDF (claims beside their references, our-view statements
## marked, safety content highlighted, sign-off block) and index.pdf, into review-kit/ (never published).
## Record a finished review in includes/reviews.yml.
review-kit: setup
	$(PY) -m mkdocs build --strict --clean -d .cache/review-site
	$(PY) -m scripts.tools.review_kit .cache/review-site review-kit

## Re-lock requirements.txt from requirements.in (needs PyPI)
lock: setup
	$(PY) -m pip install -q pip-tools
	.venv/bin/pip-compile --generate-hashes --allow-unsafe --strip-extras -q -o requirements.txt requirements.in

clean:
	rm -rf site .cache review-kit
