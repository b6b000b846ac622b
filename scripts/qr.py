"""QR codes for guide pages (segno, SVG, from the canonical URL). Owned by the PDF/print work."""
