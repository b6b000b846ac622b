"""`make bench`: speed and size figures, one module per section (build, rebuild, reader, pdf; serve.py: load
and Lighthouse through nginx). Run: python -m scripts.tools.bench [--quick] [--sections ...] (see __main__.py)."""
