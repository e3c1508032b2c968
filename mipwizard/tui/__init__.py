"""The full-screen wizard (Textual). The engine (``mipwizard.core``) never imports this package."""
