"""Simulators behind the bundled datasets; each module exposes ``generate(ctx)``."""
