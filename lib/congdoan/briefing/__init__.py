"""briefing: what a briefing shows (content), its HTML (display), its charts, its formatting."""

SCREEN_ONLY = ("<!--cd-screen-->", "<!--/cd-screen-->")
"""Comments around a fragment that only the screen shows (no nesting). Such a fragment has a
print counterpart beside it; :meth:`congdoan.engine.render.Renderer.pdf_of` drops it before
WeasyPrint reads the page, which then neither parses nor styles it."""
