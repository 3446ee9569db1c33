"""The project: which files form one, and the facts each file gives project rules."""
