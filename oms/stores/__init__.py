"""Store operations: pickup slots, pick lists and confirmation, short picks re-sourced,
ship-from-store, click-and-collect readiness, collection and expiry."""
