"""Builds the PDFs (the book and the handouts) into SITE_DIR/pdf/. Usage: python scripts/pdf.py SITE_DIR"""
