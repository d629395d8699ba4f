"""Database plumbing: connections, transactions, retries, raw rows, paging, row locks and migrations."""
