"""Journey analytics: filters, metrics as Ibis expressions run by the database, and the report."""
