"""The Veilig Melden application core: language, content, rendering and the CLI."""
