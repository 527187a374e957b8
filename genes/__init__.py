"""The domain: genes, jobs, their services and the analysis. No Flask, no Redis."""
