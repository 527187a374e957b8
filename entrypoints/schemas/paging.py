"""What every paged listing shares."""

MAX_OFFSET = 1_000_000_000  # beyond any gene set; keeps offset + limit inside Redis's 64-bit range
