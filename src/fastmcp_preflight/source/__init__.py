"""Reading and parsing: bytes to text, one line index, positions, `# noqa` comments."""
