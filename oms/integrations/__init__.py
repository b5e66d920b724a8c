"""Integrations: what leaves the system. The transactional outbox (every public event, written in
the transaction of its change), its sequencing into commit order, the event feed, and webhook
subscriptions and their dispatcher (Standard Webhooks)."""
