"""Domain rules per area. No HTTP here and no SQL text: queries go through SQLAlchemy Core."""
