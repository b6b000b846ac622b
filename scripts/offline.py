"""Builds the offline edition into SITE_DIR/downloads/. Usage: python scripts/offline.py SITE_DIR"""
