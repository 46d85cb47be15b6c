"""The review web service (tornado): a JupyterHub service with HubOAuth, or standalone."""
