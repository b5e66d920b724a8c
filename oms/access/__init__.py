"""Who may call the service: API keys and their roles, and the store pages' sessions."""
