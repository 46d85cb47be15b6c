"""A cohort on JupyterHub on one machine: accounts, course and exchange, hub settings."""
