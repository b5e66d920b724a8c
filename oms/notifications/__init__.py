"""Messages owed to customers (ready for pickup, pickup expired...), raised by handlers of the
events that call for them and kept for the mailer to send."""
