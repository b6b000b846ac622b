"""MkDocs event hooks, listed in mkdocs.yml `hooks:`: only what needs a build event."""
