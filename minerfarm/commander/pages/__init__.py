"""Server-rendered pages (Jinja, autoescaped): login, the rig list, a rig, its token."""
