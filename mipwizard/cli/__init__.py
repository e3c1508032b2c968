"""The headless face: ``mipwizard <command>``.

Every module in this package that defines ``register(subparsers)`` adds its commands; a handler
returns the exit code (0 ok, 1 problem found / failed, 2 usage; 3 cluster unreachable; 130 Ctrl+C).
"""
