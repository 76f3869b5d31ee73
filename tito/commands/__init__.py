"""tito command groups: one file per group, each with register(subparsers)."""
