"""A local SMTP server that reproduces any reply code on demand (loopback by default)."""
