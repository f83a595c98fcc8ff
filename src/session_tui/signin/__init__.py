"""Opening accounts, one module per built-in provider, each exposing its `PLUGIN`.

The entry points in pyproject.toml name these objects; `session_tui.registry` finds them the
way it finds anyone's plugin. `common` holds the sign-in order they share.
"""
