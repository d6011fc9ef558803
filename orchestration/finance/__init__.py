"""Month-end close: post the chargeback journal, reopen with reversals, export it for the ledger."""
