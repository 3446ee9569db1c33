"""Rule plugins: finding them, their metadata, selection, docs and the checklist."""
