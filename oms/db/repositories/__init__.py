"""SQLAlchemy repositories, one module per context; ``base.SqlRepository`` is what they share."""
