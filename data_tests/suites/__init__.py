"""One module per checked table: the SQL producing its frame and the suite validating it."""
